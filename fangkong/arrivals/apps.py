from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrivalsConfig(AppConfig):
    name = "fangkong.arrivals"
    label = "arrivals"
    verbose_name = _("Arrivals and checkpoints")

    def ready(self):
        from fangkong.arrivals import retention
        from fangkong.arrivals.services import itinerary_persons
        from fangkong.people.retention import register_anonymiser
        from fangkong.risk.registry import register_itinerary_source

        # "Expand the risk range": risk asks every registered source who came from an area since a date.
        register_itinerary_source(itinerary_persons)
        register_anonymiser("arrivals", retention.anonymise)
