"""The Dockerfile read as text: a lean runtime image as the default, tests in their own stage.

No Docker engine is needed; ``.ci/run`` builds the image where there is one.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = "/var/lib/csms"
TEST_TOOLS = re.compile(r"\[test\]|\b(pytest|ruff|mypy|hypothesis)\b")


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]

    def index(self, keyword: str) -> int:
        return max(i for i, (key, _) in enumerate(self.instructions) if key == keyword)


def parse_stages(text: str) -> list[Stage]:
    """Instructions by stage: comments dropped, continuation lines joined."""
    lines = re.sub(r"\\\n", " ", re.sub(r"(?m)^\s*#.*\n", "", text)).splitlines()
    stages: list[Stage] = []
    for line in filter(str.strip, lines):
        key, _, args = line.strip().partition(" ")
        if key.upper() == "FROM":
            base, name = [*re.split(r"\s+as\s+", args.strip(), flags=re.IGNORECASE), ""][:2]
            stages.append(Stage(base, name))
        elif stages:
            stages[-1].instructions.append((key.upper(), args.strip()))
    return stages


STAGES = parse_stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))
BY_NAME = {stage.name: stage for stage in STAGES}
RUNTIME = STAGES[-1]


def runtime_env() -> dict[str, str]:
    pairs = [pair.partition("=") for args in RUNTIME.args("ENV") for pair in shlex.split(args)]
    return {key: value for key, _, value in pairs}


def lineage(stage: Stage) -> list[Stage]:
    """The stage, the stages it is built on, and those it copies or mounts files from."""
    sources = re.findall(r"from=(\S+?)[\s,]", " ".join(stage.args("COPY") + stage.args("RUN")))
    found = [stage]
    for name in [stage.base, *sources]:
        if name in BY_NAME:
            found += lineage(BY_NAME[name])
    return found


def test_the_default_stage_is_the_runtime_and_a_test_stage_exists() -> None:
    """A plain ``docker build .`` gives the last stage."""
    assert RUNTIME.name == "runtime"
    assert "test" in BY_NAME
    assert "pytest" in BY_NAME["test"].args("CMD")[-1]


def test_no_test_tool_reaches_the_runtime_image() -> None:
    """Neither installed in the runtime's stages nor copied from the test stage."""
    stages = lineage(RUNTIME)
    assert "test" not in {stage.name for stage in stages}
    offending = [args for stage in stages for args in stage.args("RUN") if TEST_TOOLS.search(args)]
    assert offending == []


def test_every_pip_install_leaves_no_cache() -> None:
    """No stage keeps pip's download cache in a layer."""
    runs = [args for stage in STAGES for args in stage.args("RUN") if "pip " in args]
    assert runs
    assert [args for args in runs if "--no-cache-dir" not in args] == []


def test_the_service_runs_unprivileged_with_its_data_in_a_volume() -> None:
    """A non-root USER before CMD, owning the data dir, which is a VOLUME."""
    user = RUNTIME.args("USER")[-1]
    assert user.split(":")[0] not in {"root", "0"}
    assert RUNTIME.index("USER") < RUNTIME.index("CMD")
    owned = rf"chown\s+(-\S+\s+)*{re.escape(user)}\s+{DATA_DIR}\b"
    assert any(re.search(owned, args) for args in RUNTIME.args("RUN"))
    assert DATA_DIR in RUNTIME.args("VOLUME")[-1]


def test_production_settings_health_check_and_command() -> None:
    env = runtime_env()
    assert env["CSMS_DEV_MODE"] == "false"
    assert env["CSMS_DATA_DIR"] == DATA_DIR
    hosts = {env["CSMS_HOST"], env["CSMS_API_HOST"], env["CSMS_PUBLIC_HOST"]}
    assert hosts == {"0.0.0.0"}  # noqa: S104 (a container listens on all its interfaces)
    assert set(RUNTIME.args("EXPOSE")[-1].split()) == {"9000", "8080", "8081"}
    health = RUNTIME.args("HEALTHCHECK")[-1]
    assert "/healthz" in health
    assert "--start-period=" in health
    assert json.loads(RUNTIME.args("CMD")[-1]) == ["csms", "serve"]


def test_the_runtime_gets_the_tariffs_the_wheel_lacks() -> None:
    """The wheel has no config/: it is copied in and CSMS_TARIFFS_DIR points into it."""
    copies = [[Path(arg) for arg in shlex.split(args)] for args in RUNTIME.args("COPY")]
    assert [Path("config"), Path(runtime_env()["CSMS_TARIFFS_DIR"]).parent] in copies


def test_copied_paths_exist_and_the_context_leaves_out_git_and_venv() -> None:
    """Every local COPY source exists; .dockerignore keeps what this test reads."""
    sources = [
        source
        for stage in STAGES
        for args in stage.args("COPY")
        if "--from=" not in args
        for source in shlex.split(args)[:-1]
        if not source.startswith("--")
    ]
    assert sources
    assert [source for source in sources if not (ROOT / source).exists()] == []
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".git", ".venv"} <= set(ignored)
    assert {"Dockerfile", ".dockerignore", "tests", "config"}.isdisjoint(ignored)
