"""App start and stop (seed 002 第18条): a member starts and stops charging from the app.

The start is 1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction with the account's
app id tag (its Central token, a random value: not the account id and not the app's secret
token); the caller gets the station's answer (or a time-out). ``scope`` is the operator of
an operator's key: another operator's account is answered as not found. The session the station
then starts is linked to the request and so records that it was started remotely.
"""

from __future__ import annotations

import uuid

from csms.authorization.models import TokenKind, TokenStatus
from csms.authorization.rule import Authorizer, make_token, normalise_token
from csms.charging.models import SessionState
from csms.charging.ports import ChargingUnitOfWork, RemoteStartRequest
from csms.clock import Clock
from csms.errors import Conflict, NotFound
from csms.ports import UnitOfWorkProvider
from csms.records import frozen
from csms.station_commands.commands import CommandResult, RemoteStart, RemoteStop
from csms.station_commands.ports import StationGateway


@frozen
class AppStartRefused:
    status: TokenStatus


class AppSessionService:
    def __init__(
        self,
        uow: UnitOfWorkProvider[ChargingUnitOfWork],
        clock: Clock,
        gateway: StationGateway,
        rule: Authorizer,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._rule = rule

    async def start(
        self, account_id: str, station_id: str, evse_id: int, *, scope: str | None = None
    ) -> CommandResult | AppStartRefused:
        """Authorize the account (the same rule as a card) and ask the station to start."""
        async with self._uow() as uow:
            tag = await uow.tokens.app_tag_of(account_id)
            record = await uow.tokens.get(tag) if tag else None
            if record is None or (scope is not None and record.operator_id != scope):
                raise NotFound(f"no account {account_id!r}")
            token = make_token(record.id_token, TokenKind.CENTRAL)
            result = await self._rule(uow, station_id, evse_id, token, "member")
            if not result.accepted:
                return AppStartRefused(result.status)
            remote_start_id = await uow.remote_starts.add(
                RemoteStartRequest(station_id, evse_id, token.value, account_id, self._clock.now())
            )
        return await self._gateway.send(
            station_id, RemoteStart(evse_id, token.value, remote_start_id)
        )

    async def stop(
        self, account_id: str, session_id: uuid.UUID, *, scope: str | None = None
    ) -> CommandResult:
        """Ask the station to stop the account's own active session."""
        async with self._uow() as uow:
            tag = await uow.tokens.app_tag_of(account_id)
            record = await uow.tokens.get(tag) if tag else None
            session = await uow.sessions.by_id(session_id)
        if record is not None and scope is not None and record.operator_id != scope:
            record = None
        started_by = normalise_token(session.id_token or "") if session else None
        if session is None or record is None or started_by != record.id_token:
            raise NotFound(f"no session {session_id} of account {account_id!r}")
        if session.state is not SessionState.ACTIVE:
            raise Conflict("the session has already ended")
        return await self._gateway.send(session.station_id, RemoteStop(session.transaction_id))
