"""What the ccsim subcommands share: exit codes, bad-input errors, argument types, the
pre-flight check of output locations, and outputs that appear whole or not at all
(:mod:`sim.outputs`: staged in temporary files, then moved into place; devices and FIFOs
written in place, never replaced)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from sim.config.outputs import OutputKind, atomic_file, output_problem, staged_outputs

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "STDOUT",
    "BadInput",
    "atomic_file",
    "check_output",
    "check_outputs_in",
    "emit_json",
    "non_negative_int",
    "positive_int",
    "staged_outputs",
]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

STDOUT = "-"
"""The ``--json`` target meaning standard output."""


class BadInput(Exception):
    """A problem with what the user gave us (reported with exit code 2)."""


def check_output(
    path: str | Path | None,
    *,
    option: str,
    kind: OutputKind = "file",
    parents: bool = False,
    allow_stdout: bool = False,
) -> None:
    """Refuse a bad output location before any work: :class:`BadInput` naming the option,
    the path and the problem (see :func:`sim.config.outputs.output_problem`).

    Parameters
    ----------
    path : the option's value; None or empty: the option was not given.
    option : the option's name for the message, e.g. ``"--json"``.
    kind : ``"file"`` or ``"dir"``.
    parents : the command creates missing directories above ``path``.
    allow_stdout : ``-`` means standard output (always fine).
    """
    if path is None or str(path) == "" or (allow_stdout and str(path) == STDOUT):
        return
    problem = output_problem(path, kind=kind, parents=parents)
    if problem is not None:
        raise BadInput(f"{option}: {path}: {problem}")


def check_outputs_in(directory: str | Path | None, names: Iterable[str], *, option: str) -> None:
    """Pre-flight of an output directory (created if missing) and the files ``names`` a
    command writes in it: :class:`BadInput` for the first problem."""
    if directory is None or str(directory) == "":
        return
    check_output(directory, option=option, kind="dir", parents=True)
    for name in names:
        check_output(Path(directory) / name, option=option, parents=True)


def emit_json(text: str, target: str) -> None:
    """Write ``text`` and a newline to ``target``: a file, or standard output for ``-``."""
    if target == STDOUT:
        sys.stdout.write(text + "\n")
        return
    with atomic_file(Path(target)) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def positive_int(text: str) -> int:
    v = non_negative_int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return v


def non_negative_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return v
