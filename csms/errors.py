"""Domain errors (style.md §8).

CsmsError
├── UnknownStation          a station that is not registered (refused at the handshake)
├── InvalidInput            a message that is well-formed but impossible (bad unit, ...)
├── NotFound, Conflict      the API's 404 and 409 (also: another operator's resource is 404)
├── Forbidden               the caller may not do this (a viewer's change, another tenant's id)
└── StationCommandError     an operator call to a station did not get an answer
    ├── StationNotConnected
    ├── StationTimeout
    ├── StationBusy         too many commands already wait for this station (API: 429)
    └── StationRejected     the station answered with a CallError
"""

from __future__ import annotations


class CsmsError(Exception):
    """Base of every domain error."""


class UnknownStation(CsmsError):
    def __init__(self, station_id: str) -> None:
        super().__init__(f"station {station_id!r} is not registered")
        self.station_id = station_id


class InvalidInput(CsmsError):
    """Well-formed but impossible input; adapters answer PropertyConstraintViolation."""


class NotFound(CsmsError):
    """API: 404."""


class Conflict(CsmsError):
    """API: 409."""


class Forbidden(CsmsError):
    """API: 403. The caller is known but its role or operator does not allow this."""


class StationCommandError(CsmsError):
    """An operator call could not be completed."""


class StationNotConnected(StationCommandError):
    def __init__(self, station_id: str) -> None:
        super().__init__(f"station {station_id!r} is not connected")


class StationTimeout(StationCommandError):
    def __init__(self, station_id: str, action: str, timeout_s: float) -> None:
        super().__init__(f"station {station_id!r} did not answer {action} within {timeout_s}s")


class StationBusy(StationCommandError):
    def __init__(self, station_id: str, limit: int) -> None:
        super().__init__(f"station {station_id!r} has {limit} commands waiting already; retry")


class StationRejected(StationCommandError):
    def __init__(self, station_id: str, action: str, code: str, description: str) -> None:
        super().__init__(f"station {station_id!r} answered {action} with {code}: {description}")
        self.code = code
        self.description = description
