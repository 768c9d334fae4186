"""Models of the residents app."""

from django.db import models  # noqa: F401
