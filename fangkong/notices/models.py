"""Models of the notices app."""

from django.db import models  # noqa: F401
