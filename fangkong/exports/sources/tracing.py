"""Contacts of cases, scoped to the investigating jurisdiction (tracing has no list selector across cases)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.exports.sources import Column, Source, one_of, positive_int, register
from fangkong.tracing.models import Contact


def _contacts(*, user, filters: dict):
    qs = Contact.objects.visible_to(user, "view")
    if filters.get("case"):
        qs = qs.filter(case_id=filters["case"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs


SOURCE = register(Source(
    code="contacts",
    label=_("Contacts"),
    capability="tracing.view",
    model=Contact,
    queryset=_contacts,
    filters={"case": positive_int, "category": one_of(Contact.Category.values),
             "status": one_of(Contact.Status.values)},
    columns=(
        Column("id", pgettext_lazy("exports", "Record number"), "pk", type="int"),
        Column("case", pgettext_lazy("exports", "Case number"), "case__number"),
        Column("name", pgettext_lazy("exports", "Name"), "person__name", identifying="name"),
        Column("id_number", pgettext_lazy("exports", "ID number"), "person__id_number", identifying="id_number"),
        Column("phone", pgettext_lazy("exports", "Phone"), "person__phone", identifying="phone"),
        Column("address", pgettext_lazy("exports", "Address"), "person__address", identifying="address"),
        Column("node", pgettext_lazy("exports", "Jurisdiction node"), "unit__name"),
        Column("category", pgettext_lazy("exports", "Contact category"), "category", choices=True),
        Column("exposure_at", pgettext_lazy("exports", "Last exposure"), "exposure_at", type="datetime"),
        Column("reason", pgettext_lazy("exports", "Reason"), "reason"),
        Column("found_by", pgettext_lazy("exports", "Found by"), "source", choices=True),
        Column("status", pgettext_lazy("exports", "Contact status"), "status", choices=True),
        Column("controlled_at", pgettext_lazy("exports", "Under control at"), "controlled_at", type="datetime"),
    ),
))
