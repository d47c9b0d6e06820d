"""API tokens: each bound to a team, or an admin token for every team. Stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..jobs import check_team_name
from .db import tokens, utcnow

TOKEN_PREFIX = "dop_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a team's token, or an admin token (``team`` is then ``None``)."""

    name: str
    team: str | None
    admin: bool

    def can_access(self, team: str) -> bool:
        return self.admin or self.team == team


def default_token_name(team: str | None, admin: bool) -> str:
    """``"admin"`` for an admin token of every team, ``"<team> admin"`` for one bound to a team,
    else the team's name."""
    if admin:
        return "admin" if team is None else f"{team} admin"
    return str(team)


def create_token(engine: Engine, team: str | None, admin: bool = False, name: str = "") -> str:
    """Create a token and return it in clear (the only time it is visible)."""
    if team is None and not admin:
        raise ValueError("a token needs a team, or must be an admin token")
    if team is not None:
        check_team_name(team)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            tokens.insert().values(
                token_hash=hash_token(token), team=team, admin=admin,
                name=name or default_token_name(team, admin), created_at=utcnow(),
            )
        )  # fmt: skip
    return token


def authenticate(engine: Engine, token: str) -> Principal | None:
    """The principal of a presented token, or ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with engine.connect() as connection:
        row = connection.execute(
            select(tokens.c.name, tokens.c.team, tokens.c.admin).where(
                tokens.c.token_hash == hash_token(token)
            )
        ).first()
    if row is None:
        return None
    return Principal(name=row.name, team=row.team, admin=bool(row.admin))
