"""Who may connect: the handshake rule for every station and both protocol versions.

OCPP 1.6 security whitepaper and 2.0.1 Part 2 A00: security profile 1 is HTTP Basic over
ws://, profile 2 is TLS plus Basic, profile 3 is TLS with a client certificate whose
subject CN is the station id. A station connects only on the profile configured for it.
Profile 0 (no credentials) exists for development mode only. Failed handshakes from one
address are throttled.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Final

from csms.ports import UnitOfWorkProvider
from csms.records import frozen
from csms.stations.credentials import verify_password
from csms.stations.ports import StationsUnitOfWork

UNAUTHORIZED: Final = 401
NOT_FOUND: Final = 404
TOO_MANY: Final = 429


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


class FailureThrottle:
    """At most ``limit`` failed handshakes per address in ``window_s``; then 429."""

    def __init__(self, limit: int, window_s: float) -> None:
        self._limit = limit
        self._window_s = window_s
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures[address]
        while failures and failures[0] <= now - self._window_s:
            failures.popleft()
        return failures

    def blocked(self, address: str) -> bool:
        return len(self._recent(address, time.monotonic())) >= self._limit

    def failed(self, address: str) -> None:
        self._recent(address, time.monotonic()).append(time.monotonic())
        if len(self._failures) > 100_000:  # bounded memory under a scan
            self._failures.pop(next(iter(self._failures)))


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
        """Decide a handshake; every refusal counts against the source address."""
        if self._throttle.blocked(attempt.remote_ip):
            return HandshakeDecision.refuse(TOO_MANY, "too many failed handshakes from here")
        decision = await self._decide(attempt)
        if not decision.accepted:
            self._throttle.failed(attempt.remote_ip)
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
