"""Writes to households and persons. A person's management status changes only through person_status_change."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import AccessLog
from fangkong.accounts.scope import ensure_capability, ensure_unit_in_scope
from fangkong.accounts.services import access_log_record
from fangkong.audit.services import audit_record, diff
from fangkong.core.masking import mask_address, mask_id_number, mask_phone
from fangkong.people.identity import document_for_form, phone_for_form
from fangkong.people.merge_hooks import repoint_all
from fangkong.people.models import Household, IdType, ManagementStatus, Person, PersonTag, Sex, StatusChange, Tag
from fangkong.people.search import name_keys, reversed_key
from fangkong.territory.models import Level, Unit

# Sent inside the merge transaction, so that apps whose rows point at a person can move them to the survivor.

_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}


def _masked_changes(changes: dict) -> dict:
    return {
        field: tuple(_MASKERS[field](v) if v else v for v in values) if field in _MASKERS else values
        for field, values in changes.items()
    }


def _snapshot(person: Person) -> dict:
    return {
        "name": person.name,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "sex": person.sex,
        "phone": person.phone,
        "address": person.address,
        "household": person.household_id,
        "unit": person.unit_id,
    }


def _audit_person(*, actor, person: Person, action: str, changes: dict, note: str = "") -> None:
    audit_record(actor=actor, obj=person, action=action, unit_path=person.unit.path,
                 changes=_masked_changes(changes), note=note)


def _set_search_keys(person: Person) -> None:
    keys = name_keys(person.name)
    person.name_simplified = keys.simplified[:50]
    person.name_pinyin = keys.pinyin[:200]
    person.name_initials = keys.initials[:50]
    person.id_number_rev = reversed_key(person.id_number)
    person.phone_rev = reversed_key(person.phone)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter the person's name.")})
    if len(name) > 50:
        raise ValidationError({"name": _("A name has at most 50 characters.")})
    return name


def _clean_tags(tags) -> set[str]:
    tags = {str(t) for t in (tags or ())}
    unknown = tags - set(Tag.values)
    if unknown:
        raise ValidationError({"tags": _("Unknown tag: %(tags)s.") % {"tags": ", ".join(sorted(unknown))}})
    return tags


class DuplicatePerson(ValidationError):
    """The ID number is already on file; `existing` is that person when the actor may see them."""

    def __init__(self, message, existing: Person | None):
        super().__init__({"id_number": [message]})
        self.existing = existing


def _ensure_not_on_file(*, id_type: str, id_number: str, actor, exclude_pk: int | None = None) -> None:
    others = Person.objects.filter(id_type=id_type, id_number=id_number, merged_into__isnull=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.select_related("unit").first()
    if existing is None:
        return
    visible = actor is None or Person.objects.visible_to(actor).filter(pk=existing.pk).exists()
    if visible:
        raise DuplicatePerson(
            _("This ID number is already on file: %(name)s (%(unit)s, no. %(id)d).")
            % {"name": existing.name, "unit": existing.unit.name, "id": existing.pk},
            existing,
        )
    raise DuplicatePerson(_("This ID number is already on file for a person outside your jurisdiction."), None)


# Households ---------------------------------------------------------------------------------------


def _ensure_building(unit: Unit) -> None:
    if unit is None or unit.level != Level.BUILDING:
        raise ValidationError({"unit": _("A household belongs to a building; choose a building, not a %(level)s.")
                               % {"level": Level(unit.level).label if unit else "-"}})


@transaction.atomic
def household_create(*, unit: Unit, number: str, address: str = "", actor) -> Household:
    _ensure_building(unit)
    ensure_unit_in_scope(actor, unit, app_label="people")
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter the door number of the household.")})
    if Household.objects.filter(unit=unit, number=number).exists():
        raise ValidationError({"number": _("Door %(door)s of %(building)s is already on file.")
                               % {"door": number, "building": unit.name}})
    household = Household.objects.create(unit=unit, number=number, address=(address or "").strip()[:200])
    audit_record(actor=actor, obj=household, action="create", unit_path=unit.path,
                 changes=_masked_changes({"number": (None, number), "address": (None, household.address)}))
    return household


@transaction.atomic
def household_get_or_create(*, unit: Unit, number: str, address: str = "", actor) -> Household:
    existing = Household.objects.filter(unit=unit, number=(number or "").strip()).first()
    if existing is not None:
        ensure_unit_in_scope(actor, existing.unit, app_label="people")
        return existing
    return household_create(unit=unit, number=number, address=address, actor=actor)


@transaction.atomic
def household_update(*, household: Household, actor, number: str | None = None, address: str | None = None,
                     unit: Unit | None = None) -> Household:
    household = Household.objects.select_for_update(of=("self",)).select_related("unit").get(pk=household.pk)
    ensure_unit_in_scope(actor, household.unit, app_label="people")
    before = {"number": household.number, "address": household.address, "unit": household.unit_id}
    if unit is not None and unit.pk != household.unit_id:
        _ensure_building(unit)
        ensure_unit_in_scope(actor, unit, app_label="people")
        household.unit = unit
    if number is not None:
        number = number.strip()
        if not number:
            raise ValidationError({"number": _("Enter the door number of the household.")})
        household.number = number
    if address is not None:
        household.address = address.strip()[:200]
    if Household.objects.filter(unit=household.unit, number=household.number).exclude(pk=household.pk).exists():
        raise ValidationError({"number": _("Door %(door)s of %(building)s is already on file.")
                               % {"door": household.number, "building": household.unit.name}})
    household.save()
    if household.unit_id != before["unit"]:
        # Members live where their household is.
        Person.objects.filter(household=household).update(unit=household.unit, updated_at=timezone.now())
    after = {"number": household.number, "address": household.address, "unit": household.unit_id}
    changes = diff(before, after)
    if changes:
        audit_record(actor=actor, obj=household, action="update", unit_path=household.unit.path,
                     changes=_masked_changes(changes))
    return household


# Persons ------------------------------------------------------------------------------------------


@transaction.atomic
def person_create(*, name: str, id_type: str = IdType.RESIDENT, id_number: str, actor,
                  household: Household | None = None, unit: Unit | None = None, phone: str = "",
                  address: str = "", tags=(), birth_date: datetime.date | None = None, sex: str = "",
                  allow_duplicate: bool = False, cause: str = "", door: str = "") -> Person:
    """Put a person on file in a household (their unit is its building) or, without one, at `unit`.

    With `door`, `unit` is a building and the household at that door is found or created.
    A resident ID already on file is refused, naming the person when the actor may see them;
    imports that knowingly bring the same person from another source pass allow_duplicate=True.
    """
    if household is None and door:
        household = household_get_or_create(unit=unit, number=door, address=address, actor=actor)
    if household is not None:
        unit = household.unit
    if unit is None:
        raise ValidationError({"household": _("Choose the person's household or building.")})
    ensure_unit_in_scope(actor, unit, app_label="people")
    identity = document_for_form(id_type, id_number)
    if not allow_duplicate:
        _ensure_not_on_file(id_type=identity.id_type, id_number=identity.number, actor=actor)
    now = timezone.now()
    person = Person(
        name=_clean_name(name),
        id_type=identity.id_type,
        id_number=identity.number,
        birth_date=identity.birth_date or birth_date,
        sex=identity.sex if identity.sex != Sex.UNKNOWN else (sex or Sex.UNKNOWN),
        phone=phone_for_form(phone),
        household=household,
        unit=unit,
        address=(address or "").strip()[:200] or (household.address if household else ""),
        status=ManagementStatus.NORMAL,
        status_since=now,
    )
    tags = _clean_tags(tags)
    _set_search_keys(person)
    person.save()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in sorted(tags)])
    StatusChange.objects.create(person=person, from_status="", to_status=person.status, at=now,
                                cause=cause or _("Registered"), actor=_user_or_none(actor))
    after = _snapshot(person)
    if tags:
        after["tags"] = ",".join(sorted(tags))
    _audit_person(actor=actor, person=person, action="create", changes={k: (None, v) for k, v in after.items() if v})
    return person


def _user_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None


_UNSET = object()


@transaction.atomic
def person_update(*, person: Person, actor, name=_UNSET, id_type=_UNSET, id_number=_UNSET, phone=_UNSET,
                  address=_UNSET, household=_UNSET, birth_date=_UNSET, sex=_UNSET, tags=None) -> Person:
    """Change a person's identity, contact or household; only the arguments given are touched."""
    person = (Person.objects.select_for_update(of=("self",)).select_related("unit", "household__unit")
              .get(pk=person.pk))
    ensure_unit_in_scope(actor, person.unit, app_label="people")
    if person.merged_into_id:
        raise ValidationError(_("This person was merged into another record; edit that one."))
    before = _snapshot(person)
    if name is not _UNSET:
        person.name = _clean_name(name)
    if id_type is not _UNSET or id_number is not _UNSET:
        identity = document_for_form(person.id_type if id_type is _UNSET else id_type,
                                   person.id_number if id_number is _UNSET else id_number)
        if (identity.id_type, identity.number) != (person.id_type, person.id_number):
            _ensure_not_on_file(id_type=identity.id_type, id_number=identity.number, actor=actor,
                                exclude_pk=person.pk)
        person.id_type, person.id_number = identity.id_type, identity.number
        if identity.birth_date:
            person.birth_date, person.sex = identity.birth_date, identity.sex
    if birth_date is not _UNSET and person.id_type != IdType.RESIDENT:
        person.birth_date = birth_date
    if sex is not _UNSET and person.id_type != IdType.RESIDENT:
        person.sex = sex or Sex.UNKNOWN
    if phone is not _UNSET:
        person.phone = phone_for_form(phone)
    if address is not _UNSET:
        person.address = (address or "").strip()[:200]
    if household is not _UNSET and (household.pk if household else None) != person.household_id:
        if household is None:
            raise ValidationError({"household": _("A person on file keeps a household; move them to another one.")})
        ensure_unit_in_scope(actor, household.unit, app_label="people")
        person.household, person.unit = household, household.unit
    _set_search_keys(person)
    person.save()
    changes = diff(before, _snapshot(person))
    if tags is not None:
        tag_change = _replace_tags(person, _clean_tags(tags))
        if tag_change:
            changes["tags"] = tag_change
    if changes:
        _audit_person(actor=actor, person=person, action="update", changes=changes)
    return person


