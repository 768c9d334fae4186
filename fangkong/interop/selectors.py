"""Scoped reads of interop: persons and test results as FHIR sees them, the human queue, the DHIS2 mapping."""

from django.db.models import QuerySet
from django.http import Http404

from fangkong.interop.models import DataElementMapping, Dhis2Push, InboxItem, OrgUnitMapping
from fangkong.people.models import Person
from fangkong.testing.models import Sample, Tube


def patient_get(*, user, person_id: int) -> Person:
    try:
        return Person.objects.visible_to(user, "view").get(pk=person_id, merged_into__isnull=True)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


def patients_by_identifier(*, user, id_type: str, id_number: str) -> QuerySet:
    return (Person.objects.visible_to(user, "view")
            .filter(id_type=id_type, id_number=id_number, merged_into__isnull=True).order_by("pk"))


def _resulted_samples(user) -> QuerySet:
    return (Sample.objects.visible_to(user, "view").filter(tube__status=Tube.Status.RESULTED)
            .exclude(tube__result="").select_related("tube", "tube__lab"))


def observation_get(*, user, sample_id: int) -> Sample:
    try:
        return _resulted_samples(user).get(pk=sample_id)
    except Sample.DoesNotExist as exc:
        raise Http404 from exc


def observations_for_patient(*, user, person: Person, before: int | None = None, limit: int = 50) -> list[Sample]:
    rows = _resulted_samples(user).filter(person=person).order_by("-pk")
    if before:
        rows = rows.filter(pk__lt=before)
    return list(rows[:limit])


def inbox_items(*, user, status: str = InboxItem.Status.OPEN, before: int | None = None,
                limit: int = 50) -> list[InboxItem]:
    rows = InboxItem.objects.visible_to(user, "view").select_related("lab", "resolved_tube", "resolved_by")
    if status:
        rows = rows.filter(status=status)
    if before:
        rows = rows.filter(pk__lt=before)
    return list(rows.order_by("-pk")[:limit])


def inbox_item_get(*, user, item_id: int, action: str = "view") -> InboxItem:
    try:
        return (InboxItem.objects.visible_to(user, action).select_related("lab", "unit", "resolved_tube")
                .get(pk=item_id))
    except InboxItem.DoesNotExist as exc:
        raise Http404 from exc


def inbox_open_count(*, user) -> int:
    return InboxItem.objects.visible_to(user, "view").filter(status=InboxItem.Status.OPEN).count()


def data_element_mappings() -> dict[str, DataElementMapping]:
    return {m.figure: m for m in DataElementMapping.objects.all()}


def org_unit_mappings(*, user=None, action: str = "dhis2") -> list[OrgUnitMapping]:
    """The mapped nodes: the user's (visible_to), or all of them for the system (user=None)."""
    rows = OrgUnitMapping.objects.visible_to(user, action) if user is not None else OrgUnitMapping.objects.all()
    return list(rows.select_related("unit").order_by("unit__path"))


def dhis2_pushes(*, limit: int = 30) -> list[Dhis2Push]:
    return list(Dhis2Push.objects.select_related("pushed_by")[:limit])


def dhis2_push_for_day(*, day) -> Dhis2Push | None:
    return Dhis2Push.objects.filter(day=day).exclude(status=Dhis2Push.Status.FAILED).first()
