"""Centralised isolation: sites and rooms, stays (placement → transfer → handover → release), transfer trips, and
the care of people during their stay (daily health checks, requests)."""

from fangkong.isolation.models.care import *  # noqa: F403
from fangkong.isolation.models.sites import *  # noqa: F403
