"""Persons, as the people search lists them (people.selectors.person_search)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.exports.sources import Column, Source, one_of, positive_int, register, text
from fangkong.people import selectors
from fangkong.people.models import ManagementStatus, Person, Tag


def _persons(*, user, filters: dict):
    person_filters = selectors.PersonFilters(status=filters.get("status", ""), tag=filters.get("tag", ""),
                                             node=filters.get("node"))
    return selectors.person_search(user=user, query=filters.get("q", ""), filters=person_filters)


SOURCE = register(Source(
    code="persons",
    label=_("Persons"),
    capability="people.view",
    model=Person,
    queryset=_persons,
    filters={"q": text, "status": one_of(ManagementStatus.values), "tag": one_of(Tag.values), "node": positive_int},
    columns=(
        Column("id", pgettext_lazy("exports", "Record number"), "pk", type="int"),
        Column("name", pgettext_lazy("exports", "Name"), "name", identifying="name"),
        Column("sex", pgettext_lazy("exports", "Sex"), "sex", choices=True),
        Column("birth_date", pgettext_lazy("exports", "Birth date"), "birth_date", identifying="birth_date",
               type="date"),
        Column("id_type", pgettext_lazy("exports", "ID type"), "id_type", choices=True),
        Column("id_number", pgettext_lazy("exports", "ID number"), "id_number", identifying="id_number"),
        Column("phone", pgettext_lazy("exports", "Phone"), "phone", identifying="phone"),
        Column("address", pgettext_lazy("exports", "Address"), "address", identifying="address"),
        Column("building", pgettext_lazy("exports", "Building"), "household__unit__name"),
        Column("household", pgettext_lazy("exports", "Door"), "household__number"),
        Column("node", pgettext_lazy("exports", "Jurisdiction node"), "unit__name"),
        Column("status", pgettext_lazy("exports", "Management status"), "status", choices=True),
        Column("status_since", pgettext_lazy("exports", "Status since"), "status_since", type="datetime"),
        Column("created_at", pgettext_lazy("exports", "Registered"), "created_at", type="datetime"),
    ),
))
