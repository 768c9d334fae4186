from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "fangkong.exports"
    label = "exports"
    verbose_name = _("Line-list exports")

    def ready(self):
        from fangkong.exports import retention
        from fangkong.people.retention import register_anonymiser

        register_anonymiser("exports", retention.anonymise)
