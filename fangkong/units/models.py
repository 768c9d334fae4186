"""Models of the units app."""

from django.db import models  # noqa: F401
