"""Shared parts of the load benchmarks: a server process, its resource use, percentiles.

Every benchmark starts ``csms serve`` as its own process on 127.0.0.1 (embedded PostgreSQL
in a throwaway data dir, development mode so simulated stations register themselves),
drives it with the simulator's protocol code from this process, and prints one JSON object.
Loops are bounded in count and time; nothing talks to any other address.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def raise_fd_limit() -> int:
    """Allow as many sockets as the hard limit permits (10,000 stations need 10,000+)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def percentiles(samples: Iterable[float], *, scale: float = 1000.0) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds (``scale``) of a list of seconds."""
    data = sorted(samples)
    if not data:
        return {"p50": None, "p95": None, "p99": None, "max": None, "n": 0}

    def pick(q: float) -> float:
        return round(data[min(len(data) - 1, int(q * len(data)))] * scale, 3)

    return {
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": round(data[-1] * scale, 3),
        "n": len(data),
    }


def _cpu_s(pid: int, *, children: bool = False) -> float:
    """CPU seconds (user + system) of a process; with ``children``, also of the children it
    has waited for (a PostgreSQL backend that exited)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _CLOCK_TICKS


def database_cpu_s(postmaster_pid: int) -> float:
    """CPU seconds of a PostgreSQL server: the postmaster, its live and its exited children."""
    total = _cpu_s(postmaster_pid, children=True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == postmaster_pid:
                total += _cpu_s(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return round(total, 3)


def process_usage(pid: int) -> dict[str, float]:
    """RSS (MB) and CPU seconds (user + system) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    return {"rss_mb": round(rss_kb / 1024, 1), "cpu_s": round(cpu_s, 3)}


@dataclass
class ServerProcess:
    """``csms serve`` in its own process group with its own embedded database."""

    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="csms-bench-")))
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    ocpp_port: int = 0
    api_port: int = 0
    log_path: Path | None = None
    cards: bool = True  # register the load's 100,000 cards at start (a database of its own)

    async def start(
        self, *, ocpp_port: int | None = None, api_port: int | None = None, timeout_s: float = 120
    ) -> None:
        """Start on the given ports (kept across a restart) or on free ones."""
        ocpp_port = ocpp_port or free_port()
        api_port = api_port or free_port()
        os.chmod(self.data_dir, 0o755)  # noqa: S103 (the database user must reach it)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CSMS_")}
        env |= {
            "CSMS_DATA_DIR": str(self.data_dir / "data"),
            "CSMS_LOG_FORMAT": "json",
            "CSMS_LOG_LEVEL": "warning",
            "CSMS_OCPP_PING_INTERVAL_S": "0",
            "CSMS_DATABASE_POOL_SIZE": "20",
            "CSMS_DEV_MODE": "true",  # the load's stations are registered as they connect
            "CSMS_PUBLIC_PORT": "0",
            # every session is priced (the AC tariff of the seed), as an operator's would be
            "CSMS_TARIFF_DEFAULT_CLASS": "ac",
        }
        # BENCH_CSMS_X=v sets the server's CSMS_X (e.g. BENCH_CSMS_GROUP_COMMIT_MS=0 for an A/B)
        env |= {k[len("BENCH_") :]: v for k, v in os.environ.items() if k.startswith("BENCH_CSMS_")}
        env |= self.env
        self.log_path = self.data_dir / "server.log"
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "csms",
            "serve",
            "--port",
            str(ocpp_port),
            "--api-port",
            str(api_port),
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        self.ocpp_port, self.api_port = ocpp_port, api_port
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            if await self.healthy():
                if self.cards:
                    await self._register_cards()
                return
            await asyncio.sleep(0.1)
        raise TimeoutError("server did not start")

    async def _register_cards(self) -> None:
        """The load's cards (``CARD`` + the station number's last 5 digits) as members'
        accepted cards, so sessions are authorized and billed as in operation."""
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(
                "INSERT INTO id_tokens (id_token, status)"
                " SELECT 'CARD' || lpad(n::text, 5, '0'), 'Accepted'"
                " FROM generate_series(0, 99999) AS n ON CONFLICT DO NOTHING"
            )
        finally:
            await conn.close()

    async def healthy(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection(HOST, self.api_port)
        except OSError:
            return False
        writer.write(b"GET /healthz HTTP/1.0\r\nHost: bench\r\n\r\n")
        status = await reader.readline()
        writer.close()
        return b" 200 " in status

    @property
    def dsn(self) -> str:
        """The database it serves from: the given ``CSMS_DATABASE_URL``, else its own."""
        host = self.data_dir / "data" / "pgdata"
        return self.env.get("CSMS_DATABASE_URL") or f"postgresql://csms@/csms?host={host}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.ocpp_port}/ocpp"

    def usage(self) -> dict[str, float]:
        """The server's RSS and CPU, and its embedded PostgreSQL's CPU (``db_cpu_s``)."""
        usage = process_usage(self.pid)
        try:
            postmaster = int(self._pid_file.read_text().splitlines()[0])
            usage["db_cpu_s"] = database_cpu_s(postmaster)
        except (OSError, ValueError, IndexError):
            usage["db_cpu_s"] = 0.0
        return usage

    @property
    def _pid_file(self) -> Path:
        return self.data_dir / "data" / "pgdata" / "postmaster.pid"

    async def kill(self) -> None:
        """SIGKILL, like a crash; PostgreSQL follows through its parent-death signal."""
        assert self.process is not None
        os.killpg(self.pid, signal.SIGKILL)
        await self.process.wait()
        await self._wait_database_gone()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                os.killpg(self.pid, signal.SIGKILL)
                await self.process.wait()
        await self._wait_database_gone()

    async def _wait_database_gone(self) -> None:
        for _ in range(300):
            try:
                pid = int(self._pid_file.read_text().splitlines()[0])
                os.kill(pid, 0)
            except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
                return
            await asyncio.sleep(0.05)

    def cleanup(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)


async def stored_sessions(dsn: str, prefix: str) -> dict[str, int]:
    """The sessions of stations ``{prefix}-*`` as stored: completed, active, stations with
    more than one session (``doubled``) and stops that matched no session (``unmatched``)."""
    import asyncpg

    like = f"{prefix}-%"
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT state, count(*) AS n FROM sessions WHERE station_id LIKE $1 GROUP BY state",
            like,
        )
        doubled = await conn.fetchval(
            "SELECT count(*) FROM (SELECT station_id FROM sessions WHERE station_id LIKE $1"
            " GROUP BY station_id HAVING count(*) > 1) AS d",
            like,
        )
        unmatched = await conn.fetchval(
            "SELECT count(*) FROM unmatched_stops WHERE station_id LIKE $1", like
        )
    finally:
        await conn.close()
    by_state = {row["state"]: int(row["n"]) for row in rows}
    return {
        "completed": by_state.get("completed", 0),
        "active": by_state.get("active", 0),
        "doubled": int(doubled),
        "unmatched": int(unmatched),
    }


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, ensure_ascii=False))
