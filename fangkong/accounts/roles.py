"""Roles and what each may do. Where each user may do it is their scope node (accounts.scope)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ = "hq", _("Command HQ")
    OFFICER = "officer", _("District/street officer")
    GRID_WORKER = "grid_worker", _("Grid worker")
    CHECKPOINT = "checkpoint", _("Checkpoint staff")
    ISOLATION = "isolation", _("Isolation site staff")
    TRACER = "tracer", _("CDC tracer")
    SAMPLER = "sampler", _("Sampler")
    LAB = "lab", _("Lab")
    INSPECTOR = "inspector", _("Inspector")
    SUPPLIES = "supplies", _("Supplies officer")
    # The person an enterprise, school or key place names for its own prevention (企业主体责任).
    UNIT_CONTACT = "unit_contact", _("Unit contact")
    # The transport group of the command: freight passes for critical supplies.
    TRANSPORT = "transport", _("Transport group")
    # A fever clinic or sentinel pharmacy reporting fever patients (预检分诊).
    CLINIC = "clinic", _("Fever clinic")
    ADMIN = "admin", _("System admin")


# Capabilities are "<app>.<action>"; accounts.scope maps visible_to(user, action) onto them.
_FIELD = {"people.view", "people.change", "territory.view", "tasks.view", "tasks.change", "audit.view",
          "protocols.view", "risk.view", "arrivals.view", "arrivals.register", "workforce.view", "testing.view",
          "residents.view", "vaccination.view", "units.view", "notices.view", "passes.view", "exports.run"}
_OFFICE = _FIELD | {"people.reveal", "people.merge", "people.export", "territory.change", "territory.import",
                    "territory.export", "tasks.dispatch", "tasks.report", "risk.change", "arrivals.import",
                    "arrivals.manage", "arrivals.report", "workforce.change", "testing.manage", "testing.report",
                    "testing.export", "tracing.view", "tracing.report", "tracing.export", "isolation.view",
                    "isolation.manage", "isolation.place", "isolation.transfer", "isolation.report",
                    "command.view", "command.report", "command.review",
                    "supervision.view", "supervision.report", "supervision.rectify",
                    "supplies.view", "supplies.report", "supplies.approve", "supplies.need", "supplies.request",
                    "notify.view", "vaccination.import", "interop.view", "interop.resolve",
                    "units.change", "units.review", "units.disinfect", "passes.request", "passes.review",
                    "notices.publish", "workforce.vet"}
# At a checkpoint: register passages and arrivals, see the post's roster; nothing else of the city.
_CHECKPOINT = {"people.view", "territory.view", "tasks.view", "tasks.change", "protocols.view", "risk.view",
               "arrivals.view", "arrivals.register", "workforce.view"}
# A point of use (checkpoint, isolation site, sampling point) sees its stock and asks the supplies office for more.
_POINT_OF_USE = {"supplies.view", "supplies.request"}
# At a sampling point: open tubes, scan people into them, hand them to a lab, report the queue.
_SAMPLER = {"territory.view", "tasks.view", "tasks.change", "testing.view", "testing.sample", "workforce.view",
            *_POINT_OF_USE}
# In a lab: receive the tubes sent to its labs and report their results; no person's data beyond the tube.
_LAB = {"territory.view", "tasks.view", "tasks.change", "testing.view", "testing.receive", "testing.result"}
# Whoever supervision.services.find_responsible may hand a written assignment to: they see and rectify only the
# assignments they own (or addressed to their unit), through supervision's querysets.
_RECTIFY = {"supervision.view", "supervision.rectify"}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.HQ: frozenset(_OFFICE | {"accounts.view_access_log", "protocols.change", "risk.confirm",
                                  "isolation.receive", "isolation.care", "supervision.assign",
                                  "supervision.manage", "supplies.manage", "supplies.donate", "interop.dhis2",
                                  "units.manage", "workforce.rules"}),
    Role.OFFICER: frozenset(_OFFICE),
    # A grid worker records the needs of the households of the grid under home isolation or in a sealed area.
    Role.GRID_WORKER: frozenset(_FIELD | {"people.reveal", "testing.sample", "supplies.need", *_RECTIFY}),
    Role.CHECKPOINT: frozenset(_CHECKPOINT | _POINT_OF_USE | {"passes.view", "passes.scan", "notices.view"}),
    # At an isolation site, or on its transfer team: the site's people, their rooms and care, the trips.
    Role.ISOLATION: frozenset(_FIELD | _POINT_OF_USE | {"people.reveal", "isolation.view", "isolation.care",
                                                        "isolation.receive", "isolation.transfer"}),
    Role.TRACER: frozenset(_FIELD | {"people.reveal", "people.export", "tasks.dispatch", "tracing.view",
                                     "tracing.change", "tracing.report", "tracing.export"}),
    Role.SAMPLER: frozenset(_SAMPLER),
    # A lab also posts results as FHIR Bundles (interop's lab inbox) under its API token.
    Role.LAB: frozenset(_LAB),
    Role.INSPECTOR: frozenset({"people.view", "territory.view", "tasks.view", "tasks.change", "tasks.dispatch",
                               "tasks.report", "audit.view", "protocols.view", "risk.view", "arrivals.view",
                               "arrivals.report", "workforce.view", "supervision.view", "supervision.inspect",
                               "supervision.assign", "supervision.verify", "supervision.report",
                               "command.review"}),
    # The supplies office and its delivery teams: stock, requests, donations, households' needs to the door.
    Role.SUPPLIES: frozenset({"people.view", "territory.view", "tasks.view", "tasks.change", "supplies.view",
                              "supplies.move", "supplies.approve", "supplies.donate", "supplies.report",
                              "supplies.purchase", "supplies.deliver", "supplies.need", "supplies.manage",
                              "passes.view", "passes.request", "notices.view"}),
    # Only their own unit, through units.selectors (their scope node alone would show the neighbours).
    Role.UNIT_CONTACT: frozenset({"territory.view", "tasks.view", "tasks.change", "units.view", "units.apply",
                                  "units.roster", "notices.view", "passes.view", "passes.request", *_RECTIFY}),
    Role.TRANSPORT: frozenset({"territory.view", "tasks.view", "tasks.change", "passes.view", "passes.request",
                               "passes.review", "notices.view"}),
    Role.CLINIC: frozenset({"people.view", "territory.view", "tasks.view", "tasks.change", "units.view",
                            "units.fever_report", "passes.view", "passes.escort", "notices.view", *_RECTIFY}),
    Role.ADMIN: frozenset(_OFFICE | {"accounts.manage", "accounts.view_access_log", "protocols.change",
                                     "interop.dhis2", "units.manage", "workforce.rules", "supervision.manage"}),
}


def capabilities_of(user) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return CAPABILITIES.get(user.role, frozenset())


def has_capability(user, capability: str) -> bool:
    return capability in capabilities_of(user)
