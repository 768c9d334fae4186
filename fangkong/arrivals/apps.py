from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrivalsConfig(AppConfig):
    name = "fangkong.arrivals"
    label = "arrivals"
    verbose_name = _("Arrivals and checkpoints")
