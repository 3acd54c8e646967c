"""What the ccsim subcommands share: exit codes, bad-input errors, argument types, and
outputs that appear whole or not at all (:mod:`sim.outputs`: staged in temporary files,
then moved into place; devices and FIFOs written in place, never replaced)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .outputs import atomic_file, staged_outputs

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "BadInput",
    "atomic_file",
    "emit_json",
    "non_negative_int",
    "positive_int",
    "staged_outputs",
]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A problem with what the user gave us (reported with exit code 2)."""


def emit_json(text: str, target: str) -> None:
    """Write ``text`` and a newline to ``target``: a file, or standard output for ``-``."""
    if target == "-":
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
