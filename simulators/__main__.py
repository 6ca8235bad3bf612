"""``python -m simulators`` (or ``csms-sim``): run simulated stations against a central system.

Example: one 2.0.1 quick charger, one 30-minute session at 600x speed::

    python -m simulators --url ws://127.0.0.1:9000/ocpp --version 2.0.1 \
        --profile quick-dc-50kw --duration-min 30 --speed 600
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence

from simulators.scenario import run_many
from simulators.station import PROFILES


def _parser() -> argparse.ArgumentParser:
    """The command line: where to connect, which stations, how long and how fast."""
    parser = argparse.ArgumentParser(prog="csms-sim", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default="ws://127.0.0.1:9000/ocpp",
        help="websocket base URL; the station id is appended",
    )
    parser.add_argument(
        "--version", choices=["1.6", "2.0.1"], help="protocol (default: alternate 1.6 and 2.0.1)"
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="normal-ac-6kw")
    parser.add_argument("--stations", type=int, default=1, help="stations at once")
    parser.add_argument("--prefix", default="SIM", help="station id prefix")
    parser.add_argument("--sessions", type=int, default=1, help="sessions per station")
    parser.add_argument("--duration-min", type=float, default=30, help="simulated minutes")
    parser.add_argument("--sample-min", type=float, default=5, help="meter value interval")
    parser.add_argument("--speed", type=float, default=600, help="simulated seconds per second")
    parser.add_argument("--id-tag", action="append", help="card id(s) to use (default: random)")
    parser.add_argument(
        "--dcbm",
        action="store_true",
        help="quick chargers sign each session with an emulated LEM DCBM",
    )
    return parser


def _print_screens() -> None:
    """Each thing a station shows its driver, one line on stderr as it arrives."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    screen = logging.getLogger("simulators.display")
    screen.addHandler(handler)
    screen.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the stations given on the command line; print one JSON line per session (and
    what each screen shows, on stderr: ``SIM-00000 display running 123 ...``)."""
    args = _parser().parse_args(argv)
    _print_screens()
    summaries = asyncio.run(
        run_many(
            args.url,
            args.stations,
            version=args.version,
            prefix=args.prefix,
            profile=args.profile,
            sessions=args.sessions,
            duration_s=args.duration_min * 60,
            sample_interval_s=args.sample_min * 60,
            speed=args.speed,
            id_tags=args.id_tag,
            dcbm=args.dcbm,
        )
    )
    for summary in summaries:
        print(json.dumps(summary.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
