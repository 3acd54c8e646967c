"""Start-up: wall time of ``ccsim validate FILE`` in a fresh process (median of runs).

Run from the project root: ``python -m benchmarks.startup`` (part of ``make bench``).
The reference is a bare ``python -c pass`` timed in the same rounds, so the figure
can be read as the command's own cost on top of the interpreter's start.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.7


def wall(argv: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--scenario", default="scenarios/retail_bank.yaml")
    args = p.parse_args(argv)
    command = [sys.executable, "-m", "sim", "validate", args.scenario]
    bare = [sys.executable, "-c", "pass"]
    runs = [(wall(command), wall(bare)) for _ in range(args.repeats)]
    cmd = statistics.median(r[0] for r in runs)
    ref = statistics.median(r[1] for r in runs)
    verdict = "met" if cmd <= TARGET_SECONDS else "NOT met"
    print(
        f"start-up: ccsim validate {args.scenario}: {cmd:.2f} s wall, median of "
        f"{args.repeats} (bare python {ref:.2f} s); target <= {TARGET_SECONDS} s: {verdict}"
    )


if __name__ == "__main__":
    main()
