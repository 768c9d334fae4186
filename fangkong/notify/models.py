"""Models of the notify app."""

from django.db import models  # noqa: F401
