from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    label = "supplies"
    verbose_name = _("Supplies and living support")

    def ready(self):
        from fangkong.command.review.collect import register_review_collector
        from fangkong.core.alerts import register_alert_provider
        from fangkong.people.retention import register_anonymiser
        from fangkong.supplies import retention
        from fangkong.supplies.living import kinds  # noqa: F401  (registers the task kinds)
        from fangkong.supplies.living.review import unmet_needs
        from fangkong.supplies.stock.selectors import overview_alerts

        register_review_collector("supplies.unmet_needs", unmet_needs)
        register_alert_provider("supplies_stock", overview_alerts,
                                reads={"supplies.view", "supplies.approve"})
        register_anonymiser("supplies", retention.anonymise)
