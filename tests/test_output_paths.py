"""Output paths: devices and FIFOs are written in place, never replaced by a rename;
every bad output location of every command is refused before any work (exit 2, a
message naming the path and the problem, nothing written).

Nothing here touches the machine's real device files: the devices are private nodes
made in the test's temporary directory (``os.mknod``, root only) and the FIFOs are
named pipes made there, drained by a reader in this process.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import sim
import sim.present.report
from sim.cli.ccsim import RUN_OUT_FILES, main
from sim.config.outputs import staged_outputs
from sim.present.report import chart_names, png_name

from .cli_helpers import SMALL, TEMPLATES, ccsim
from .forecast_helpers import synthetic_history, synthetic_records
from .helpers import ROOT, SCENARIOS

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


# -- item 7: every output location checked before any work -----------------------------

NOBODY = 65534
"""The unprivileged user a root test runs as to meet a directory it cannot write."""


@dataclass(frozen=True)
class Output:
    """One output option of one command."""

    command: str
    option: str
    kind: str  # "file", "dir" (created if missing) or "table" (sweep: file + .parts dir)
    name: str  # the file or directory name the cases use

    @property
    def label(self) -> str:
        """How the error message names the option (the sweep API's ``out``)."""
        return "out" if self.kind == "table" else self.option


OUTPUTS = [
    Output("run", "--json", "file", "r.json"),
    Output("run", "--out", "dir", "out"),
    Output("compare", "--json", "file", "c.json"),
    Output("staff", "--json", "file", "s.json"),
    Output("staff", "--out", "file", "s.csv"),
    Output("staff", "--scenario-out", "file", "planned.yaml"),
    Output("report", "--out", "file", "r.html"),
    Output("report", "--png-dir", "dir", "png"),
    Output("sweep", "--out", "table", "r.csv"),
    Output("forecast", "--out", "file", "fc.csv"),
    Output("forecast", "--write-scenario", "file", "new.yaml"),
    Output("backtest", "--out", "file", "cv.csv"),
    Output("calibrate", "--out", "file", "frag.yaml"),
    Output("replay", "--csv", "file", "days.csv"),
    Output("replay", "--chart", "file", "chart.html"),
    Output("replay", "--json", "file", "rep.json"),
]
"""Every output option of every command that writes files."""

# (case, kinds it applies to, bad location relative to the work directory, problem)
CASES = [
    ("under_a_file", ("file", "dir", "table"), "afile/{name}", r"afile is not a directory"),
    ("missing_directory", ("file",), "nodir/{name}", r"directory \S*nodir does not exist"),
    ("existing_directory", ("file", "table"), "adir", r"adir: is a directory, not a file"),
    ("existing_file", ("dir",), "afile", r"afile: exists and is not a directory"),
    ("holds_a_directory", ("dir",), "taken", r"taken/\S+: is a directory, not a file"),
    ("parts_is_a_file", ("table",), "clash.csv", r"clash.csv.parts: exists and is not a dir"),
    ("unwritable", ("file", "dir", "table"), "ro/{name}", r"ro is not writable|in \S*ro \("),
    ("inaccessible", ("file", "dir", "table"), "locked/{name}", r"cannot access \S*locked/"),
]
LIMITED = {"unwritable", "inaccessible"}
"""Cases about permissions: met as user nobody when the tests run as root."""


def _cases() -> list[tuple[Output, str, str, str]]:
    return [
        (out, case, where.format(name=out.name), problem)
        for out in OUTPUTS
        for case, kinds, where, problem in CASES
        if out.kind in kinds
    ]


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    """Inputs for every command and the bad locations, in a directory every user can
    read (a root test meets the unwritable directory as user nobody)."""
    d = Path(tempfile.mkdtemp(prefix="ccsim-output-paths-"))
    d.chmod(0o755)
    (d / "small.yaml").write_text(yaml.safe_dump(SMALL))
    (d / "sweep.yaml").write_text(yaml.safe_dump(SWEEP))
    (d / "templates.yaml").write_text(TEMPLATES)
    synthetic_history(weeks=3).to_csv(d / "history.csv", index=False)
    synthetic_records(n=500).to_csv(d / "records.csv", index=False)
    (d / "afile").write_text("a regular file\n")
    (d / "adir").mkdir()
    (d / "taken").mkdir()
    for name in ("summary.csv", "required_vs_scheduled.png"):  # a file a command writes
        (d / "taken" / name).mkdir()
    (d / "clash.csv.parts").write_text("not the sweep's parts directory\n")
    (d / "ro").mkdir(mode=0o755)
    (d / "locked").mkdir(mode=0o700)  # root's, or (not root) 0000: no one else looks in
    (d / "open").mkdir()
    (d / "open").chmod(0o777)  # the fine outputs go here, whoever the test runs as
    if os.geteuid() != 0:
        (d / "ro").chmod(0o555)
        (d / "locked").chmod(0)
    yield d
    (d / "ro").chmod(0o755)
    (d / "locked").chmod(0o700)
    shutil.rmtree(d)


@contextmanager
def without_write_access() -> Iterator[None]:
    """As root, act as user nobody (for whom the root-owned ``ro`` is read-only and
    ``locked`` closed: root itself passes any permission bits); otherwise ``ro`` is
    0555 and ``locked`` 0000."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


def command_line(work: Path, command: str, outputs: dict[str, str]) -> list[str]:
    """``command`` on valid inputs with every output option it has: ``outputs``'
    values, and a fine new path in ``work/open`` for the others."""
    inputs = {
        "run": ["small.yaml"],
        "compare": ["small.yaml", "small.yaml"],
        "staff": ["small.yaml", "--shifts", "templates.yaml"],
        "report": ["small.yaml"],
        "sweep": ["sweep.yaml"],
        "forecast": ["history.csv", "--scenario", "small.yaml"],
        "backtest": ["history.csv"],
        "calibrate": ["records.csv"],
        "replay": ["records.csv", "records.csv"],
    }[command]
    argv = [command]
    for arg in inputs:
        argv.append(str(work / arg) if arg.endswith((".yaml", ".csv")) else arg)
    for out in OUTPUTS:
        if out.command == command:
            argv += [out.option, outputs.get(out.option, str(work / "open" / out.name))]
    return argv


def tree(directory: Path) -> dict[str, str]:
    """Every entry under ``directory`` (hidden ones too) with its type and content."""
    found = {}
    for p in sorted(directory.rglob("*")):
        if p.is_dir():
            found[str(p.relative_to(directory))] = "dir"
        else:
            found[str(p.relative_to(directory))] = p.read_text()
    return found


WORK = {
    "run": "sim.measure.runner.simulate",
    "compare": "sim.measure.runner.simulate",
    "staff": "sim.cli.staff.requirements",
    "report": "sim.present.report.build_report",
    "sweep": "sim.cli.sweep.sweep",
    "forecast": "forecasting.forecast.forecast_series",
    "backtest": "forecasting.backtest.backtest",
    "calibrate": "forecasting.calibrate.calibrate",
    "replay": "sim.measure.replay.replay",
}
"""The function that starts each command's work."""


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail (exit 1) if any command starts its work."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work started before the outputs were checked")

    for target in set(WORK.values()):
        module, name = target.rsplit(".", 1)  # the module, not a same-named function
        monkeypatch.setattr(importlib.import_module(module), name, refuse)


