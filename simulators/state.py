"""What a simulated charger is and holds: profile, clock, registers, local list, sessions,
reservations, charging profiles and power caps, and what its screen showed.

Energy is kept as an exact rational register (``Fraction``: 50 kW for 600 s is exactly
8333 1/3 Wh, which no Decimal holds) and reported as whole Wh, so no float is involved.
The power delivered follows the composite limit of the kept charging profiles (``composite``,
1.6 §3.13.4, 2.0.1 K08) and the EV's own maximum.
Nothing here knows a protocol; the wire classes in ``v16`` and ``v201`` read and change it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from simulators.composite import Session, limit_at, pieces
from simulators.dcbm import Dcbm
from simulators.display import Displayed
from simulators.reservations import SimReservation, matching
from simulators.schedules import Schedule, parse

screen = logging.getLogger("simulators.display")


@dataclass(frozen=True)
class ChargerProfile:
    """What kind of charger a simulated station is (seed 004 別表1 classes)."""

    name: str
    current: str  # "AC" or "DC"
    max_power_w: int
    connectors: int
    vendor: str
    model: str


PROFILES = {
    p.name: p
    for p in (
        ChargerProfile("normal-ac-6kw", "AC", 6_000, 2, "SimVendor", "Normal AC 6kW"),
        ChargerProfile("quick-dc-50kw", "DC", 50_000, 2, "SimVendor", "CHAdeMO DC 50kW"),
        ChargerProfile("quick-dc-90kw", "DC", 90_000, 2, "SimVendor", "CHAdeMO DC 90kW"),
    )
}


def felica_idm(rng: random.Random | None = None) -> str:
    """A FeliCa IDm as a reader reports it: 8 bytes, 16 upper-case hex digits."""
    rng = rng or random.Random()
    return "".join(f"{rng.randrange(256):02X}" for _ in range(8))


class SimClock:
    """Simulated time: ``advance`` moves it and sleeps ``seconds / speed`` for real."""

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        self._now = start or datetime.now(UTC)
        self.speed = speed

    def now(self) -> datetime:
        """The simulated moment."""
        return self._now

    async def advance(self, seconds: float) -> None:
        """Move simulated time on, sleeping the scaled-down real time."""
        self._now += timedelta(seconds=seconds)
        if self.speed > 0:
            await asyncio.sleep(seconds / self.speed)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds and ``Z``: ``2025-02-10T01:00:00.000Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Transaction:
    """One charging session on one connector, as the station remembers it."""

    connector: int
    id_tag: str
    meter_start_wh: int
    started_at: datetime | None = None
    start_register: Fraction = Fraction(0)
    transaction_id: str = ""
    seq_no: int = 0
    id_tag_status: str = ""
    token_type: str = "ISO14443"
    remote_start_id: int | None = None
    reservation_id: int | None = None  # the reservation this session used, if any
    ev_max_w: int | None = None  # the vehicle takes at most this (before the connector's)


def _default_configuration() -> dict[str, str]:
    return {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"}


@dataclass
class StationState:
    """A charger's own state: what it is, its registers, settings, local list and sessions."""

    station_id: str
    profile: ChargerProfile
    clock: SimClock = field(default_factory=SimClock)
    registers_wh: dict[int, Fraction] = field(default_factory=dict)
    configuration: dict[str, str] = field(default_factory=_default_configuration)
    local_list: dict[str, str] = field(default_factory=dict)
    local_list_version: int = 0
    transactions: dict[int, Transaction] = field(default_factory=dict)
    remote_started: list[Transaction] = field(default_factory=list)
    dcbm: Dcbm | None = None  # a signing DC billing meter on connector 1..n (quick chargers)
    reservations: dict[int, SimReservation] = field(default_factory=dict)
    reserve_answer: str = "Accepted"  # what ReserveNow is answered; only Accepted keeps it
    keeps_reserved: bool = False  # a faulty charger: accepts a cancel but stays Reserved
    charging_profiles: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    profile_answer: str = "Accepted"  # what SetChargingProfile is answered
    # connector -> cap in W: the first period of its session's TxProfile (one phase at 230 V,
    # as the simulator did before it followed schedules); ``charge`` honours it only while no
    # profile is kept (a cap set by hand), else it follows ``composite_limit_w``
    power_limit_w: dict[int, int] = field(default_factory=dict)
    max_stack_level: int | None = None  # a fault: profiles stacked higher are Rejected
    ignores_profiles: bool = False  # a fault: profiles are Accepted and kept, never applied
    ev_max_w: dict[int, int] = field(default_factory=dict)  # connector -> the EV's maximum
    # connector -> W at the end of the last ``charge`` step, kept (and reported as
    # Power.Active.Import) while profiles are kept or an EV maximum applies
    delivered_w: dict[int, int] = field(default_factory=dict)
    display: list[Displayed] = field(default_factory=list)  # what the screen showed, in order

    def power_up(self) -> None:
        """Give every connector a register that has already counted some energy."""
        for connector in range(1, self.profile.connectors + 1):
            self.registers_wh.setdefault(connector, Fraction(random.randrange(0, 100_000)))

    def register(self, connector: int) -> int:
        """The connector's register in whole Wh, as the display shows it."""
        return math.floor(self.registers_wh[connector])

    def begin(
        self, connector: int, id_tag: str, token_type: str, remote_start_id: int | None
    ) -> Transaction:
        """Open a session on ``connector`` from its register and the clock now."""
        tx = Transaction(
            connector,
            id_tag,
            self.register(connector),
            token_type=token_type,
            remote_start_id=remote_start_id,
            started_at=self.clock.now(),
            start_register=self.registers_wh[connector],
        )
        self.transactions[connector] = tx
        return tx

    def applied_schedules(self) -> list[Schedule]:
        """The kept profiles the station follows (none if it ``ignores_profiles``)."""
        if self.ignores_profiles:
            return []
        return [parse(connector, profile) for connector, profile in self.charging_profiles]

    def session(self, connector: int) -> Session | None:
        """The session open on ``connector``, as the composite limit sees it."""
        tx = self.transactions.get(connector)
        if tx is None:
            return None
        return Session(tx.transaction_id, tx.started_at or self.clock.now())

    def composite_limit_w(self, connector: int) -> int | None:
        """The composite limit of ``connector`` now in whole W (1.6 §3.13.4, 2.0.1 K08); None
        when no profile limits it."""
        found = limit_at(
            self.applied_schedules(),
            connector,
            self.clock.now(),
            self.session(connector),
            self.profile.current,
        )
        return None if found is None else max(0, math.floor(found.watts))

    def ev_max(self, tx: Transaction) -> int | None:
        """The vehicle's own maximum: the session's, else the connector's, else none."""
        return tx.ev_max_w if tx.ev_max_w is not None else self.ev_max_w.get(tx.connector)

    async def charge(self, tx: Transaction, seconds: float, power_w: int | None = None) -> None:
        """Let simulated time pass while charging at ``power_w`` (default the charger's
        maximum), at most the EV's maximum and the composite limit; the register grows
        exactly. A step that crosses a change of the limit is cut there, each part at the
        limit in force at its start (a limit of 0 adds nothing)."""
        start = self.clock.now()
        await self.clock.advance(seconds)
        self._deliver(tx, start, seconds, power_w)

    async def charge_together(self, txs: list[Transaction], seconds: float) -> None:
        """Let simulated time pass once while every session in ``txs`` charges (a charger
        with several vehicles plugged in), each as :meth:`charge` would."""
        start = self.clock.now()
        await self.clock.advance(seconds)
        for tx in txs:
            self._deliver(tx, start, seconds, None)

    def _deliver(
        self, tx: Transaction, start: datetime, seconds: float, power_w: int | None
    ) -> None:
        wanted = power_w if power_w is not None else self.profile.max_power_w
        ev_max = self.ev_max(tx)
        if ev_max is not None:
            wanted = min(wanted, ev_max)
        steps = self._steps(tx, start, Fraction(str(seconds)), wanted)
        energy = sum((span * power for span, power in steps), Fraction(0))
        self.registers_wh[tx.connector] += energy / 3600
        if self.charging_profiles or ev_max is not None:
            self.delivered_w[tx.connector] = steps[-1][1]
        else:
            self.delivered_w.pop(tx.connector, None)

    def _steps(
        self, tx: Transaction, start: datetime, span: Fraction, wanted: int
    ) -> list[tuple[Fraction, int]]:
        """The step as (seconds, W) parts: one without profiles (the cap set by hand, if
        any), else one per stretch of the composite limit."""
        if not self.charging_profiles:
            cap = self.power_limit_w.get(tx.connector)
            return [(span, wanted if cap is None else min(wanted, cap))]
        parts = pieces(
            self.applied_schedules(),
            tx.connector,
            start,
            span,
            self.session(tx.connector),
            self.profile.current,
        )
        return [
            (part, wanted if limit is None else min(wanted, max(0, math.floor(limit.watts))))
            for part, limit in parts
        ]

    def signed_record(self, tx: Transaction) -> str | None:
        """The DCBM's one signed record for the session, if this station has a DCBM."""
        if self.dcbm is None or tx.started_at is None:
            return None
        charged = self.registers_wh[tx.connector] - tx.start_register
        return self.dcbm.session_record(charged, tx.started_at, self.clock.now(), tx.id_tag)

    def take_reservation(
        self, connector: int, id_tag: str, reservation_id: int | None = None
    ) -> int | None:
        """The reservation a start uses (``reservation_id`` forces one), removed: it is spent."""
        if reservation_id is None:
            found = matching(self.reservations, connector, id_tag)
            reservation_id = found.reservation_id if found else None
        if reservation_id is not None:
            self.reservations.pop(reservation_id, None)
        return reservation_id

    def show(self, displayed: Displayed) -> None:
        """Put ``displayed`` on the screen: kept in ``display`` and logged as one line."""
        self.display.append(displayed)
        screen.info("%s %s", self.station_id, displayed.line())

    def find(self, transaction_id: str) -> Transaction | None:
        """The open session with this id, if any."""
        return next(
            (t for t in self.transactions.values() if t.transaction_id == transaction_id), None
        )

    def update_local_list(
        self, *, full: bool, changes: list[tuple[str, str | None]], version: int
    ) -> None:
        """Replace (``full``) or amend the local list; a status of None removes the card."""
        if full:
            self.local_list.clear()
        for token, status in changes:
            if status is None:
                self.local_list.pop(token, None)
            else:
                self.local_list[token] = status
        self.local_list_version = version
