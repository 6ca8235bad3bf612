"""``HttpListener``: one ASGI app served by uvicorn on its own socket, in our event loop.

The central system has up to three: the operator API, the visitors' public listener and,
when it is given a port of its own, ``/metrics``. uvicorn's signal handlers are off: the
central system owns SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import structlog
import uvicorn
from starlette.types import ASGIApp

log = structlog.get_logger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class HttpListener:
    """``await listener.start()`` binds and serves; ``await listener.stop()`` finishes."""

    def __init__(self, name: str, app: ASGIApp, host: str, port: int, **options: Any) -> None:
        self.name = name
        self._host = host
        self._wanted_port = port
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", **options)
        self._server = _Server(config)
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        assert self._socket is not None
        return int(self._socket.getsockname()[1])

    async def start(self) -> None:
        self._socket = _listening_socket(self._host, self._wanted_port)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError(f"the {self.name} listener stopped during start-up")
            await asyncio.sleep(0.01)
        log.info(f"{self.name}_listening", host=self._host, port=self.port)

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
        if self._socket is not None:
            self._socket.close()
