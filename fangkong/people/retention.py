"""Data retention (PIPL): people released from every measure for longer than the retention period lose
their personal data in bulk, after a dry-run report.

What goes: name, ID number, phone, address, exact birth date, vulnerability and occupation tags, and the
personal values in audit rows and the access log. What stays: the person row with its management-status
history, household, node, sex and birth year, so that counts and curves over the epidemic still add up.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from fangkong.accounts.services import access_log_redact
from fangkong.audit.services import audit_redact
from fangkong.core.masking import mask_id_number
from fangkong.people.models import ManagementStatus, Person, PersonTag, StatusChange
from fangkong.territory.models import Level, Unit

ANONYMOUS_NAME = "已匿名"
_DONE_STATUSES = (ManagementStatus.NORMAL, ManagementStatus.RELEASED)
_MEASURE_STATUSES = [s for s in ManagementStatus.values if s not in _DONE_STATUSES]


# Other apps holding personal data about a person register here (in their AppConfig.ready()) what they erase:
# anonymiser(person_ids=[...]) runs in the same transaction as the person's own fields.
_ANONYMISERS: dict[str, object] = {}


def register_anonymiser(name: str, anonymiser) -> None:
    _ANONYMISERS[name] = anonymiser


def retention_days() -> int:
    return settings.PEOPLE_RETENTION_DAYS


def candidates(*, days: int, now: datetime | None = None):
    """People who were under a measure, and have been out of every measure for more than `days` days."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    was_under_measure = StatusChange.objects.filter(person=OuterRef("pk"), to_status__in=_MEASURE_STATUSES)
    return (Person.objects.filter(anonymised_at__isnull=True, merged_into__isnull=True, status__in=_DONE_STATUSES,
                                  status_since__lt=cutoff)
            .filter(Exists(was_under_measure)))


@dataclass
class RetentionReport:
    days: int
    cutoff: datetime
    total: int
    by_district: list[tuple[str, int]]
    sample: list[tuple[int, str]]  # (person id, masked ID number)


def dry_run(*, days: int | None = None, now: datetime | None = None, sample: int = 10) -> RetentionReport:
    days = retention_days() if days is None else days
    now = now or timezone.now()
    people = candidates(days=days, now=now)
    per_unit = people.values("unit__path").annotate(n=Count("pk")).order_by()
    districts = {u.path: u.name for u in Unit.objects.filter(level=Level.DISTRICT)}
    by_district: dict[str, int] = {}
    for row in per_unit:
        name = next((n for path, n in districts.items() if row["unit__path"].startswith(path)), "—")
        by_district[name] = by_district.get(name, 0) + row["n"]
    return RetentionReport(
        days=days, cutoff=now - timedelta(days=days), total=sum(by_district.values()),
        by_district=sorted(by_district.items()),
        sample=[(pk, mask_id_number(number)) for pk, number in people.order_by("pk").values_list("pk", "id_number")
                [:sample]],
    )


def anonymise(*, days: int | None = None, now: datetime | None = None, batch: int = 1000, progress=None) -> int:
    """Anonymises every candidate, one committed batch at a time; safe to stop and run again."""
    days = retention_days() if days is None else days
    now = now or timezone.now()
    total = candidates(days=days, now=now).count()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(candidates(days=days, now=now).select_for_update().order_by("pk")
                       .values_list("pk", flat=True)[:batch])
            if not ids:
                break
            _anonymise_batch(ids, now)
        done += len(ids)
        if progress:
            progress(done, total)
    return done


def _anonymise_batch(ids: list[int], now: datetime) -> None:
    people = list(Person.objects.filter(pk__in=ids).only("pk", "birth_date"))
    for person in people:
        person.name = person.name_simplified = ANONYMOUS_NAME
        person.name_pinyin = person.name_initials = ""
        person.id_type = "other"
        # Unique per row and meaningless: duplicate checks and searches never match it.
        person.id_number = person.id_number_rev = f"ANON{person.pk}"
        person.phone = person.phone_rev = person.address = ""
        person.birth_date = date(person.birth_date.year, 1, 1) if person.birth_date else None
        person.anonymised_at = now
    Person.objects.bulk_update(people, ["name", "name_simplified", "name_pinyin", "name_initials", "id_type",
                                        "id_number", "id_number_rev", "phone", "phone_rev", "address", "birth_date",
                                        "anonymised_at"])
    PersonTag.objects.filter(person_id__in=ids).delete()
    for anonymiser in _ANONYMISERS.values():
        anonymiser(person_ids=ids)
    audit_redact(model=Person, object_ids=ids)
    access_log_redact(model=Person, object_ids=ids)
