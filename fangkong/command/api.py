"""JSON API of the command centre, mounted at /api/v1/command: a node's dashboard from the latest snapshot, as the
page shows it (figures the caller's role may not see are left out). Read-only; a node outside the caller's scope
is a 404.

GET /nodes/{unit_id} — figures, children, the epidemic curve, Rt and the forecast.
"""

from ninja import Router

from fangkong.accounts.scope import require_capability_or_404
from fangkong.command import presenters, selectors
from fangkong.territory.selectors import unit_get

router = Router(tags=["command"])


@router.get("/nodes/{unit_id}")
def node_dashboard(request, unit_id: int):
    require_capability_or_404(request.auth, "command.view")
    unit = unit_get(user=request.auth, unit_id=unit_id)
    board = presenters.prepared(selectors.dashboard(user=request.auth, unit=unit))
    return presenters.board_json(board, unit)
