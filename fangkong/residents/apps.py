from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ResidentsConfig(AppConfig):
    name = "fangkong.residents"
    label = "residents"
    verbose_name = pgettext_lazy("residents", "Residents")

    def ready(self):
        from fangkong.people.merge_hooks import register_merge_handler
        from fangkong.people.panels import PersonPanel, register_person_panel
        from fangkong.people.retention import register_anonymiser
        from fangkong.residents import kinds  # noqa: F401  (registers the task kinds)
        from fangkong.residents.selectors import person_panel
        from fangkong.residents.services import checkins_anonymise, checkins_repoint_person

        register_merge_handler("checkins", checkins_repoint_person)
        register_anonymiser("checkins", checkins_anonymise)
        register_person_panel(PersonPanel(name="residents.checkins", template="residents/person_checkins.html",
                                          order=25, context=person_panel))
