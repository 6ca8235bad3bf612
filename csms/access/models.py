"""The callers of the API and what they may do (docs/security.md).

* An **API key** has a role: ``admin`` (everything), ``operator`` (everything within its own
  operator) or ``viewer`` (read-only, within its operator when it has one, card ids masked).
* A **member** is a member account's app, authenticated by its app token; it may only start
  and stop its own account's charging (seed 002 第18条).
* The **system** is the central system itself (a local list pushed on connect, ...).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from csms.records import frozen


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"
    MEMBER = "member"  # a member account's app token
    SYSTEM = "system"  # the central system's own commands


class Permission(StrEnum):
    """What a route needs; every route has exactly one (``csms.api.policy``)."""

    READ = "read"  # admin, operator, viewer
    CHANGE = "change"  # admin, operator
    ADMINISTER = "administer"  # admin only: operators, station ownership
    AUDIT = "audit"  # admin, operator (the owning operator)
    CHARGE = "charge"  # admin, operator, and the member of the path's account


_ALLOWED: dict[Permission, frozenset[Role]] = {
    Permission.READ: frozenset({Role.ADMIN, Role.OPERATOR, Role.VIEWER}),
    Permission.CHANGE: frozenset({Role.ADMIN, Role.OPERATOR}),
    Permission.ADMINISTER: frozenset({Role.ADMIN}),
    Permission.AUDIT: frozenset({Role.ADMIN, Role.OPERATOR}),
    Permission.CHARGE: frozenset({Role.ADMIN, Role.OPERATOR, Role.MEMBER}),
}


@frozen
class Principal:
    """An authenticated caller: a key's name and role, its operator (None: every operator)."""

    name: str
    role: Role
    operator_id: str | None = None
    account_id: str | None = None  # members only

    @property
    def scope(self) -> str | None:
        """The operator whose data this caller sees; None for all operators."""
        return self.operator_id

    @property
    def masks_cards(self) -> bool:
        """Viewers see card ids masked (first 4 and last 2 characters)."""
        return self.role is Role.VIEWER

    def may(self, permission: Permission, account_id: str | None = None) -> bool:
        """Whether the role allows ``permission``; a member only for its own account."""
        if self.role not in _ALLOWED[permission]:
            return False
        return self.role is not Role.MEMBER or account_id == self.account_id


SYSTEM = Principal("system", Role.SYSTEM)


@frozen
class ApiKey:
    """A stored API key without its secret (only the secret's hash is stored)."""

    name: str
    role: Role
    operator_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    def principal(self) -> Principal:
        return Principal(self.name, self.role, self.operator_id)


@frozen
class AuditEntry:
    """Who did what to which target, when, and the answer (the station's, or the API's)."""

    at: datetime
    actor: str
    role: Role
    action: str  # "POST /api/cards", "Reset" (a command's OCPP action)
    target: str | None  # the path, or the station id of a command
    station_id: str | None
    operator_id: str | None  # the operator that owns the target (who may read the row)
    outcome: str  # the HTTP status, "Accepted", "timeout", "not connected", ...
    answer: dict[str, Any] | None = None
    error: str | None = None
    audit_id: int | None = None
