"""Reservations a simulated charger holds (1.6 §5.13 ReserveNow, 2.0.1 H01).

A reservation is kept until it is used by a matching start, cancelled or ends; connector
0 stands for "any connector" (1.6 connectorId 0, 2.0.1 without evseId).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimReservation:
    """One reservation: which connector (0 = any), for which card, until when."""

    reservation_id: int
    connector: int
    id_tag: str
    expiry: str  # as received: 1.6 expiryDate, 2.0.1 expiryDateTime
    parent_id_tag: str | None = None  # 1.6 parentIdTag, 2.0.1 groupIdToken


def matching(
    reservations: dict[int, SimReservation], connector: int, id_tag: str
) -> SimReservation | None:
    """The reservation a start by ``id_tag`` on ``connector`` uses: that connector's first."""
    candidates = [r for r in reservations.values() if r.id_tag == id_tag]
    exact = [r for r in candidates if r.connector == connector]
    anywhere = [r for r in candidates if r.connector == 0]
    return next(iter(exact + anywhere), None)
