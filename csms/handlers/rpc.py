"""Transition only: ``on`` moved to :mod:`csms.handlers.routing`; delete once nothing imports it.

The wire layer now lives in :mod:`csms.handlers.wire` (frames, dialects, schemas, codec).
"""

from __future__ import annotations

from csms.handlers.routing import on

__all__ = ["on"]
