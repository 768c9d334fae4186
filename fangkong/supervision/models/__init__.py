"""Supervision and rectification (督查整改): checklists per site type, inspections along a route, findings, written
assignments (交办单) to the responsible unit, the unit's rectification and the inspector's verification."""

from fangkong.supervision.models.access import *  # noqa: F403
from fangkong.supervision.models.checklists import *  # noqa: F403
from fangkong.supervision.models.findings import *  # noqa: F403
from fangkong.supervision.models.inspections import *  # noqa: F403
