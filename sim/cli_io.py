"""What the ccsim subcommands share: exit codes, bad-input errors, argument types, and
outputs that appear whole or not at all (written to a temporary file, then moved)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "BadInput",
    "atomic_dir",
    "atomic_file",
    "emit_json",
    "non_negative_int",
    "positive_int",
]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

_UMASK = os.umask(0)  # read once (os.umask can only be read by setting it) ...
os.umask(_UMASK)  # ... and put back at once


class BadInput(Exception):
    """A problem with what the user gave us (reported with exit code 2)."""


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Write to a temporary file beside ``path``, then move it into place (with the
    permissions a plain new file would get, not mkstemp's owner-only ones)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Fill a temporary directory, then move its files into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path, prefix=".partial-"))
    try:
        yield tmp
        for f in tmp.iterdir():
            os.replace(f, path / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def emit_json(text: str, target: str) -> None:
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
