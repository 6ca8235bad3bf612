"""Transition only: the wire date-times moved to :mod:`csms.handlers.wire.codec`.

Delete once nothing imports ``csms.handlers.timestamps``.
"""

from __future__ import annotations

from csms.handlers.wire.codec import format_timestamp, parse_timestamp

__all__ = ["format_timestamp", "parse_timestamp"]
