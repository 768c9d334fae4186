from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    label = "testing"
    verbose_name = _("Mass testing")

    def ready(self):
        from fangkong.core.alerts import register_alert_provider
        from fangkong.people.panels import PersonPanel, register_person_panel
        from fangkong.people.retention import register_anonymiser
        from fangkong.risk.registry import register_criteria_provider
        from fangkong.testing import kinds  # noqa: F401  (registers the task kinds)
        from fangkong.testing.retention import anonymise
        from fangkong.testing.selectors import overview_alerts, person_panel, risk_criteria

        # Downgrading a risk area needs its last infection and a full negative round: testing knows both.
        register_criteria_provider(risk_criteria)
        register_alert_provider("testing", overview_alerts, reads={"testing.view"})
        register_person_panel(PersonPanel(
            name="testing.samples", template="testing/person_samples.html", order=20,
            context=person_panel))
        register_anonymiser("testing", anonymise)
