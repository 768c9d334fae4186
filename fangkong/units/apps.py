from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "fangkong.units"
    label = "units"
    verbose_name = _("Units and key places")

    def ready(self):
        from fangkong.core.alerts import register_alert_provider
        from fangkong.people.retention import register_anonymiser
        from fangkong.units import kinds, kinds_disinfection  # noqa: F401 (registers the task kinds)
        from fangkong.units.clinics.alerts import fever_rise_alerts
        from fangkong.units.retention import anonymise

        register_alert_provider("units.fever", fever_rise_alerts, reads={"units.view"})
        register_anonymiser("units", anonymise)
