from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fangkong.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from fangkong.core import checks  # noqa: F401  (registers the production checks)
