from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesConfig(AppConfig):
    name = "fangkong.passes"
    label = "passes"
    verbose_name = _("Passes")

    def ready(self):
        from fangkong.passes import retention
        from fangkong.people.retention import register_anonymiser

        register_anonymiser("passes", retention.anonymise)