def _replace_tags(person: Person, tags: set[str]):
    current = set(person.tags.values_list("tag", flat=True))
    if current == tags:
        return None
    person.tags.exclude(tag__in=tags).delete()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in sorted(tags - current)])
    return ",".join(sorted(current)), ",".join(sorted(tags))


@transaction.atomic
def person_tag_set(*, person: Person, tags, actor) -> set[str]:
    """Replace the person's tags (vulnerabilities, key occupations) with `tags`."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    ensure_unit_in_scope(actor, person.unit, app_label="people")
    tags = _clean_tags(tags)
    change = _replace_tags(person, tags)
    if change:
        _audit_person(actor=actor, person=person, action="tags", changes={"tags": change})
    return tags


@transaction.atomic
def person_status_change(*, person: Person, to_status: str, cause: str, actor, at: datetime.datetime | None = None,
                         task=None) -> StatusChange:
    """The only way a management status changes: the history row and the person's status in one transaction."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    ensure_unit_in_scope(actor, person.unit, app_label="people")
    if to_status not in ManagementStatus.values:
        raise ValidationError({"to_status": _("Unknown management status “%(status)s”.") % {"status": to_status}})
    if person.merged_into_id:
        raise ValidationError(_("This person was merged into another record; change the status there."))
    if to_status == person.status:
        raise ValidationError({"to_status": _("%(name)s is already under “%(status)s”.")
                               % {"name": person.name, "status": ManagementStatus(to_status).label}})
    cause = (cause or "").strip()
    if not cause:
        raise ValidationError({"cause": _("Say why the status changes.")})
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("A status change cannot be in the future.")})
    if person.status_since and at < person.status_since:
        raise ValidationError({"at": _("A status change cannot predate the current status (since %(since)s).")
                               % {"since": timezone.localtime(person.status_since).strftime("%Y-%m-%d %H:%M")}})
    change = StatusChange.objects.create(person=person, from_status=person.status, to_status=to_status, at=at,
                                         cause=cause[:200], actor=_user_or_none(actor), task=task)
    _audit_person(actor=actor, person=person, action="status", changes={"status": (person.status, to_status)},
                  note=cause)
    person.status, person.status_since = to_status, at
    person.save(update_fields=["status", "status_since", "updated_at"])
    return change


