"""Batch sweeps: expansion, validation up front, identical results on every backend, resume."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pytest
import yaml

import sim
from sim.sweeps.backends import SerialBackend, split
from sim.sweeps.tasks import replication_rows

from .helpers import ROOT, single_queue

BASE = single_queue(
    per_interval=40, aht=180, agents=6, patience=300, periods=8, warmup_minutes=0, seed=5
)
SPEC: dict[str, Any] = {
    "base": BASE,
    "grid": {"groups.agents.agents": [5, 7], "channels.voice.patience.mean": [120, 600]},
    "zip": {
        "channels.voice.handle_time.mean": [150, 200],
        "channels.voice.service_level.threshold": [20, 30],
    },
    "replications": 3,
    "seed": 11,
}
"""2 x 2 grid x 2 zip rows = 8 variants x 3 replications, a few ms each."""


def ccsim(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
        **kw,
    )


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any replication is simulated (serial backend, this process)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replication ran before the sweep was validated")

    monkeypatch.setattr("sim.sweeps.tasks.simulate_replication", refuse)


def test_expansion_order_and_parameter_columns():
    """Explicit variants x grid (last key fastest) x zip rows; run_id follows that order."""
    spec = {
        "base": BASE,
        "variants": [{}, {"channels.voice.arrivals": 30}],
        "grid": {"groups.agents.agents": [5, 7]},
        "zip": {"channels.voice.patience.mean": [120, 600], "journeys.max_attempts": [2, 4]},
        "replications": 2,
    }
    plan = sim.plan_sweep(spec)
    assert plan.seed == BASE["seed"] and plan.replications == 2
    assert plan.parameters == (
        "channels.voice.arrivals",
        "groups.agents.agents",
        "channels.voice.patience.mean",
        "journeys.max_attempts",
    )
    assert [dict(v.changes) for v in plan.variants[:3]] == [
        {
            "groups.agents.agents": 5,
            "channels.voice.patience.mean": 120,
            "journeys.max_attempts": 2,
        },
        {
            "groups.agents.agents": 5,
            "channels.voice.patience.mean": 600,
            "journeys.max_attempts": 4,
        },
        {
            "groups.agents.agents": 7,
            "channels.voice.patience.mean": 120,
            "journeys.max_attempts": 2,
        },
    ]
    assert len(plan.variants) == 2 * 2 * 2
    assert plan.variants[5].scenario.channels["voice"].arrivals == 30
    assert plan.variants[5].scenario.groups["agents"].agents == 5
    assert plan.variants[5].scenario.journeys.max_attempts == 4

    table = sim.sweep(plan, workers=1)
    assert len(table) == 8 * 2  # one channel
    assert list(table.columns[:8]) == [
        "run_id",
        "replication",
        "seed",
        *plan.parameters,
        "channel",
    ]
    # the value used, also where the variant left the base's value
    first = table.drop_duplicates("run_id").set_index("run_id")
    assert first["channels.voice.arrivals"].tolist() == [40.0] * 4 + [30.0] * 4
    assert first["groups.agents.agents"].tolist() == [5, 5, 7, 7] * 2
    assert table["groups.agents.agents"].dtype == "int64"
    assert {"group.agents.occupancy", "journey.customers", "journey.max_attempts"} <= set(
        table.columns
    )


def test_rows_are_the_replications_kpis_with_common_random_numbers():
    """Each row is simulate_replication's output; every variant sees the same customers."""
    plan = sim.plan_sweep(SPEC)
    table = sim.sweep(plan, workers=1)
    assert len(table) == 8 * 3
    v = plan.variants[6]
    direct = replication_rows(sim.simulate_replication(v.scenario, 2, 11), 11)
    row = table[(table["run_id"] == 6) & (table["replication"] == 2)].reset_index(drop=True)
    pd.testing.assert_frame_equal(row[direct.columns], direct, check_exact=True)
    assert row.loc[0, "offered"] > 0 and 0 < row.loc[0, "service_level"] < 1
    # common random numbers: staffing and patience do not change who arrives
    new = table.pivot(index="run_id", columns="replication", values="new")
    for rep in range(3):
        assert new[rep].nunique() == 1
    assert new.loc[0].nunique() > 1  # ...but replications differ
    # more agents -> shorter waits, paired replication by replication
    wide = table.set_index(["replication", "run_id"])["asa"].unstack()
    for few, many in ((0, 4), (1, 5), (2, 6), (3, 7)):
        assert (wide[many] < wide[few]).all()


