"""Resumable sweep output: finished variants as parts, the table written atomically.

For an output ``results.parquet`` the finished variants live in
``results.parquet.parts/<key>.parquet``, one file per variant, each written to a
temporary file and moved into place, so a part is either complete or absent. When
every variant is finished they are joined into the output, again through a
temporary file and :func:`os.replace`: the output is never half-written. A rerun
with the same output finds the parts and runs only what is missing; a variant's
key hashes its resolved scenario, seed, replications and the ccsim version, so a
changed sweep reuses exactly the variants that did not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from sim.config.outputs import atomic_file, output_problem
from sim.sweeps.spec import SweepError

__all__ = ["FORMATS", "PartStore", "output_format"]

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
"""Output formats by file extension."""


def output_format(path: str | Path) -> str:
    """``"parquet"`` or ``"csv"`` from the extension of ``path``; SweepError otherwise."""
    path = Path(path)
    if path.is_dir():
        raise SweepError([f"out: {path} is a directory"])
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SweepError(
            [f"out: {path} must end in .parquet, .pq or .csv (the format follows the extension)"]
        )
    return fmt


class PartStore:
    """The output file of a sweep and the directory of its finished variants."""

    def __init__(self, out: str | Path):
        """Check the output and parts locations (SweepError naming the path and the
        problem); nothing is created until :meth:`prepare`."""
        self.out = Path(out)
        self.parts = self.out.with_name(self.out.name + ".parts")
        for path, problem in (
            (self.out, output_problem(self.out, parents=True)),
            (self.parts, output_problem(self.parts, kind="dir", parents=True)),
        ):
            if problem is not None:
                raise SweepError([f"out: {path}: {problem}"])
        self.format = output_format(self.out)

    def part(self, key: str) -> Path:
        return self.parts / f"{key}.parquet"

    def finished(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` have a complete part."""
        if not self.parts.is_dir():
            return set()
        present = {p.stem for p in self.parts.glob("*.parquet")}
        return {k for k in keys if k in present}

    def prepare(self) -> None:
        """Create the parts directory and drop temporary files left by a killed run."""
        self.parts.mkdir(parents=True, exist_ok=True)
        stale = [*self.parts.glob(".*.tmp"), *self.out.parent.glob(f".{self.out.name}.*.tmp")]
        for path in stale:
            path.unlink(missing_ok=True)

    def write(self, key: str, rows: pd.DataFrame) -> None:
        """Save one finished variant's rows (atomic, synced to disk before the rename)."""
        with atomic_file(self.part(key), durable=True) as tmp:
            rows.to_parquet(tmp, index=False)

    def read(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(self.part(key))

    def write_output(self, table: pd.DataFrame) -> None:
        """Write the whole sweep table to the output file (atomic and synced, or in place
        for a character device or FIFO)."""
        with atomic_file(self.out, durable=True) as tmp:
            if self.format == "parquet":
                table.to_parquet(tmp, index=False)
            else:
                table.to_csv(tmp, index=False)
