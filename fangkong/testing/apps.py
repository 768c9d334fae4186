from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    label = "testing"
    verbose_name = _("Mass testing")

    def ready(self):
        from fangkong.risk.registry import register_criteria_provider
        from fangkong.testing import kinds  # noqa: F401  (registers the task kinds)
        from fangkong.testing.selectors import risk_criteria

        register_criteria_provider(risk_criteria)