@pytest.mark.dask
def test_serial_pool_and_dask_give_identical_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Same seeds, same rows: in this process, in a process pool and on a Dask cluster."""
    from dask.distributed import LocalCluster

    serial = sim.sweep(SPEC, workers=1)
    pool = sim.sweep(SPEC, workers=2)
    pd.testing.assert_frame_equal(serial, pool, check_exact=True)
    # Dask batches replications: here 3 per task (24 units, 2 workers, >= 4 tasks each)
    monkeypatch.setattr("sim.sweeps.backends.TASKS_PER_WORKER", 4)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        done: list[int] = []
        dask = sim.sweep(
            SPEC,
            scheduler=address,
            out=tmp_path / "dask.parquet",
            progress=lambda d, t: done.append(d),
        )
    assert done == list(range(0, 25, 3))  # one task = one variant's 3 replications
    pd.testing.assert_frame_equal(serial, dask, check_exact=True)
    pd.testing.assert_frame_equal(
        serial, pd.read_parquet(tmp_path / "dask.parquet"), check_exact=True
    )


def test_batched_replications_give_the_same_table(monkeypatch: pytest.MonkeyPatch):
    """Replications split into runs of 2 (0-1, 2) assemble into the same rows."""
    assert split(3, 2) == [(0, 1), (2,)]
    assert split(10, 4) == [(0, 1, 2), (3, 4, 5, 6), (7, 8, 9)]
    assert split(5, 1) == [(0,), (1,), (2,), (3,), (4,)]
    one = sim.sweep(SPEC, workers=1)
    monkeypatch.setattr(SerialBackend, "chunk_size", lambda self, units, reps: 2)
    pd.testing.assert_frame_equal(sim.sweep(SPEC, workers=1), one, check_exact=True)


def test_resume_after_interruption_gives_the_uninterrupted_table(tmp_path: Path):
    """A stopped sweep keeps finished variants; the rerun runs only the rest."""
    whole = sim.sweep(SPEC, out=tmp_path / "whole.parquet", workers=1)
    out = tmp_path / "resumed.parquet"

    def stop_after_five(done: int, total: int) -> None:
        if done == 5:  # variant 0 finished (3 replications), variant 1 in flight
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.sweep(SPEC, out=out, workers=1, progress=stop_after_five)
    assert not out.exists()
    parts = list(Path(f"{out}.parts").iterdir())
    assert len(parts) == 1 and parts[0].suffix == ".parquet"

    seen: list[tuple[int, int]] = []
    resumed = sim.sweep(SPEC, out=out, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (7 * 3, 7 * 3)  # only the 7 unfinished variants ran
    pd.testing.assert_frame_equal(resumed, whole, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out), whole, check_exact=True)
    # a third run has nothing to do and rewrites the same table
    again = sim.sweep(SPEC, out=out, progress=lambda d, t: seen.append((-1, t)))
    assert (-1, 21) not in seen and len(seen) == 22
    pd.testing.assert_frame_equal(again, whole, check_exact=True)


def test_identical_variants_run_once_and_csv_output(tmp_path: Path):
    """Two variants with the same scenario share one result; .csv writes CSV."""
    spec = {"base": BASE, "variants": [{}, {"groups.agents.agents": 6}, {}], "replications": 2}
    totals: list[int] = []
    out = tmp_path / "dup.csv"
    table = sim.sweep(spec, out=out, workers=1, progress=lambda d, t: totals.append(t))
    assert totals[-1] == 2  # base agents are 6: all three variants are the same scenario
    assert table["run_id"].tolist() == [0, 0, 1, 1, 2, 2]
    kpis = table.drop(columns="run_id")
    for rows in (slice(2, 4), slice(4, 6)):
        pd.testing.assert_frame_equal(
            kpis.iloc[rows].reset_index(drop=True), kpis.iloc[0:2], check_exact=True
        )
    back = pd.read_csv(out)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


BAD_SWEEPS = [
    (
        {"grid": {"groups.agents.agents": [5, -1]}},
        "variant 1 (groups.agents.agents=-1): groups.agents.agents: must be >= 0, got -1 "
        "(set by grid.groups.agents.agents[1])",
    ),
    (
        {"zip": {"groups.agentz.agents": [5]}},
        "variant 0 (groups.agentz.agents=5): groups.agentz.agents: no field 'agentz'",
    ),
    (
        {"variants": [{}, {"channels.voice.handle_time": {"distribution": "gamma", "mean": 9}}]},
        "variant 1 (channels.voice.handle_time=",
    ),
    ({"grid": {"channels.voice.patience.meen": [1]}}, "channels.voice.patience.meen: unknown key"),
    (
        {"zip": {"groups.agents.agents": [5, 6], "channels.voice.arrivals": [1]}},
        "zip: lists must have equal lengths",
    ),
    ({"grid": {"groups.agents.agents": []}}, "grid.groups.agents.agents: needs at least one"),
    ({"grid": {"seed": [1, 2]}}, "grid.seed: set the sweep's top-level 'seed'"),
    (
        {"grid": {"groups.agents.agents": [5]}, "zip": {"groups.agents.agents": [6]}},
        "zip.groups.agents.agents: also set in grid",
    ),
    ({"replications": 0}, "replications: must be >= 1"),
    ({"grdi": {}}, "grdi: unknown key"),
    ({"base": "missing.yaml"}, "missing.yaml): cannot read file"),
    ({"base": {**BASE, "periods": 0}}, "base: periods: must be >= 1"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SWEEPS)
def test_invalid_sweeps_fail_before_any_work(
    no_work: None, tmp_path: Path, change: dict[str, Any], message: str
):
    """Every variant is validated first; the error names the variant and the field."""
    spec = {"base": BASE, "replications": 2, **change}
    with pytest.raises(sim.SweepError) as err:
        sim.sweep(spec, out=tmp_path / "r.parquet", workers=1, root=tmp_path)
    assert message in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_one_bad_variant_among_many_is_named_and_nothing_runs(no_work: None):
    spec = {
        "base": BASE,
        "grid": {"groups.agents.agents": [4, 5, 6, 7], "channels.voice.patience.mean": [60, -1]},
    }
    with pytest.raises(sim.SweepError) as err:
        sim.sweep(spec, workers=1)
    problems = err.value.problems
    assert problems[-1] == "4 of 8 variants are invalid; nothing was run"
    assert problems[0].startswith(
        "variant 1 (groups.agents.agents=4, channels.voice.patience.mean=-1): "
        "channels.voice.patience.mean: must be > 0"
    )


def test_bad_output_path_fails_before_any_work(no_work: None, tmp_path: Path):
    with pytest.raises(sim.SweepError, match=r"out: .*must end in \.parquet, \.pq or \.csv"):
        sim.sweep(SPEC, out=tmp_path / "r.xlsx", workers=1)
    with pytest.raises(sim.SweepError, match="is a directory"):
        sim.sweep(SPEC, out=tmp_path, workers=1)
    assert list(tmp_path.iterdir()) == []


# -- the command line -------------------------------------------------------------------


def write_sweep(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_cli_bad_sweep_exits_2_and_writes_nothing(tmp_path: Path):
    f = write_sweep(tmp_path / "bad.yaml", {**SPEC, "grid": {"groups.agents.agents": [5, -2]}})
    out = tmp_path / "out" / "r.parquet"
    r = ccsim("sweep", str(f), "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert (
        "variant 2 (groups.agents.agents=-2, channels.voice.handle_time.mean=150, "
        "channels.voice.service_level.threshold=20): groups.agents.agents: must be >= 0, "
        "got -2 (set by grid.groups.agents.agents[1])"
    ) in r.stderr
    assert not (tmp_path / "out").exists()
    r = ccsim("sweep", str(tmp_path / "nope.yaml"), "--out", str(out))
    assert r.returncode == 2 and "cannot read file" in r.stderr
    r = ccsim("sweep", str(write_sweep(tmp_path / "ok.yaml", SPEC)), "--out", str(out) + ".txt")
    assert r.returncode == 2 and "must end in .parquet" in r.stderr
    assert not (tmp_path / "out").exists()


def test_cli_sweep_on_a_local_dask_cluster_writes_the_table(tmp_path: Path):
    """--scheduler local starts a LocalCluster on loopback; relative base paths work."""
    write_sweep(tmp_path / "base.yaml", BASE)
    f = write_sweep(tmp_path / "sweep.yaml", {**SPEC, "base": "base.yaml"})
    out = tmp_path / "r.parquet"
    r = ccsim("sweep", str(f), "--out", str(out), "--scheduler", "local", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "24 rows (8 variants x 3 replications x channels); 8 variants run" in r.stdout
    pd.testing.assert_frame_equal(
        pd.read_parquet(out), sim.sweep(SPEC, workers=1), check_exact=True
    )


# A sweep long enough to stop mid-way: 16 variants x 4 replications of a busier queue.
SLOW_SPEC: dict[str, Any] = {
    "base": single_queue(
        per_interval=300, aht=180, agents=31, patience=300, periods=12, warmup_minutes=0
    ),
    "grid": {
        "groups.agents.agents": [28, 30, 32, 34],
        "channels.voice.patience.mean": [100, 200, 300, 400],
    },
    "replications": 4,
    "seed": 3,
}


@functools.cache
def slow_table() -> pd.DataFrame:
    """SLOW_SPEC run uninterrupted, in this process."""
    return sim.sweep(SLOW_SPEC, workers=1)


def _session(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def _as_from_a_terminal() -> None:
    """In the child before it runs: SIGINT at its default, as a terminal's job has it (a
    shell's background job, e.g. `make test &`, inherits it ignored, and Python then
    installs no KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop(proc: subprocess.Popen[str], how: str) -> None:
    if how == "ctrl-c":  # what a terminal sends: SIGINT to the whole foreground group
        os.killpg(proc.pid, signal.SIGINT)
    elif how == "kill-all":  # kill -9 of the job
        os.killpg(proc.pid, signal.SIGKILL)
    else:  # one worker dies (e.g. the OOM killer)
        psutil.Process(proc.pid).children()[0].kill()


