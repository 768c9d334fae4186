"""Models of the vaccination app."""

from django.db import models  # noqa: F401
