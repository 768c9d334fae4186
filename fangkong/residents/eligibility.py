"""Who checks in, and for whom.

A person under home isolation or home health monitoring checks in for themselves. The signed-in person may also
check in for a member of their own household who is under one of those statuses and is a child (under
RESIDENT_PROXY_CHILD_UNDER, 18), elderly (RESIDENT_PROXY_ELDER_FROM, 65, or older) or has no phone of their own.
"""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from fangkong.people.models import ManagementStatus, Person

CHECKIN_STATUSES = (ManagementStatus.HOME_ISOLATION, ManagementStatus.HOME_MONITORING)


def _age(birth_date: datetime.date, today: datetime.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def checks_in(person: Person) -> bool:
    return person.status in CHECKIN_STATUSES and not person.merged_into_id and not person.anonymised_at


def needs_proxy(person: Person, today: datetime.date | None = None) -> bool:
    """A child, an elderly person or someone without a phone: a household member may report for them."""
    if not person.phone:
        return True
    if person.birth_date is None:
        return False
    age = _age(person.birth_date, today or timezone.localdate())
    return (age < int(getattr(settings, "RESIDENT_PROXY_CHILD_UNDER", 18))
            or age >= int(getattr(settings, "RESIDENT_PROXY_ELDER_FROM", 65)))


def _household_members(reporter: Person) -> QuerySet:
    if reporter.household_id is None:
        return Person.objects.none()
    return (Person.objects.filter(household_id=reporter.household_id, merged_into__isnull=True,
                                  anonymised_at__isnull=True)
            .exclude(pk=reporter.pk).select_related("unit", "household").order_by("birth_date", "pk"))


def dependents_of(reporter: Person) -> list[Person]:
    """The household members the reporter may check in for."""
    today = timezone.localdate()
    return [p for p in _household_members(reporter).filter(status__in=CHECKIN_STATUSES) if needs_proxy(p, today)]


def may_report_for(reporter: Person, person: Person) -> bool:
    if person.pk == reporter.pk:
        return checks_in(reporter)
    return any(d.pk == person.pk for d in dependents_of(reporter))
