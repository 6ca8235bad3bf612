"""``GET /metrics``: the Prometheus text exposition of the given registry.

Served on the API port (open: it holds counts, no ids or money) unless ``metrics_port``
gives it a listener of its own, e.g. bound to an internal address only.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class MetricsResource:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def routes(self) -> list[Route]:
        return [Route("/metrics", self.expose)]

    async def expose(self, request: Request) -> Response:
        return Response(generate_latest(self._registry), media_type=CONTENT_TYPE_LATEST)


def create_metrics_app(registry: CollectorRegistry) -> Starlette:
    """``/metrics`` alone, for its own listener (``metrics_port``): nothing else is served."""
    return Starlette(routes=MetricsResource(registry).routes())
