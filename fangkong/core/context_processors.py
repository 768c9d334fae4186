from fangkong.accounts.roles import capabilities_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"caps": frozenset()}
    return {"caps": capabilities_of(user)}
