"""Which adapter method handles which action: ``@on`` marks it, ``handlers_of`` collects them.

The version adapters (``v16/``, ``v201/``) mark one method per station Call they handle
[ocpp-lib ``@on``]; a known action without a marked method is answered NotSupported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

Handler = Callable[..., Awaitable[Any]]
_ACTION_ATTRIBUTE: Final = "_ocpp_action"


def on(action: str) -> Callable[[Handler], Handler]:
    """Mark an adapter method as the handler of ``action`` (a Call from the station)."""

    def mark(method: Handler) -> Handler:
        setattr(method, _ACTION_ATTRIBUTE, action)
        return method

    return mark


def _marked(adapter_class: type) -> dict[str, str]:
    """action -> method name of the marked methods of ``adapter_class``."""
    table: dict[str, str] = {}
    for name in dir(adapter_class):
        action = getattr(getattr(adapter_class, name), _ACTION_ATTRIBUTE, None)
        if action is not None:
            table[action] = name
    return table


def actions_of(adapter_class: type) -> set[str]:
    """The actions an adapter class handles, without building an instance."""
    return set(_marked(adapter_class))


def handlers_of(adapter: object) -> dict[str, Handler]:
    """The action -> bound method table of an adapter instance."""
    return {action: getattr(adapter, name) for action, name in _marked(type(adapter)).items()}