@pytest.mark.parametrize(
    ("output", "case", "where", "problem"),
    _cases(),
    ids=[f"{o.command}{o.option}-{case}" for o, case, _, _ in _cases()],
)
def test_bad_output_location_exits_2_before_any_work(
    work: Path,
    no_work: None,
    capsys: pytest.CaptureFixture[str],
    output: Output,
    case: str,
    where: str,
    problem: str,
):
    """Exit 2 (never 1, never a traceback), the message names the option, the path and
    the problem; nothing is written, not even the command's other (fine) outputs."""
    bad = str(work / where)
    argv = command_line(work, output.command, {output.option: bad})
    before = tree(work)
    with without_write_access() if case in LIMITED else nullcontext():
        code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "Traceback" not in captured.err
    assert f"{output.label}: {bad}" in captured.err, captured.err
    assert re.search(problem, captured.err), captured.err
    assert captured.out == ""
    assert tree(work) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_directory_root_cannot_write_in_is_refused(small: Path, no_work: None):
    """Permission bits do not stop root, so the check also creates a file: /proc passes
    os.access for root but accepts no new file (nothing is written there)."""
    assert main(["run", str(small), "--json", "/proc/ccsim-output-test.json"]) == 2


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"--out": "open/out", "--json": "adir"}, "--json: {work}/adir: is a directory"),
        ({"--out": "afile/out"}, "--out: {work}/afile/out: {work}/afile is not a directory"),
    ],
)
def test_cli_run_bad_output_exits_2_and_writes_nothing(
    work: Path, outputs: dict[str, str], message: str
):
    """The other output (--out DIR, --json PATH) is not written either."""
    args = command_line(work, "run", {k: str(work / v) for k, v in outputs.items()})
    before = tree(work)
    r = ccsim(*args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert message.format(work=work) in r.stderr
    assert tree(work) == before


@pytest.mark.parametrize(
    ("command", "outputs", "message"),
    [
        ("sweep", {"--out": "afile/r.csv"}, "out: {work}/afile/r.csv: "),
        ("report", {"--png-dir": "afile/png"}, "--png-dir: {work}/afile/png: "),
    ],
)
def test_cli_bad_output_exits_2_and_writes_nothing(
    work: Path, command: str, outputs: dict[str, str], message: str
):
    args = command_line(work, command, {k: str(work / v) for k, v in outputs.items()})
    before = tree(work)
    r = ccsim(*args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert message.format(work=work) + f"{work}/afile is not a directory" in r.stderr
    assert tree(work) == before


# -- item 7: a command that writes several files writes all of them or none -------------

PNG = b"\x89PNG\r\n\x1a\n"


def then(monkeypatch: pytest.MonkeyPatch, target: str, action: Callable[[], object]) -> None:
    """Call ``action`` right after the work function ``target`` returns: an output
    location that goes bad while the command works, after the pre-flight check."""
    module_name, name = target.rsplit(".", 1)
    module = importlib.import_module(module_name)
    work = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = work(*args, **kwargs)
        action()
        return result

    monkeypatch.setattr(module, name, wrapped)


def test_a_stage_commits_every_file_or_none(tmp_path: Path):
    old = tmp_path / "b.csv"
    old.write_text("old")
    with pytest.raises(RuntimeError), staged_outputs() as stage:
        stage.file(tmp_path / "new" / "deeper" / "a.csv").write_text("a")
        stage.file(old).write_text("new")
        raise RuntimeError("the last writer failed")
    assert old.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["b.csv"]  # no temps, no new dirs


def test_run_out_and_json_are_written_together(small: Path, tmp_path: Path):
    out, js = tmp_path / "new" / "out", tmp_path / "r.json"
    assert main(["run", str(small), "--out", str(out), "--json", str(js)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_OUT_FILES)
    assert json.loads(js.read_text()) == json.loads((out / "result.json").read_text())


def test_run_writes_no_csv_when_its_json_cannot_be_written(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out, js = tmp_path / "out", tmp_path / "r.json"
    # --json becomes a directory while the command works
    then(monkeypatch, "sim.measure.runner.simulate", js.mkdir)
    assert main(["run", str(small), "--out", str(out), "--json", str(js)]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "small.yaml"]


def test_staff_writes_none_of_its_three_outputs_unless_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    templates = tmp_path / "templates.yaml"
    templates.write_text(TEMPLATES)
    csv, planned, js = tmp_path / "s.csv", tmp_path / "planned.yaml", tmp_path / "s.json"
    then(monkeypatch, "sim.cli.staff.requirements", js.mkdir)
    argv = ["staff", str(SCENARIOS / "reallocation_demo.yaml"), "--shifts", str(templates)]
    argv += ["--out", str(csv), "--scenario-out", str(planned), "--json", str(js)]
    assert main(argv) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "templates.yaml"]


def test_report_writes_no_png_when_its_page_cannot_be_written(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    html, png = tmp_path / "r.html", tmp_path / "png"
    monkeypatch.setattr("sim.present.report.render_png", lambda chart, scale=2.0: PNG)
    build_report = sim.present.report.build_report
    then(monkeypatch, "sim.present.report.build_report", html.mkdir)
    argv = ["report", str(small), "--out", str(html), "--png-dir", str(png), "-r", "2"]
    assert main(argv) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "small.yaml"]
    html.rmdir()  # and once the page can be written, every file is
    monkeypatch.setattr("sim.present.report.build_report", build_report)
    assert main(argv) == 0
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in png.iterdir()) == [
        png_name(c) for c in sorted(chart_names(whatif=False))
    ]


def test_forecast_writes_neither_file_unless_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    history = tmp_path / "history.csv"
    synthetic_history(weeks=3).to_csv(history, index=False)
    csv, new = tmp_path / "fc.csv", tmp_path / "new.yaml"
    then(monkeypatch, "forecasting.forecast.forecast_series", new.mkdir)
    argv = ["forecast", str(history), "--interval-minutes", "15", "--model", "snaive_week"]
    argv += ["--scenario", str(SCENARIOS / "retail_bank.yaml")]
    argv += ["--out", str(csv), "--write-scenario", str(new)]
    assert main(argv) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "new.yaml"]


# -- open descriptors: /dev/stdout, /dev/fd/N ------------------------------------------
def _sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in a shell (which opens the redirections), with this interpreter's sim."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_json_to_dev_stdout_appended_to_a_log_keeps_the_log(small: Path, tmp_path: Path):
    """`--json /dev/stdout >> log`: the JSON is appended through the shell's descriptor;
    the log is neither replaced by a rename nor truncated."""
    log = tmp_path / "log.txt"
    log.write_text("OLD LOG LINE\n")
    r = _sh(f'"{sys.executable}" -m sim run "{small}" --json /dev/stdout >> log.txt', tmp_path)
    assert r.returncode == 0, r.stderr
    text = log.read_text()
    assert text.startswith("OLD LOG LINE\n")
    assert '"channels"' in text and "journeys" in text  # the JSON and the KPI table


def test_json_to_dev_stdout_through_a_pipe(small: Path, tmp_path: Path):
    r = _sh(f'"{sys.executable}" -m sim run "{small}" --json /dev/stdout | cat', tmp_path)
    assert r.returncode == 0, r.stderr
    assert '"channels"' in r.stdout


def test_json_to_an_open_descriptor_and_a_closed_one(small: Path, tmp_path: Path):
    r = _sh(f'"{sys.executable}" -m sim run "{small}" --json /dev/fd/3 3> fd3.txt', tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "fd3.txt").read_text())["channels"]
    r = _sh(f'"{sys.executable}" -m sim run "{small}" --json /dev/fd/7', tmp_path)
    assert r.returncode == 2 and "descriptor 7 is not open" in r.stderr
