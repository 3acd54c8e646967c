"""``ccsim app [SCENARIO]``: the Streamlit app from the installed package.

Checks the scenario first (exit 2 with the problem, before Streamlit starts), then runs
``python -m streamlit run <app.py> -- SCENARIO`` as a child process and
waits for it; SIGTERM is passed on to it, and Ctrl-C reaches it from the terminal.
Streamlit is imported only in the child, so this module loads nothing heavy.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.cli.io import BadInput
from sim.config.scenario import load_scenario
from sim.config.shipped import DEFAULT_SCENARIO

SCENARIO_SUFFIXES = (".yaml", ".yml")
"""What the app takes as its start file (``app.start_file``)."""


def app_file() -> Path:
    """The app's file: ``sim/ui/app.py`` in an installed wheel, the top-level ``app.py``
    of a checkout (source tree or editable install). Found without importing it: no
    Streamlit in this process."""
    try:
        spec = importlib.util.find_spec("sim.ui.app")
    except ModuleNotFoundError:  # a checkout: sim/ui exists only in a wheel
        spec = None
    if spec is not None and spec.origin is not None:
        return Path(spec.origin)
    checkout = Path(__file__).resolve().parents[2] / "app.py"
    if checkout.is_file():
        return checkout
    raise RuntimeError("the app (sim.ui.app) is not installed")  # pragma: no cover


def port_number(text: str) -> int:
    """argparse type: a TCP port, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, got {value}")
    return value


def add_app_parser(sub: Any) -> None:
    """Add the ``app`` subcommand to the ``ccsim`` subparsers ``sub``."""
    sp = sub.add_parser(
        "app",
        help="open the planner's app in the browser (Streamlit)",
        description="Serve the Streamlit app on a scenario (default: the shipped "
        f"{DEFAULT_SCENARIO.name}). Stop it with Ctrl-C.",
    )
    sp.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help=f"scenario YAML file to open (default: the shipped {DEFAULT_SCENARIO.name})",
    )
    sp.add_argument("--port", type=port_number, default=None, help="port (default 8501)")
    sp.add_argument(
        "--address", default=None, help="address to listen on (default: all interfaces)"
    )
    sp.add_argument(
        "--headless", action="store_true", help="do not open a browser window (servers, CI)"
    )
    sp.set_defaults(func=cmd_app)


def scenario_path(given: str | None) -> Path:
    """The scenario to open, checked: :class:`~sim.config.scenario.ScenarioError` or
    :class:`~sim.cli.io.BadInput` (exit 2) when it cannot be read or is invalid."""
    if given is None:
        path = DEFAULT_SCENARIO
    else:
        path = Path(given)
        if path.suffix.lower() not in SCENARIO_SUFFIXES:
            raise BadInput(f"{given}: the app opens .yaml or .yml scenario files")
    load_scenario(path)  # unreadable or invalid: the message names the file and field
    return path.resolve()


def streamlit_command(
    scenario: Path, *, port: int | None = None, address: str | None = None, headless: bool = False
) -> list[str]:
    """The ``python -m streamlit run`` command line serving the app on ``scenario``."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file())]
    cmd += ["--browser.gatherUsageStats", "false"]
    if port is not None:
        cmd += ["--server.port", str(port)]
    if address is not None:
        cmd += ["--server.address", address]
    if headless:
        cmd += ["--server.headless", "true"]
    return [*cmd, "--", str(scenario)]


def run_streamlit(cmd: Sequence[str]) -> int:
    """Run ``cmd`` and wait for it; its exit code (128 + N when signal N ended it).

    A terminal's Ctrl-C goes to the whole process group, so Streamlit gets it and shuts
    down while this process keeps waiting; SIGTERM sent to this process is passed on."""
    proc = subprocess.Popen(list(cmd))
    restore: list[tuple[int, Any]] = []
    if threading.current_thread() is threading.main_thread():

        def forward(signum: int, _frame: object) -> None:
            proc.send_signal(signum)

        restore.append((signal.SIGTERM, signal.signal(signal.SIGTERM, forward)))
        restore.append((signal.SIGINT, signal.signal(signal.SIGINT, signal.SIG_IGN)))
    try:
        code = proc.wait()
    finally:
        for signum, handler in restore:
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code


def cmd_app(args: argparse.Namespace) -> int:
    path = scenario_path(args.scenario)
    cmd = streamlit_command(path, port=args.port, address=args.address, headless=args.headless)
    print(f"ccsim app: serving {path}", file=sys.stderr)
    return run_streamlit(cmd)
