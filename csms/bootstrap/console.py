"""The operator console wired to the running API (docs/console.md): its logins, the in-process
client it calls the API with (attached once the API app exists) and its pages."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from csms.access.service import AccessService
from csms.api.directory import DirectoryResource
from csms.console.api_client import ApiClient
from csms.console.pages import ConsolePages
from csms.console.sessions import ConsoleSessions
from csms.console.web import Console
from csms.settings import Settings
from csms.storage.directory import PostgresDirectory


def build_console(
    settings: Settings, access: AccessService, public_url: Callable[[], str], pool: asyncpg.Pool
) -> tuple[tuple[ConsolePages, DirectoryResource], ApiClient]:
    """The pages and the lists they read (resources of the API app), and the client to attach
    to that app; ``public_url``: where visitors reach the public listener (once it listens)."""
    client = ApiClient()
    console = Console(ConsoleSessions(settings.console_session_ttl_s), client)
    pages = ConsolePages(console, access.authenticate, public_url)
    return (pages, DirectoryResource(PostgresDirectory(pool), access)), client
