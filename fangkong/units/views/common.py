"""What the units views share: the node a list is for."""

from fangkong.territory.models import Unit


def node_from(request) -> Unit | None:
    code = (request.GET.get("node") or "").strip()
    if not code:
        return None
    return Unit.objects.visible_to(request.user).filter(code=code).first()
