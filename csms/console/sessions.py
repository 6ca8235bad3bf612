"""Console logins: a server-side session per browser, named by a random id in a cookie.

The cookie (``__Host-csms_console``) is HttpOnly, SameSite=Strict and Secure (browsers keep Secure
cookies of http://localhost and 127.0.0.1 too); it carries only the session id. The session
keeps the API key the user logged in with (in this process's memory, never written down), the
CSRF token every form sends back, and the language. Sessions end after ``ttl_s`` or at
logout; a restart of the process logs everyone out (several processes: see issue 18). At
most ``MAX_SESSIONS`` are kept (the oldest gives way).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Final

COOKIE: Final = "__Host-csms_console"  # __Host-: Secure, path /, no Domain (no tossing)
MAX_SESSIONS: Final = 10_000
LANGUAGES: Final = ("ja", "en")


@dataclass
class ConsoleSession:
    api_key: str
    name: str
    role: str
    operator_id: str | None
    expires: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    language: str = "ja"
    flash: str | None = None  # one message for the next page (a station's answer, ...)

    def take_flash(self) -> str | None:
        message, self.flash = self.flash, None
        return message

    @property
    def can_change(self) -> bool:
        """What the API lets this role change (a viewer reads only; csms.access.models)."""
        return self.role in ("admin", "operator")


class ConsoleSessions:
    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._sessions: dict[str, ConsoleSession] = {}

    def open(self, api_key: str, name: str, role: str, operator_id: str | None) -> str:
        self._forget_expired()
        while len(self._sessions) >= MAX_SESSIONS:  # the oldest login gives way
            del self._sessions[next(iter(self._sessions))]
        session_id = secrets.token_urlsafe(32)
        expires = time.monotonic() + self._ttl_s
        self._sessions[session_id] = ConsoleSession(api_key, name, role, operator_id, expires)
        return session_id

    def get(self, session_id: str | None) -> ConsoleSession | None:
        found = self._sessions.get(session_id or "")
        if found is None or found.expires < time.monotonic():
            return None
        return found

    def close(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for session_id in [k for k, s in self._sessions.items() if s.expires < now]:
            del self._sessions[session_id]
