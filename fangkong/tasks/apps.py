from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "fangkong.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        from fangkong.people.merge_hooks import register_merge_handler
        from fangkong.people.retention import register_anonymiser
        from fangkong.tasks.retention import anonymise
        from fangkong.tasks.services import tasks_repoint_person

        register_merge_handler("tasks", tasks_repoint_person)
        register_anonymiser("tasks", anonymise)
