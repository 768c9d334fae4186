"""How a task's subject is shown: names in full to those who do the work, masked to everyone else."""

from fangkong.core.masking import mask_name


def subject_label(task, user) -> str:
    works_on_it = user is not None and user.pk in (task.owner_id, task.escalated_owner_id)
    if task.person_id:
        name = task.person.name
        return name if works_on_it else mask_name(name)
    if task.household_id:
        return str(task.household)
    if task.subject_type:
        return f"{task.subject_type} #{task.subject_id}"
    return ""