@pytest.mark.parametrize(
    ("how", "code"), [("ctrl-c", 130), ("kill-all", -signal.SIGKILL), ("kill-worker", 1)]
)
def test_cli_stopped_sweep_resumes_to_the_same_table(tmp_path: Path, how: str, code: int):
    """Stopped mid-way, the output is absent (never partial); the rerun completes it."""
    f = write_sweep(tmp_path / "slow.yaml", SLOW_SPEC)
    out = tmp_path / "r.parquet"
    parts = Path(f"{out}.parts")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(f), "--out", str(out), "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_from_a_terminal,
    )
    deadline = time.monotonic() + 120
    while not (parts.is_dir() and any(parts.glob("*.parquet"))):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    _stop(proc, how)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    if how != "kill-all":
        assert "Traceback" not in err
        assert "rerun the same command to resume" in err
    assert not out.exists()
    saved = sorted(parts.glob("*.parquet"))
    assert 1 <= len(saved) < 16
    for p in saved:  # every part on disk is complete
        assert len(pd.read_parquet(p)) == 4
    if how != "kill-all":  # the pool's workers are gone too
        time.sleep(0.5)
        left = [
            p
            for p in psutil.process_iter()
            if _session(p.pid) == proc.pid and p.status() != psutil.STATUS_ZOMBIE
        ]
        assert not left

    r = ccsim("sweep", str(f), "--out", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert f"{16 - len(saved)} variants run, {len(saved)} resumed" in r.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out), slow_table(), check_exact=True)
