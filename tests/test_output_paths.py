"""Output paths: devices and FIFOs are written in place, never replaced by a rename.

Nothing here touches the machine's real device files: the devices are private nodes
made in the test's temporary directory (``os.mknod``, root only) and the FIFOs are
named pipes made there, drained by a reader in this process.
"""

from __future__ import annotations

import io
import json
import os
import select
import socket
import stat
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.cli import RUN_OUT_FILES, main

from .test_cli import SMALL, ccsim

NULL_DEVICE = os.makedev(1, 3)
"""Linux's /dev/null: major 1, minor 3."""

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")

SWEEP = {"base": SMALL, "grid": {"groups.agents.agents": [7, 9]}, "replications": 2}
"""2 variants x 2 replications of the small queue."""


def null_device(path: Path) -> Path:
    """A private /dev/null at ``path`` (a character device 1,3): writes vanish."""
    os.mknod(path, stat.S_IFCHR | 0o666, NULL_DEVICE)
    return path


def is_null_device(path: Path) -> bool:
    st = os.lstat(path)
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == NULL_DEVICE


def is_fifo(path: Path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


class FifoReader:
    """Drains a FIFO from a thread of this process.

    The read end is open (non-blocking) before anyone writes, so a writer's open never
    waits and the pipe never fills. If the FIFO is renamed over instead of written, the
    reader simply gets nothing: a test fails, it does not hang.
    """

    def __init__(self, path: Path):
        os.mkfifo(path)
        self.path = path
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._chunks: list[bytes] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            chunk = b""
            if ready:
                try:
                    chunk = os.read(self._fd, 1 << 16)
                except BlockingIOError:  # a writer is connected, nothing sent yet
                    continue
            if chunk:
                self._chunks.append(chunk)
                continue
            if self._done.is_set():  # no data left and the writer has finished
                return
            time.sleep(0.01)  # no writer yet (or between writers)

    def text(self) -> str:
        """Everything written so far, once the writer has closed its end."""
        self._done.set()
        self._thread.join(timeout=10)
        os.close(self._fd)
        return b"".join(self._chunks).decode("utf-8")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(yaml.safe_dump(SMALL))
    return p


def leftovers(directory: Path) -> list[str]:
    """Staged temporary files left in ``directory`` (there should be none)."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# -- item 6: a device or FIFO is written, not replaced ---------------------------------


@needs_root
def test_json_to_a_null_device_writes_through_it(small: Path, tmp_path: Path):
    """`ccsim run X --json /dev/null` used to rename a file over the device."""
    null = null_device(tmp_path / "null")
    assert main(["run", str(small), "--json", str(null)]) == 0
    assert is_null_device(null)
    assert leftovers(tmp_path) == []


def test_json_to_a_fifo_reaches_its_reader(small: Path, tmp_path: Path):
    reader = FifoReader(tmp_path / "pipe")
    assert main(["run", str(small), "--json", str(reader.path), "-r", "2"]) == 0
    data = json.loads(reader.text())
    assert data["replications"] == 2 and "voice" in data["channels"]
    assert is_fifo(reader.path)
    assert leftovers(tmp_path) == []


def test_cli_json_to_a_fifo_and_a_link_to_a_device(small: Path, tmp_path: Path):
    """The installed command line too; a symbolic link is followed, never replaced."""
    reader = FifoReader(tmp_path / "pipe")
    r = ccsim("run", str(small), "--json", str(reader.path))
    assert r.returncode == 0, r.stderr
    assert json.loads(reader.text())["replications"] == SMALL["replications"]
    assert is_fifo(reader.path)
    if os.geteuid() == 0:
        link = tmp_path / "stdout"  # like /dev/stdout: a link to a device
        link.symlink_to(null_device(tmp_path / "null"))
        r = ccsim("run", str(small), "--json", str(link))
        assert r.returncode == 0, r.stderr
        assert link.is_symlink() and is_null_device(link.resolve())
    assert leftovers(tmp_path) == []


def test_a_link_to_a_regular_file_keeps_the_link(small: Path, tmp_path: Path):
    real = tmp_path / "results" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "r.json"
    link.symlink_to(real)
    assert main(["run", str(small), "--json", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real
    assert json.loads(real.read_text())["replications"] == SMALL["replications"]
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


@needs_root
def test_staff_csv_and_scenario_to_null_devices(small: Path, tmp_path: Path):
    null = null_device(tmp_path / "null")
    assert main(["staff", str(small), "--out", str(null), "--json", str(null)]) == 0
    assert is_null_device(null)
    assert leftovers(tmp_path) == []


def test_run_out_dir_writes_into_a_fifo_it_holds(small: Path, tmp_path: Path):
    """A FIFO (or device) inside the --out directory is written, the rest replaced."""
    out = tmp_path / "out"
    out.mkdir()
    reader = FifoReader(out / "summary.csv")
    assert main(["run", str(small), "--out", str(out)]) == 0
    assert reader.text().startswith("channel,kpi,mean,ci95,n\n")
    assert is_fifo(out / "summary.csv")
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_OUT_FILES)
    assert leftovers(out) == []


def test_sweep_table_to_a_fifo(tmp_path: Path):
    reader = FifoReader(tmp_path / "r.csv")
    table = sim.sweep(SWEEP, out=reader.path, workers=1)
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(reader.text())), table)
    assert is_fifo(reader.path)
    assert len(list((tmp_path / "r.csv.parts").glob("*.parquet"))) == 2


def test_sweep_parts_and_table_are_synced_before_their_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The sweep writes through the shared writer and keeps its fsync (resumability)."""
    synced: list[str] = []
    replace = os.replace
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def checked_replace(src: str | Path, dst: str | Path) -> None:
        assert str(src) in synced, f"{dst} moved into place before its content was synced"
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", checked_replace)
    sim.sweep(SWEEP, out=tmp_path / "r.parquet", workers=1)
    assert len(synced) == 3  # two parts and the table
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "r.parquet.parts") == []


def test_a_socket_is_refused_not_replaced(small: Path, tmp_path: Path):
    """Only regular files are ever replaced; a socket is neither file nor device."""
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert main(["run", str(small), "--json", str(path)]) == 2
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()
