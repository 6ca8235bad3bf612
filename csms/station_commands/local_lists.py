"""Local authorization lists: the valid cards of a station's operator, kept on the station.

OCPP 1.6 §5.15/§5.11 SendLocalList and GetLocalListVersion, 2.0.1 D01/D02. Each operator
has a list version that every card change bumps (with a change log); a station that holds
an older version gets the changes since (Differential), one that holds none, or rejects a
differential, gets the full list. Pushes go out when cards change and when a station boots.
"""

from __future__ import annotations

import asyncio

from csms import events
from csms.authorization.models import AuthorizationResult, TokenRecord
from csms.clock import Clock
from csms.errors import StationCommandError
from csms.ports import UnitOfWorkProvider
from csms.station_commands.commands import (
    CommandResult,
    GetLocalListVersion,
    LocalListEntry,
    RawCall,
    SendLocalList,
)
from csms.station_commands.ports import LocalListsUnitOfWork, StationGateway


def _entry(record: TokenRecord) -> LocalListEntry:
    return LocalListEntry(
        record.id_token,
        record.kind.value,
        AuthorizationResult(record.status, record.expires_at, record.group_id),
    )


class LocalListService:
    def __init__(
        self,
        uow: UnitOfWorkProvider[LocalListsUnitOfWork],
        clock: Clock,
        gateway: StationGateway,
        *,
        concurrency: int = 20,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._slots = asyncio.Semaphore(concurrency)  # on-connect work is rate-limited

    async def plan(self, station_id: str) -> SendLocalList | None:
        """What the station needs, or None when it is up to date or has no operator."""
        async with self._uow(atomic=False) as uow:  # reads only
            operator = await uow.station_lists.operator_of(station_id)
            if operator is None:
                return None
            held = dict(await uow.station_lists.stations_of_operator(operator)).get(station_id)
            version = await uow.local_lists.version(operator) or 0
            if held == version or version == 0:  # 0: no card has ever been listed
                return None
            if held is None or held > version:
                records = await uow.local_lists.valid_tokens(operator, self._clock.now())
                return SendLocalList(version, True, tuple(_entry(r) for r in records))
            changes = await uow.local_lists.changed_since(operator, held)
        entries = tuple(
            _entry(record)
            if record is not None and record.operator_id == operator
            else LocalListEntry(token, "Unknown", None)
            for token, record in changes
        )
        return SendLocalList(version, False, entries)

    async def sync_station(self, station_id: str) -> int | None:
        """Push what the station lacks; returns the version it now holds (None: unchanged).

        At most ``concurrency`` pushes run at once, so a reconnect storm queues them."""
        async with self._slots:
            return await self._sync(station_id)

    async def _sync(self, station_id: str) -> int | None:
        command = await self.plan(station_id)
        if command is None or not self._gateway.is_connected(station_id):
            return None
        result = await self._gateway.send(station_id, command)
        if result.status != "Accepted" and not command.full:  # e.g. VersionMismatch
            async with self._uow() as uow:
                await uow.station_lists.set_list_version(station_id, None)  # next push: full
            return await self._sync(station_id)
        if result.status != "Accepted":
            await self._say(events.LocalListRefused(station_id, str(result.status)))
            return None
        async with self._uow() as uow:
            await uow.station_lists.set_list_version(station_id, command.version)
            uow.record(
                events.LocalListPushed(
                    station_id, command.version, command.full, len(command.entries)
                )
            )
        return command.version

    async def _say(self, event: events.DomainEvent) -> None:
        async with self._uow(atomic=False) as uow:
            uow.record(event)

    async def sync_operator(self, operator_id: str) -> None:
        """After a card change: every connected station of the operator, concurrently."""
        async with self._uow() as uow:
            stations = [s for s, _ in await uow.station_lists.stations_of_operator(operator_id)]
        await asyncio.gather(
            *(self._sync_logged(s) for s in stations if self._gateway.is_connected(s))
        )

    async def _sync_logged(self, station_id: str) -> None:
        try:
            await self.sync_station(station_id)
        except StationCommandError as exc:  # the station catches up at its next boot
            await self._say(events.LocalListPushFailed(station_id, str(exc)))

    async def send_list(self, station_id: str, command: SendLocalList) -> CommandResult:
        """An operator's own list, sent as given. Once Accepted the station holds a list the
        central system did not number: its held version is recorded as unknown, so the next
        automatic push is a Full list (a Differential one against content the station does
        not hold would leave wrong cards on it)."""
        result = await self._gateway.send(station_id, command)
        await self.held(
            station_id,
            None,
            command.full,
            len(command.entries),
            result,
            sent_version=command.version,
        )
        return result

    async def held(
        self,
        station_id: str,
        version: int | None,
        full: bool,
        entries: int,
        result: CommandResult,
        *,
        sent_version: int | None = None,
    ) -> None:
        """Record that the station holds list ``version`` (None: one we did not number) if
        it accepted it."""
        if result.status != "Accepted":
            return
        async with self._uow() as uow:
            await uow.station_lists.set_list_version(station_id, version)
            pushed = version if version is not None else sent_version
            uow.record(events.LocalListPushed(station_id, pushed or 0, full, entries))

    async def after_raw_call(self, station_id: str, sent: RawCall, result: CommandResult) -> None:
        """A generic SendLocalList (1.6 listVersion, 2.0.1 versionNumber) recorded like the
        typed one; other actions change nothing here."""
        if sent.action != "SendLocalList":
            return
        payload = sent.payload
        version = payload.get("listVersion", payload.get("versionNumber"))
        if isinstance(version, int) and not isinstance(version, bool):
            entries = payload.get("localAuthorizationList") or []
            full = payload.get("updateType") == "Full"
            await self.held(station_id, None, full, len(entries), result, sent_version=version)

    async def station_version(self, station_id: str) -> int:
        """Ask the station which list version it holds."""
        result = await self._gateway.send(station_id, GetLocalListVersion())
        value = result.payload.get("listVersion", result.payload.get("versionNumber", -1))
        return int(value)
