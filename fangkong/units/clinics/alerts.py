"""The command overview's alert for unexplained rises of fever patients (register from UnitsConfig.ready():
`register_alert_provider("units.fever", fever_rise_alerts)`)."""

from django.urls import reverse
from django.utils.translation import ngettext

from fangkong.accounts.roles import Role, has_capability
from fangkong.core.alerts import Alert
from fangkong.units.clinics.selectors import recent_rises


def fever_rise_alerts(*, user, root) -> list[Alert]:
    """Clinic-days of the last UNITS_FEVER_ALERT_DAYS days whose count rose beyond the clinic's usual, under the
    overview's node."""
    if not has_capability(user, "units.view") or getattr(user, "role", None) == Role.UNIT_CONTACT:
        return []
    rises = recent_rises(user=user, node=root)
    if not rises:
        return []
    clinics = sorted({clinic.organisation.name for clinic, _cell in rises})
    text = ngettext("Unexplained rise of fever patients at %(count)d clinic: %(names)s.",
                    "Unexplained rise of fever patients at %(count)d clinics: %(names)s.", len(clinics)) % {
        "count": len(clinics), "names": "、".join(clinics[:5])}
    url = reverse("units:clinic_index") + (f"?node={root.code}" if root is not None else "")
    return [Alert("units.fever_rises", text, url, len(clinics))]
