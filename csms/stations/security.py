"""Who may connect: the handshake rule for every station and both protocol versions.

OCPP 1.6 security whitepaper and 2.0.1 Part 2 A00: security profile 1 is HTTP Basic over
ws://, profile 2 is TLS plus Basic, profile 3 is TLS with a client certificate whose
subject CN is the station id. A station connects only on the profile configured for it.
Profile 0 (no credentials) exists for development mode only. Failed handshakes are
throttled per station id (a lock-out) and per source address (see ``FailureThrottle``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from csms.ports import UnitOfWorkProvider
from csms.records import frozen
from csms.stations.credentials import verify_password
from csms.stations.ports import StationsUnitOfWork

UNAUTHORIZED: Final = 401
NOT_FOUND: Final = 404
TOO_MANY: Final = 429
_MAX_KEYS: Final = 100_000


@frozen
class HandshakeAttempt:
    station_id: str
    over_tls: bool
    username: str | None
    password: str | None
    client_cert_cn: str | None
    remote_ip: str


@frozen
class HandshakeDecision:
    accepted: bool
    status: int
    reason: str

    @classmethod
    def ok(cls, reason: str) -> HandshakeDecision:
        return cls(True, 101, reason)

    @classmethod
    def refuse(cls, status: int, reason: str) -> HandshakeDecision:
        return cls(False, status, reason)


class _Window:
    """One key's failures within the window (the newest ``keep``: all a limit needs to be
    exact), plus its attempts being checked right now."""

    __slots__ = ("checking", "failures")

    def __init__(self, keep: int) -> None:
        self.failures: deque[float] = deque(maxlen=keep)
        self.checking = 0

    def count(self, now: float, window_s: float) -> int:
        """Failures in the window plus checks in progress."""
        while self.failures and self.failures[0] <= now - window_s:
            self.failures.popleft()
        return len(self.failures) + self.checking


class _Windows:
    """Windows by key (station id or address), bounded in memory under a scan."""

    def __init__(self, window_s: float, keep: int) -> None:
        self._window_s = window_s
        self._keep = keep
        self._by_key: dict[str, _Window] = {}

    def count(self, key: str, now: float) -> int:
        window = self._by_key.get(key)
        return 0 if window is None else window.count(now, self._window_s)

    def failures(self, key: str, now: float) -> int:
        window = self._by_key.get(key)
        return 0 if window is None else window.count(now, self._window_s) - window.checking

    def get(self, key: str, now: float) -> _Window:
        window = self._by_key.get(key)
        if window is None:
            if len(self._by_key) >= _MAX_KEYS:
                self._forget_idle(now)
            window = self._by_key[key] = _Window(self._keep)
        return window

    def _forget_idle(self, now: float) -> None:
        """Drop keys with nothing in the window; then, if still full, the oldest idle ones down
        to 90 % (never a key being checked: a reservation is settled on its own window)."""
        for key in [k for k, w in self._by_key.items() if not w.count(now, self._window_s)]:
            del self._by_key[key]
        excess = len(self._by_key) - _MAX_KEYS * 9 // 10  # room for many more: no sweep each
        idle = [k for k, w in self._by_key.items() if not w.checking][: max(excess, 0)]
        for key in idle:
            del self._by_key[key]


class FailureThrottle:
    """Failed handshakes per station id (the lock-out) and per source address (scans).

    Exact under concurrency: :meth:`reserve` counts an attempt against its station id and
    address *before* the slow password check (one synchronous step on the event loop, so
    no two attempts both pass a check-then-count); :meth:`settle` turns the reservation
    into a failure or releases it. A station id with ``limit`` failures or checks in flight
    within ``window_s`` is locked out (429, not read, not checked) from every address; such
    a refusal costs nothing and is not counted again. An address with more than
    ``address_limit`` checked failures only changes how its refusals are answered (429 for
    all, so a scan learns nothing from 404 vs 401); a correct password of a station that is
    not locked out is still accepted from it, since carrier NAT puts many chargers behind
    one address (1.6 security whitepaper, 2.0.1 Part 2 A00: profiles 1/2 authenticate the
    station, not the address). Guessing stays bounded per station id by the lock-out.

    With several nodes ``share`` is this node's part (1 / the live nodes): a station id's
    attempts spread over the nodes are locked out after ``limit`` in the cluster at most.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        address_limit: int = 100,
        share: Callable[[], float] | None = None,
    ) -> None:
        self._limit = limit
        self._share = share
        self._address_limit = address_limit
        self._stations = _Windows(window_s, keep=limit)
        self._addresses = _Windows(window_s, keep=address_limit + 1)

    def reserve(self, station_id: str, address: str) -> bool:
        """Count one attempt being checked; False (refuse, check nothing) when locked out."""
        now = time.monotonic()
        limit = max(1, int(self._limit * self._share())) if self._share else self._limit
        if self._stations.count(station_id, now) >= limit:
            return False  # costs nothing (no read, no hash), so not counted again
        self._stations.get(station_id, now).checking += 1
        self._addresses.get(address, now).checking += 1
        return True

    def settle(self, station_id: str, address: str, *, failed: bool) -> bool:
        """End a reservation; a failure stays counted. True if the address is over its limit."""
        now = time.monotonic()
        for window in (self._stations.get(station_id, now), self._addresses.get(address, now)):
            window.checking = max(0, window.checking - 1)
            if failed:
                window.failures.append(now)
        return self._addresses.failures(address, now) > self._address_limit


