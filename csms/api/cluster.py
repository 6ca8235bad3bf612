"""``GET /api/cluster``: the nodes serving this central system and the stations each holds
(docs/cluster.md); one node alone is a cluster of one. Admin keys only: it spans every
operator's stations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from csms.api.error_status import guarded
from csms.api.responses import reply
from csms.api.route_models import describe


class NodeBody(BaseModel):
    node_id: str
    stations: int  # stations whose socket it holds
    leader: bool  # runs the once-per-cluster jobs
    this_node: bool  # the node that answered


class ClusterBody(BaseModel):
    mode: str  # "single" (no NATS) or "nats"
    node_id: str
    leader: str | None
    nodes: list[NodeBody]


class ClusterView(Protocol):
    def cluster(self) -> ClusterBody: ...


class SingleNode:
    """The view of a node without NATS: itself, its stations, its own leader."""

    def __init__(self, node_id: str, stations: Callable[[], int]) -> None:
        self._node_id = node_id
        self._stations = stations

    def cluster(self) -> ClusterBody:
        node = NodeBody(
            node_id=self._node_id, stations=self._stations(), leader=True, this_node=True
        )
        return ClusterBody(mode="single", node_id=self._node_id, leader=self._node_id, nodes=[node])


class ClusterResource:
    def __init__(self, view: ClusterView) -> None:
        self._view = view

    def routes(self) -> list[Route]:
        return [Route("/api/cluster", guarded(self.get), methods=["GET"])]

    @describe(answer=ClusterBody)
    async def get(self, request: Request) -> Response:
        """The live nodes, the leader and how many stations each node holds."""
        return reply(self._view.cluster())
