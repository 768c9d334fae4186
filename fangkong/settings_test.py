"""Settings for the test suite: fast hashing, jobs run at once."""

from fangkong.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests assert the English msgids; the browser tests send Accept-Language zh-CN and get the Chinese UI.
LANGUAGE_CODE = "en"
NOTIFY_BACKEND = "fangkong.notify.backends.locmem.Backend"
# Other apps' tests run at any real hour; notify's own quiet-hour tests set it.
NOTIFY_QUIET_HOURS = ""
