"""The main menu: every page a role reaches from the top bar, grouped so that a city HQ's thirty-odd entries
fit on one line and a grid worker's phone shows only what the grid worker uses.

An entry is shown when the user has its capability (None: every signed-in user). A group with a single
visible entry is shown as a plain link.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    capability: str | None
    # Shown only when the user lacks these capabilities (a transfer team sees trips instead of the sites).
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavGroup:
    label: str
    entries: tuple[NavEntry, ...]


MENU: tuple[NavEntry | NavGroup, ...] = (
    NavEntry(_("Situation"), "command:dashboard", "command.view"),
    NavEntry(_("Inbox"), "tasks:inbox", "tasks.view"),
    NavGroup(pgettext_lazy("menu", "Field work"), (
        NavEntry(_("People"), "people:search", "people.view"),
        NavEntry(_("Checkpoints"), "arrivals:index", "arrivals.view"),
        NavEntry(_("Arrivals"), "arrivals:hq", "arrivals.report"),
        NavEntry(_("Mass testing"), "testing:index", "testing.report"),
        NavEntry(_("Sampling"), "testing:sampler_home", "testing.sample"),
        NavEntry(_("Lab"), "testing:lab_home", "testing.receive"),
        NavEntry(_("Lab results to match"), "interop:inbox_list", "interop.view"),
        NavEntry(_("Report a fever patient"), "units:fever_report", "units.fever_report"),
        NavEntry(_("Tracing"), "tracing:index", "tracing.view"),
        NavEntry(_("Transmission chains"), "tracing:graph", "tracing.report"),
        NavEntry(_("Isolation"), "isolation:index", "isolation.view"),
        NavEntry(_("Transfers"), "isolation:trip_list", "isolation.transfer", unless=("isolation.view",)),
        NavEntry(_("Risk areas"), "risk:list", "risk.view"),
        NavEntry(_("Vaccination"), "vaccination:coverage", "vaccination.view"),
    )),
    NavGroup(pgettext_lazy("menu", "Support"), (
        NavEntry(_("Supplies"), "supplies:stock_index", "supplies.view"),
        NavEntry(_("Household needs"), "supplies:living_needs", "supplies.need"),
        NavEntry(_("Units"), "units:index", "units.view"),
        NavEntry(_("Passes"), "passes:index", "passes.view"),
        NavEntry(_("Scan a pass"), "passes:scan", "passes.scan"),
        NavEntry(_("Escort passes"), "passes:escort_list", "passes.escort"),
        NavEntry(_("Written assignments"), "supervision:index", "supervision.rectify",
                 unless=("supervision.report",)),
    )),
    NavGroup(pgettext_lazy("menu", "Duty"), (
        NavEntry(_("Duty posts"), "workforce:post_list", "workforce.view"),
        NavEntry(_("My shifts"), "workforce:my_shifts", None),
        NavEntry(_("Volunteers"), "workforce:volunteer_list", "workforce.view"),
        NavEntry(_("Workforce overview"), "workforce:hq", "workforce.change"),
        NavEntry(_("Shift rules"), "workforce:rules", "workforce.rules"),
    )),
    NavGroup(pgettext_lazy("menu", "Command"), (
        NavEntry(_("Supervision"), "supervision:index", "supervision.report"),
        NavEntry(_("Backlog"), "tasks:backlog", "tasks.report"),
        NavEntry(_("Timeliness"), "tasks:timeliness", "tasks.report"),
        NavEntry(_("Notifications"), "notify:index", "notify.view"),
        NavEntry(_("Fever clinics"), "units:clinic_index", "command.view"),
        NavEntry(_("Disinfection"), "units:disinfection_index", "units.disinfect"),
    )),
    NavGroup(pgettext_lazy("menu", "Administration"), (
        NavEntry(_("Territory"), "territory:tree", "territory.view"),
        NavEntry(_("Responsibility coverage"), "territory:coverage", "territory.view"),
        NavEntry(_("Protocols"), "protocols:index", "protocols.view"),
        NavEntry(_("Public notices"), "notices:index", "notices.view"),
        NavEntry(_("Exports"), "exports:list", "exports.run"),
        NavEntry(_("Jobs"), "ops:job_list", "accounts.manage"),
        NavEntry(_("Users"), "accounts:users", "accounts.manage"),
        NavEntry(_("Access log"), "accounts:access_log", "accounts.view_access_log"),
        NavEntry(_("Export log"), "exports:log", "accounts.view_access_log"),
        NavEntry("DHIS2", "interop:dhis2", "interop.dhis2"),
    )),
)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str


@dataclass(frozen=True)
class MenuItem:
    label: str
    links: tuple[MenuLink, ...]

    @property
    def single(self) -> MenuLink | None:
        return self.links[0] if len(self.links) == 1 else None


def _visible(entry: NavEntry, caps: frozenset[str]) -> bool:
    if entry.capability is not None and entry.capability not in caps:
        return False
    return not any(cap in caps for cap in entry.unless)


def menu_for(caps: frozenset[str]) -> list[MenuItem]:
    items = []
    for node in MENU:
        if isinstance(node, NavEntry):
            if _visible(node, caps):
                items.append(MenuItem(node.label, (MenuLink(node.label, reverse(node.url_name)),)))
            continue
        links = tuple(MenuLink(e.label, reverse(e.url_name)) for e in node.entries if _visible(e, caps))
        if links:
            items.append(MenuItem(node.label, links))
    return items
