"""Helpers the CLI tests share: the ``ccsim`` runner, a small scenario, shift templates.

``ccsim(...)`` runs the command in this process (``sim.cli.main``), which is fast; a
few smoke tests use ``ccsim_subprocess(...)`` to run the real ``python -m sim``.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from .helpers import ROOT, single_queue

SMALL = single_queue(
    per_interval=50, aht=180, agents=8, patience=300, periods=8, warmup_minutes=0, replications=3
)


def ccsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``ccsim ARGS`` in this process: exit code, stdout and stderr (as a subprocess)."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        os.chdir(cwd or ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(list(args))
            except SystemExit as exc:  # argparse: usage errors, --help
                rc = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["ccsim", *args], rc, out.getvalue(), err.getvalue())


def ccsim_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` in a child process (smoke tests of the real entry point)."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


TEMPLATES = """\
templates:
  - name: full
    length_minutes: 480
    starts: ["08:00"]
    breaks: [{length_minutes: 30, earliest: 180, latest: 300}]
  - name: part
    length_minutes: 240
    starts: ["08:00", "12:00"]
    every_minutes: 30
"""
