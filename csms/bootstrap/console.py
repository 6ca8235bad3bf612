"""The operator console wired to the running API (docs/console.md): its logins, the in-process
client it calls the API with (attached once the API app exists) and its pages."""

from __future__ import annotations

from collections.abc import Callable

from csms.access.service import AccessService
from csms.console.api_client import ApiClient
from csms.console.pages import ConsolePages
from csms.console.sessions import ConsoleSessions
from csms.console.web import Console
from csms.settings import Settings


def build_console(
    settings: Settings, access: AccessService, public_url: Callable[[], str]
) -> tuple[ConsolePages, ApiClient]:
    """The pages (a resource of the API app) and the client to attach to that app;
    ``public_url``: where visitors reach the public listener (known once it listens)."""
    client = ApiClient()
    console = Console(ConsoleSessions(settings.console_session_ttl_s), client)
    return ConsolePages(console, access.authenticate, public_url), client
