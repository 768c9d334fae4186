from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IsolationConfig(AppConfig):
    name = "fangkong.isolation"
    label = "isolation"
    verbose_name = _("Centralised isolation")

    def ready(self):
        from fangkong.core.alerts import register_alert_provider
        from fangkong.isolation import kinds  # noqa: F401  (registers the task kinds)
        from fangkong.isolation.care import kinds as care_kinds  # noqa: F401
        from fangkong.isolation.retention import anonymise
        from fangkong.isolation.selectors import overview_alerts
        from fangkong.isolation.services import positive_moved_out
        from fangkong.people.retention import register_anonymiser
        from fangkong.testing.listeners import register_positive_listener

        # A positive single tube of someone in a site: they leave for hospital and their room is disinfected.
        register_positive_listener(positive_moved_out)
        register_alert_provider("isolation", overview_alerts,
                                reads={"isolation.report", "isolation.view", "tasks.view"})
        register_anonymiser("isolation", anonymise)
