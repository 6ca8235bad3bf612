"""Billing benchmark: price N sessions on one core and print sessions per second.

    python -m bench.billing [--sessions 1000000] [--repeat 3]

Sessions are generated up front (a mix of every shipped tariff, durations from 0 to 3 h,
energy from 0 to 80 kWh with 0.01 Wh resolution); only ``price_session`` is timed. Prints one
JSON object: sessions, seconds per run, sessions_per_second (median of the runs).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from csms.billing.pricer import price_session
from csms.storage.tariff_files import DEFAULT_DIR, load_tariffs

START = datetime(2025, 2, 10, 1, 0, tzinfo=UTC)


def make_sessions(count: int, seed: int = 7) -> list[tuple[object, datetime, datetime, Decimal]]:
    rng = random.Random(seed)
    tariffs = list(load_tariffs(DEFAULT_DIR).values())
    sessions = []
    for _ in range(count):
        tariff = tariffs[rng.randrange(len(tariffs))]
        stop = START + timedelta(seconds=rng.randrange(0, 3 * 3600))
        energy = Decimal(rng.randrange(0, 8_000_000)) / 100
        sessions.append((tariff, START, stop, energy))
    return sessions


def run(count: int, repeat: int) -> dict[str, object]:
    sessions = make_sessions(count)
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        for tariff, start, stop, energy in sessions:
            price_session(tariff, start, stop, energy)  # type: ignore[arg-type]
        timings.append(time.perf_counter() - began)
    median = statistics.median(timings)
    return {
        "benchmark": "billing",
        "sessions": count,
        "runs_s": [round(t, 3) for t in timings],
        "sessions_per_second": round(count / median),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.sessions, args.repeat)))


if __name__ == "__main__":
    main()
