from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtocolsConfig(AppConfig):
    name = "fangkong.protocols"
    label = "protocols"
    verbose_name = _("Protocols")

    def ready(self):
        from fangkong.people.merge_hooks import register_merge_handler
        from fangkong.people.panels import PersonPanel, register_person_panel
        from fangkong.protocols import kinds  # noqa: F401 (registers the task kinds)
        from fangkong.protocols.selectors import measures_of
        from fangkong.protocols.services import measures_repoint_person

        register_merge_handler("measures", measures_repoint_person)
        register_person_panel(PersonPanel(
            name="protocols.measures", template="protocols/person_measures.html", order=10,
            context=lambda user, person: {"measures": measures_of(user=user, person=person)}))
