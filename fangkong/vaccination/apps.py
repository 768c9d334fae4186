from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaccinationConfig(AppConfig):
    name = "fangkong.vaccination"
    label = "vaccination"
    verbose_name = _("Vaccination")

    def ready(self):
        from fangkong.people.merge_hooks import register_merge_handler
        from fangkong.people.panels import PersonPanel, register_person_panel
        from fangkong.people.retention import register_anonymiser
        from fangkong.vaccination import retention
        from fangkong.vaccination.selectors import person_panel
        from fangkong.vaccination.services import doses_repoint_person

        register_merge_handler("vaccination", doses_repoint_person)
        register_person_panel(PersonPanel(name="vaccination.doses", template="vaccination/person_panel.html",
                                          order=25, context=person_panel))
        register_anonymiser("vaccination", retention.anonymise)
