"""Lint step: no module in csms/ or simulators/ over 300 lines, no function over 40.

A function's length runs from its ``def`` line to its last line (decorators excluded).
Run by ``./dev test``; exits 1 and names every offender.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
ROOTS = ("csms", "simulators")


def offences(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    found = []
    lines = source.count("\n")
    if lines > MAX_MODULE_LINES:
        found.append(f"{path}: module has {lines} lines (max {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(
                    f"{path}:{node.lineno}: {node.name} has {length} lines "
                    f"(max {MAX_FUNCTION_LINES})"
                )
    return found


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    found = [o for r in ROOTS for p in sorted((root / r).rglob("*.py")) for o in offences(p)]
    for offence in found:
        print(offence)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
