from datetime import datetime

from ninja import Schema


class ScopeOut(Schema):
    id: int
    name: str
    path: str
    level: int


class MeOut(Schema):
    username: str
    name: str
    role: str
    role_label: str
    scope: ScopeOut | None
    capabilities: list[str]


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssuedOut(TokenOut):
    token: str
