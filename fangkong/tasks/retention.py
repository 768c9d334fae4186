"""PIPL erasure (people.retention): a task keeps its kind, unit, owner, due and closing times, status and outcome
for the timeliness figures; its title and texts, which name the person, go."""

from fangkong.people.retention import ANONYMOUS_NAME, Erasure
from fangkong.tasks.models import Task


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    tasks = Task.objects.filter(person_id__in=erasure.person_ids).exclude(title=ANONYMOUS_NAME)
    return {"tasks.Task": erasure.erase(tasks, title=ANONYMOUS_NAME, detail="", outcome_note="", outcome_data={})}
