from django.utils.functional import SimpleLazyObject

from fangkong.accounts.roles import capabilities_of
from fangkong.core.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"caps": frozenset()}
    caps = capabilities_of(user)
    return {"caps": caps, "menu": SimpleLazyObject(lambda: menu_for(caps))}