@transaction.atomic
def person_merge(*, survivor: Person, duplicate: Person, actor) -> Person:
    """Fold `duplicate` into `survivor`: history, tags, tasks and missing fields move; nothing is deleted.

    The duplicate stays on file with merged_into set, out of search and lists; its page leads to the survivor.
    """
    ensure_capability(actor, "people.merge")
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A person cannot be merged into themselves."))
    rows = (Person.objects.select_for_update(of=("self",)).select_related("unit", "household__unit")
            .filter(pk__in=sorted([survivor.pk, duplicate.pk])).order_by("pk"))
    locked = {p.pk: p for p in rows}
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    for person in (survivor, duplicate):
        ensure_unit_in_scope(actor, person.unit, app_label="people")
        if person.merged_into_id:
            raise ValidationError(_("%(name)s (no. %(id)d) was already merged into another record.")
                                  % {"name": person.name, "id": person.pk})
    before = _snapshot(survivor)
    moved_history = StatusChange.objects.filter(person=duplicate).update(person=survivor)
    survivor_tags = set(survivor.tags.values_list("tag", flat=True))
    duplicate.tags.exclude(tag__in=survivor_tags).update(person=survivor)
    moved = repoint_all(survivor=survivor, duplicate=duplicate)
    if survivor.household_id is None and duplicate.household_id is not None:
        survivor.household, survivor.unit = duplicate.household, duplicate.household.unit
    for field in ("phone", "address", "birth_date"):
        if not getattr(survivor, field) and getattr(duplicate, field):
            setattr(survivor, field, getattr(duplicate, field))
    if survivor.sex == Sex.UNKNOWN:
        survivor.sex = duplicate.sex
    _set_search_keys(survivor)
    survivor.save()
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    changes = diff(before, _snapshot(survivor))
    merged_tags = set(survivor.tags.values_list("tag", flat=True))
    if merged_tags != survivor_tags:
        changes["tags"] = (",".join(sorted(survivor_tags)), ",".join(sorted(merged_tags)))
    note = _("Merged no. %(id)d into this record (%(history)d status changes, %(tasks)d tasks moved).") % {
        "id": duplicate.pk, "history": moved_history, "tasks": moved.get("tasks", 0)}
    _audit_person(actor=actor, person=survivor, action="merge", changes=changes, note=note)
    _audit_person(actor=actor, person=duplicate, action="merged_into",
                  changes={"merged_into": (None, survivor.pk)},
                  note=_("Merged into no. %(id)d.") % {"id": survivor.pk})
    # The duplicate's later status wins: it is applied to the survivor as a change of its own.
    if (duplicate.status != survivor.status and duplicate.status_since and survivor.status_since
            and duplicate.status_since > survivor.status_since):
        person_status_change(person=survivor, to_status=duplicate.status, actor=actor, at=duplicate.status_since,
                             cause=_("Status of merged record no. %(id)d") % {"id": duplicate.pk})
        survivor.refresh_from_db()
    return survivor


@transaction.atomic
def person_reveal(*, person: Person, actor, reason: str, ip: str | None = None) -> dict:
    """The plain ID number, phone and address, for someone with `people.reveal` who says why; always logged."""
    ensure_capability(actor, "people.reveal")
    if actor is None or not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied("outside your jurisdiction")
    reason = " ".join((reason or "").split())
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need to see the full details.")})
    person = Person.objects.get(pk=person.pk)
    fields = {
        "id_number": person.id_number,
        "phone": person.phone,
        "address": person.address,
        "birth_date": person.birth_date,
    }
    access_log_record(actor=actor, kind=AccessLog.Kind.REVEAL, obj=person, fields=",".join(fields), reason=reason,
                      ip=ip)
    return fields
