from ninja import Router

from fangkong.accounts import selectors, services
from fangkong.accounts.roles import capabilities_of
from fangkong.accounts.schemas import MeOut, TokenIn, TokenIssuedOut, TokenOut

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut)
def me(request):
    """Who the caller is, where they work, and what they may do there."""
    user = request.auth
    scope = user.scope if user.scope_id else None
    return {
        "username": user.username,
        "name": str(user),
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "scope": {"id": scope.pk, "name": scope.name, "path": scope.path, "level": scope.level} if scope else None,
        "capabilities": sorted(capabilities_of(user)),
    }


@router.get("/tokens", response=list[TokenOut])
def token_list(request):
    return list(selectors.token_list(user=request.auth))


@router.post("/tokens", response={201: TokenIssuedOut})
def token_issue(request, payload: TokenIn):
    token, raw = services.token_issue(user=request.auth, name=payload.name, actor=request.auth)
    token.token = raw
    return 201, token


@router.post("/tokens/{int:token_id}/revoke", response=TokenOut)
def token_revoke(request, token_id: int):
    token = selectors.token_get(user=request.auth, pk=token_id)
    return services.token_revoke(token=token, actor=request.auth)
