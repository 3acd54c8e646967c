"""Up-front work estimates: what cannot fit in memory is refused before it runs, and
long work is announced (issue 10, item 14)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sim
import sim.measure.workload as workload
from sim.measure.workload import WorkloadError, available_memory, estimate

from .helpers import ROOT, SCENARIO_FILES, single_queue

SMALL = single_queue(
    per_interval=20, aht=180, agents=6, patience=300, periods=4, warmup_minutes=0, replications=2
)


@pytest.fixture
def no_replication(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a replication starts."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replication ran before the work was checked")

    monkeypatch.setattr("sim.measure.runner._simulate_replication", refuse)


def _memory(monkeypatch: pytest.MonkeyPatch, available: int) -> None:
    monkeypatch.setattr(workload, "available_memory", lambda: available)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_contact_estimate_is_an_upper_estimate_within_a_factor_three(path: Path):
    sc = sim.load_scenario(path)
    res = sim.simulate(sc, replications=2, keep_runs=True)
    actual = sum(len(run.arrival) for run in res.runs) / 2
    work = estimate(sc, 2)
    noise = 4 * math.sqrt(work.contacts)  # Poisson arrivals
    assert actual - noise <= work.contacts <= 3 * actual
    assert work.peak_bytes >= actual * 400  # measured ~480 bytes per contact


def test_hops_count_up_to_max_attempts():
    data = {
        **SMALL,
        "journeys": {
            "max_attempts": 4,
            "transitions": [{"from": "voice", "on": "abandon", "to": "voice", "probability": 1}],
        },
    }
    sc = sim.parse_scenario(data)
    assert workload.contacts_per_journey(sc).tolist() == [4.0]  # every caller redials
    assert estimate(sc).contacts == 20 * 4 * 4  # arrivals x periods x attempts


def test_simulate_refuses_before_any_replication(
    monkeypatch: pytest.MonkeyPatch, no_replication: None
):
    sc = sim.parse_scenario(SMALL)
    _memory(monkeypatch, 10 * 1024**2)  # 10 MiB: ~100 replications' results
    with pytest.raises(WorkloadError) as err:
        sim.simulate(sc, replications=1000)
    (problem,) = err.value.problems
    assert problem.startswith("replications: 1,000 replications keep about 78.")
    assert "10.0 MiB is available" in problem and "At most about 1" in problem
    assert isinstance(err.value, sim.ScenarioError)  # the CLI's exit 2
    _memory(monkeypatch, 20 * 1024)
    with pytest.raises(WorkloadError, match=r"channels: ~80 contacts per replication"):
        sim.simulate_replication(sc, 0)


def test_agents_dominating_are_named(monkeypatch: pytest.MonkeyPatch, no_replication: None):
    sc = sim.parse_scenario({**SMALL, "groups": {"g": {"skills": ["voice"], "agents": 10**6}}})
    _memory(monkeypatch, 100 * 1024**2)
    with pytest.raises(WorkloadError, match=r"groups: 1,000,000 agents per replication need"):
        sim.simulate(sc, replications=1)


def test_progress_starts_at_zero():
    seen: list[tuple[int, int]] = []
    sim.simulate(sim.parse_scenario(SMALL), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_sweep_refused_before_any_variant_is_built(monkeypatch: pytest.MonkeyPatch):
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a variant was built")

    monkeypatch.setattr(sim.Scenario, "updated", refuse)
    spec = {"base": SMALL, "grid": {"groups.agents.agents": list(range(1000))}}
    _memory(monkeypatch, 10 * 1024**2)
    with pytest.raises(WorkloadError, match=r"1,000 variants x 2 replications need about"):
        sim.plan_sweep(spec)


def test_sweep_workers_at_once_are_counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    spec = {"base": SMALL, "grid": {"groups.agents.agents": [5, 6, 7, 8]}}
    plan = sim.plan_sweep(spec)
    peak = estimate(plan.base, 1).peak_bytes
    _memory(monkeypatch, 4 * 50_000 + 3 * peak)  # the table and 3 replications, not 4
    with pytest.raises(WorkloadError, match="--workers: 4 replications at once"):
        sim.sweep(plan, workers=4, out=tmp_path / "r.parquet")
    assert list(tmp_path.iterdir()) == []


def test_available_memory_respects_an_address_space_limit():
    cap = 3 * 1024**3
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
        from sim.measure.workload import available_memory
        print(available_memory())
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert 0 < int(r.stdout) < cap
    assert available_memory() > 0


def test_long_work_is_announced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    import yaml

    from sim.cli.ccsim import main

    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(SMALL))
    monkeypatch.setattr(workload, "LONG_WORK_SECONDS", 0.0)
    assert main(["run", str(f), "--json", "-"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"{f}: about 160 contacts in 2 replications, estimated ~0 s")
    monkeypatch.setattr(workload, "LONG_WORK_SECONDS", 3600.0)
    assert main(["run", str(f), "--json", "-"]) == 0
    assert capsys.readouterr().err == ""


def test_planning_reports_progress():
    spec = {"base": SMALL, "grid": {"groups.agents.agents": [5, 6, 7]}}
    seen: list[tuple[int, int]] = []
    sim.plan_sweep(spec, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_staff_search_steps_show_the_time_elapsed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    from sim import cli_staff

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    show = cli_staff._progress()
    assert show is not None
    show("[3] 13 targets missed: +1 agent in 13 cells")
    assert capsys.readouterr().err == "0:00 [3] 13 targets missed: +1 agent in 13 cells\n"
