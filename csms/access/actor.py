"""Who the current request acts for, so the commands it causes are audited under that name.

The API sets it per request; work started from a request (a local list pushed after a card
change) inherits it with the task's context; anything else is the system's own doing.
"""

from __future__ import annotations

from contextvars import ContextVar

from csms.access.models import SYSTEM, Principal

current_actor: ContextVar[Principal] = ContextVar("current_actor", default=SYSTEM)
