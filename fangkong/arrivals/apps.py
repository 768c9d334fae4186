from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrivalsConfig(AppConfig):
    name = "fangkong.arrivals"
    label = "arrivals"
    verbose_name = _("Arrivals and checkpoints")

    def ready(self):
        # "Expand the risk range": risk asks every registered source who came from an area since a date.
        from fangkong.arrivals.services import itinerary_persons
        from fangkong.risk.registry import register_itinerary_source

        register_itinerary_source(itinerary_persons)
