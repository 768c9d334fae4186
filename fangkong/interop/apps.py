from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "fangkong.interop"
    label = "interop"
    verbose_name = _("Interoperability")

    def ready(self):
        from fangkong.interop import retention
        from fangkong.people.retention import register_anonymiser

        register_anonymiser("interop", retention.anonymise)
