"""Names on NATS: buckets, streams and subjects, and station ids as subject tokens.

A NATS subject token and a KV key allow ``[-_=.A-Za-z0-9/]`` only (dots split tokens), while
an OCPP station id is any URL path segment (OCPP-J 1.6 §3.1.1, 2.0.1 Part 4 §3.1.1): an id
of ``[A-Za-z0-9_-]`` is its own token, any other is ``_x_`` and its UTF-8 in hex, so the
mapping is one to one and reversible (an id that itself starts with ``_x_`` is hex too).
"""

from __future__ import annotations

import re
from typing import Final

LEASES_BUCKET: Final = "csms_station_leases"  # station token -> node id (TTL, renewed)
NODES_BUCKET: Final = "csms_nodes"  # "node.{id}" -> its facts; "leader" -> the leader's id
LEADER_KEY: Final = "leader"
NODE_KEY_PREFIX: Final = "node."
EVENTS_STREAM: Final = "CSMS_EVENTS"
EVENTS_SUBJECTS: Final = "csms.events.>"

_PLAIN: Final = re.compile(r"[A-Za-z0-9_-]{1,200}")
_HEX_PREFIX: Final = "_x_"


def station_token(station_id: str) -> str:
    """The station id as one subject token and KV key."""
    if _PLAIN.fullmatch(station_id) and not station_id.startswith(_HEX_PREFIX):
        return station_id
    return _HEX_PREFIX + station_id.encode().hex()


def station_of_token(token: str) -> str:
    """The inverse of :func:`station_token`."""
    if token.startswith(_HEX_PREFIX):
        return bytes.fromhex(token[len(_HEX_PREFIX) :]).decode()
    return token


def command_subject(station_id: str) -> str:
    """Commands to a station: only the node holding its socket subscribes."""
    return f"csms.station.{station_token(station_id)}.command"


def release_subject(node_id: str) -> str:
    """A node's inbox for "let go of this station" (another node has its new socket)."""
    return f"csms.node.{node_id}.release"


def event_subject(kind: str) -> str:
    """Where the outbox relay publishes an event of ``kind``."""
    return f"csms.events.{kind}"


def node_key(node_id: str) -> str:
    """A node's presence key (apart from ``leader``, whatever the node is called)."""
    return NODE_KEY_PREFIX + node_id
