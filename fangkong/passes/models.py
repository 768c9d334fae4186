"""Models of the passes app."""

from django.db import models  # noqa: F401
