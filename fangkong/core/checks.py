"""Production settings refuse to start when they are unsafe."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_settings(app_configs, **kwargs):
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error("FANGKONG_DEBUG must be off in production.", id="fangkong.E001"))
    if settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        errors.append(Error("Set FANGKONG_SECRET_KEY to a random value of 40+ characters.", id="fangkong.E002"))
    if not settings.ALLOWED_HOSTS:
        errors.append(Error("Set FANGKONG_ALLOWED_HOSTS to the server's host names.", id="fangkong.E003"))
    return errors
