from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _forget_backends(*, setting, **kwargs):
    if setting.startswith("NOTIFY_"):
        from fangkong.notify.backends import reset_backends

        reset_backends()


class NotifyConfig(AppConfig):
    name = "fangkong.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from django.core.signals import setting_changed

        from fangkong.notify import kinds, message_kinds  # noqa: F401  (register the task and message kinds)
        from fangkong.notify.retention import anonymise
        from fangkong.people.retention import register_anonymiser

        # A test that changes NOTIFY_SMS_URL or NOTIFY_BACKEND gets a backend built from the new values.
        setting_changed.connect(_forget_backends, dispatch_uid="notify_forget_backends")
        register_anonymiser("notify", anonymise)
