from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "fangkong.workforce"
    label = "workforce"
    verbose_name = _("Workforce")

    def ready(self):
        from fangkong.people.retention import register_anonymiser
        from fangkong.workforce import kinds  # noqa: F401  (registers the task kind)
        from fangkong.workforce.retention import anonymise

        register_anonymiser("workforce", anonymise)
