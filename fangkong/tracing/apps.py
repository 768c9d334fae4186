from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "fangkong.tracing"
    label = "tracing"
    verbose_name = _("Epidemiological investigation")

    def ready(self):
        from fangkong.core.alerts import register_alert_provider
        from fangkong.people.panels import PersonPanel, register_person_panel
        from fangkong.people.retention import register_anonymiser
        from fangkong.risk.registry import register_criteria_provider
        from fangkong.testing.listeners import register_positive_listener
        from fangkong.tracing import kinds  # noqa: F401  (registers the task kinds)
        from fangkong.tracing.retention import anonymise
        from fangkong.tracing.selectors import overview_alerts, person_panel, risk_criteria
        from fangkong.tracing.services import positive_case_opened

        # A single-tube positive opens the case at once: the investigation's clock starts at the result.
        register_positive_listener(positive_case_opened)
        register_criteria_provider(risk_criteria)
        register_alert_provider("tracing", overview_alerts, reads={"tracing.view"})
        register_person_panel(PersonPanel(
            name="tracing.case", template="tracing/person_panel.html", order=15, context=person_panel))
        register_anonymiser("tracing", anonymise)
