"""Data retention (PIPL): people released from every measure for longer than the retention period lose
their personal data in bulk, after a dry-run report.

What goes: name, ID number, phone, address, exact birth date, vulnerability and occupation tags, and the
personal values in audit rows and the access log. What stays: the person row with its management-status
history, household, node, sex and birth year, so that counts and curves over the epidemic still add up.

Every other app holding a copy (samples, travellers, contacts, messages, passes, lab messages, volunteers, exports,
living needs, fever reports…) registers an anonymiser in its own `retention.py`: the copies are masked in bulk, one
UPDATE per model and batch, keeping the rows, their dates, results and statuses.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from fangkong.accounts.services import access_log_redact
from fangkong.audit.services import audit_redact
from fangkong.core.masking import mask_id_number
from fangkong.people.models import Household, ManagementStatus, Person, PersonTag, StatusChange
from fangkong.territory.models import Level, Unit

ANONYMOUS_NAME = "已匿名"
_DONE_STATUSES = (ManagementStatus.NORMAL, ManagementStatus.RELEASED)
_MEASURE_STATUSES = [s for s in ManagementStatus.values if s not in _DONE_STATUSES]


# Other apps holding copies of personal data register here (in their AppConfig.ready()) what they erase. An
# anonymiser takes an Erasure and returns {"app.Model": rows}: on a dry run how many rows it would change, changing
# nothing; otherwise how many it changed, in the same transaction as the people's own fields, before those are
# erased (so that unlinked copies can still be matched by the original ID number, phone or name).
_ANONYMISERS: dict[str, object] = {}


def register_anonymiser(name: str, anonymiser) -> None:
    _ANONYMISERS[name] = anonymiser


@dataclass
class Erasure:
    """One batch of people being anonymised, as they were before: what copies not linked by a foreign key are
    matched by. Anonymisers change rows only through `erase` / `delete_files`, which honour `dry_run`."""

    person_ids: list[int]
    id_numbers: list[str]
    phones: list[str]
    names: list[str]
    household_ids: list[int]
    now: datetime
    dry_run: bool = False

    def erase(self, queryset, *, redact_history: bool = True, **values) -> int:
        """Sets `values` on every row of `queryset` in one UPDATE (or counts them on a dry run). With
        `redact_history`, the audit entries and access-log rows of those rows lose their personal values too."""
        if self.dry_run:
            return queryset.count()
        if not redact_history:
            return queryset.update(**values)
        pks = list(queryset.values_list("pk", flat=True))
        if not pks:
            return 0
        changed = queryset.model._default_manager.filter(pk__in=pks).update(**values)
        audit_redact(model=queryset.model, object_ids=pks)
        access_log_redact(model=queryset.model, object_ids=pks)
        return changed

    def delete(self, queryset) -> int:
        """Deletes the rows of `queryset` that are worth nothing once anonymised (or counts them on a dry run)."""
        return queryset.count() if self.dry_run else queryset.delete()[0]

    @cached_property
    def emptied_household_ids(self) -> list[int]:
        """The households of these people that nobody else on file still lives in (once this batch is done): what
        is kept about the household as a whole goes with its last member."""
        someone_left = Person.objects.filter(household=OuterRef("pk"), anonymised_at__isnull=True,
                                             merged_into__isnull=True).exclude(pk__in=self.person_ids)
        return list(Household.objects.filter(pk__in=self.household_ids).exclude(Exists(someone_left))
                    .values_list("pk", flat=True))

    def delete_files(self, files) -> None:
        """Deletes these files (FieldFile values or paths) once the batch commits; a rolled-back batch keeps them."""
        if self.dry_run:
            return
        files = [f for f in files if f]

        def _delete():
            for f in files:
                if isinstance(f, (str, Path)):
                    Path(f).unlink(missing_ok=True)
                else:
                    f.storage.delete(f.name)

        transaction.on_commit(_delete)


def placeholder(prefix: str = "ANON"):
    """A masked value unique per row (the row's primary key), for fields under a unique constraint: duplicate
    checks and searches never match it, and no two rows collide."""
    return Concat(Value(prefix), Cast("pk", output_field=CharField()))


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
    # ("app.Model", rows that would change), in label order.
    rows: list[tuple[str, int]] = field(default_factory=list)


def dry_run(*, days: int | None = None, now: datetime | None = None, sample: int = 10,
            batch: int = 1000) -> RetentionReport:
    days = retention_days() if days is None else days
    now = now or timezone.now()
    people = candidates(days=days, now=now)
    per_unit = people.values("unit__path").annotate(n=Count("pk")).order_by()
    districts = {u.path: u.name for u in Unit.objects.filter(level=Level.DISTRICT)}
    by_district: dict[str, int] = {}
    for row in per_unit:
        name = next((n for path, n in districts.items() if row["unit__path"].startswith(path)), "—")
        by_district[name] = by_district.get(name, 0) + row["n"]
    rows: dict[str, int] = {}
    last = 0
    while ids := list(people.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]):
        last = ids[-1]
        counts = _erase_batch(ids, now, dry_run=True)
        for label, n in counts.items():
            rows[label] = rows.get(label, 0) + n
    return RetentionReport(
        days=days, cutoff=now - timedelta(days=days), total=sum(by_district.values()),
        by_district=sorted(by_district.items()),
        sample=[(pk, mask_id_number(number)) for pk, number in people.order_by("pk").values_list("pk", "id_number")
                [:sample]],
        rows=sorted(rows.items()),
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
            _erase_batch(ids, now, dry_run=False)
        done += len(ids)
        if progress:
            progress(done, total)
    return done


def _erase_batch(ids: list[int], now: datetime, *, dry_run: bool) -> dict[str, int]:
    # A duplicate merged into one of these people is the same human: its copy goes with them.
    ids = ids + list(Person.objects.filter(merged_into_id__in=ids, anonymised_at__isnull=True)
                     .values_list("pk", flat=True))
    people = Person.objects.filter(pk__in=ids)
    known = list(people.values_list("id_number", "phone", "name", "household_id"))
    erasure = Erasure(
        person_ids=ids, now=now, dry_run=dry_run,
        id_numbers=sorted({n for n, _, _, _ in known if n}), phones=sorted({p for _, p, _, _ in known if p}),
        names=sorted({name for _, _, name, _ in known if name}),
        household_ids=sorted({h for _, _, _, h in known if h}))
    counts: dict[str, int] = {}
    # The other apps first: unlinked copies are matched by the values the people still hold.
    for anonymiser in _ANONYMISERS.values():
        for label, n in anonymiser(erasure=erasure).items():
            counts[label] = counts.get(label, 0) + n
    counts.update(_people_erase(erasure))
    return counts


def _people_erase(erasure: Erasure) -> dict[str, int]:
    ids = erasure.person_ids
    counts = {"people.PersonTag": erasure.delete(PersonTag.objects.filter(person_id__in=ids))}
    # A household's address is its members' too: it goes only with the last of them.
    counts["people.Household"] = erasure.erase(
        Household.objects.filter(pk__in=erasure.emptied_household_ids).exclude(address=""), address="")
    counts["people.Person"] = len(ids)
    if erasure.dry_run:
        return counts
    people = list(Person.objects.filter(pk__in=ids).only("pk", "birth_date"))
    for person in people:
        person.name = person.name_simplified = ANONYMOUS_NAME
        person.name_pinyin = person.name_initials = ""
        person.id_type = "other"
        # Unique per row and meaningless: duplicate checks and searches never match it.
        person.id_number = person.id_number_rev = f"ANON{person.pk}"
        person.phone = person.phone_rev = person.address = ""
        person.birth_date = date(person.birth_date.year, 1, 1) if person.birth_date else None
        person.anonymised_at = erasure.now
    Person.objects.bulk_update(people, ["name", "name_simplified", "name_pinyin", "name_initials", "id_type",
                                        "id_number", "id_number_rev", "phone", "phone_rev", "address", "birth_date",
                                        "anonymised_at"])
    audit_redact(model=Person, object_ids=ids)
    access_log_redact(model=Person, object_ids=ids)
    return counts