class StationSecurity:
    def __init__(
        self,
        uow: UnitOfWorkProvider[StationsUnitOfWork],
        *,
        auto_register: bool,
        throttle: FailureThrottle,
    ) -> None:
        self._uow = uow
        self._auto_register = auto_register
        self._throttle = throttle

    async def check(self, attempt: HandshakeAttempt) -> HandshakeDecision:
        """Decide a handshake; every refusal counts against the station id and the address.

        The attempt is reserved in the throttle before anything is read or checked, so at
        most ``limit`` attempts per station id and window are ever checked.
        """
        station_id, address = attempt.station_id, attempt.remote_ip
        if not self._throttle.reserve(station_id, address):
            return HandshakeDecision.refuse(TOO_MANY, "station id locked out: too many failures")
        try:
            decision = await self._decide(attempt)
        except BaseException:  # e.g. the database is down: the station did nothing wrong
            self._throttle.settle(station_id, address, failed=False)
            raise
        over = self._throttle.settle(station_id, address, failed=not decision.accepted)
        if over and not decision.accepted:
            return HandshakeDecision.refuse(
                TOO_MANY, f"too many failed handshakes from this address ({decision.reason})"
            )
        return decision

    async def _decide(self, attempt: HandshakeAttempt) -> HandshakeDecision:
        async with self._uow(atomic=False) as uow:  # one read
            credentials = await uow.stations.credentials(attempt.station_id)
        if credentials is None:
            if not self._auto_register:
                return HandshakeDecision.refuse(NOT_FOUND, "unknown station")
            # Registered by ``register_connected`` once the connection is open, so a
            # handshake that fails later (no common subprotocol) leaves no row.
            return HandshakeDecision.ok("development mode: unknown station")
        profile, password_hash = credentials
        if profile == 0:
            if self._auto_register:
                return HandshakeDecision.ok("development mode: no credentials")
            return HandshakeDecision.refuse(
                UNAUTHORIZED, "station has no credentials and development mode is off"
            )
        if attempt.over_tls != (profile >= 2):
            return HandshakeDecision.refuse(
                UNAUTHORIZED,
                f"station uses security profile {profile}, "
                f"not {'TLS' if attempt.over_tls else 'plain ws'}",
            )
        if profile == 3:
            return self._certificate(attempt)
        return await self._basic(attempt, password_hash)

    async def register_connected(self, station_id: str) -> bool:
        """Development mode: register a station whose connection is open; True if it is new.

        Outside development mode a station is registered by an operator, never here.
        """
        if not self._auto_register:
            return False
        async with self._uow(atomic=False) as uow:
            return await uow.stations.add(station_id, None)

    @staticmethod
    def _certificate(attempt: HandshakeAttempt) -> HandshakeDecision:
        if attempt.client_cert_cn is None:
            return HandshakeDecision.refuse(UNAUTHORIZED, "no valid client certificate")
        if attempt.client_cert_cn != attempt.station_id:
            return HandshakeDecision.refuse(
                UNAUTHORIZED, f"client certificate is for {attempt.client_cert_cn!r}"
            )
        return HandshakeDecision.ok("client certificate")

    @staticmethod
    async def _basic(attempt: HandshakeAttempt, password_hash: str | None) -> HandshakeDecision:
        if attempt.username is None or attempt.password is None:
            return HandshakeDecision.refuse(UNAUTHORIZED, "HTTP Basic credentials required")
        if attempt.username != attempt.station_id:
            return HandshakeDecision.refuse(UNAUTHORIZED, "Basic user is not the station id")
        if password_hash is None or not await asyncio.to_thread(
            verify_password, attempt.password, password_hash
        ):
            return HandshakeDecision.refuse(UNAUTHORIZED, "wrong password")
        return HandshakeDecision.ok("password")
