"""Composition root: the only module that names concrete classes (style.md §1, §2).

``build_services(settings, uow, gateway, clock, catalog)`` wires the capabilities to any
unit of work and gateway (tests pass the in-memory fakes); ``CentralSystem`` starts the
database (embedded or by DSN), the event relay, the OCPP websocket server and the HTTP API
in one event loop. ``open_database`` gives the CLI the same database without the servers.
"""

from csms.bootstrap.central_system import CentralSystem
from csms.bootstrap.database import Database, open_database
from csms.bootstrap.services import Services, build_services

__all__ = ["CentralSystem", "Database", "Services", "build_services", "open_database"]
