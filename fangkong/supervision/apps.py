from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "fangkong.supervision"
    label = "supervision"
    verbose_name = _("Supervision and rectification")

    def ready(self):
        from fangkong.command.review.collect import register_review_collector
        from fangkong.supervision import kinds  # noqa: F401  (registers the task kind)
        from fangkong.supervision.review import new_findings

        register_review_collector("supervision", new_findings)
