"""The ccsim command line: outputs, exit codes, and bad input handled cleanly."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import yaml

from sim.present.display import duration

from .cli_helpers import SMALL, ccsim, ccsim_subprocess
from .helpers import SCENARIOS


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(yaml.safe_dump(SMALL))
    return p


def test_run_json_contract(small: Path):
    r = ccsim("run", str(small), "--json", "-")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # stdout is exactly one JSON object
    voice = data["channels"]["voice"]
    for kpi in (
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "asa",
        "mean_wait",
        "abandon_rate",
    ):
        assert set(voice[kpi]) == {"mean", "ci95"}
    assert voice["answered"]["mean"] + voice["abandoned"]["mean"] == pytest.approx(
        voice["offered"]["mean"]
    )
    assert 0 < data["groups"]["agents"]["occupancy"]["mean"] < 1
    j = data["journeys"]
    assert {"customers", "resolved", "lost", "mean_attempts", "flows"} <= set(j)
    assert data["replications"] == 3


def test_run_table_writes_durations_in_their_unit_and_json_in_seconds():
    """Email's ASA of hours reads in hours, AHTs of minutes in minutes; the JSON keeps s."""
    bank = str(SCENARIOS / "retail_bank.yaml")
    table = ccsim("run", bank, "-r", "2")
    assert table.returncode == 0, table.stderr
    data = json.loads(ccsim("run", bank, "-r", "2", "--json", "-").stdout)
    rows = {line.split()[0]: line for line in table.stdout.splitlines()[2:6]}
    email, voice = data["channels"]["email"], data["channels"]["voice"]
    assert email["asa"]["mean"] > 3600  # seconds, as the contract says
    assert " h ± " in duration(email["asa"]["mean"], email["asa"]["ci95"])
    assert duration(email["asa"]["mean"], email["asa"]["ci95"]) in rows["email"]
    assert duration(voice["asa"]["mean"], voice["asa"]["ci95"]) in rows["voice"]
    assert duration(voice["aht"]["mean"], voice["aht"]["ci95"]) in rows["voice"]
    assert " min ± " in rows["voice"]  # AHT 300 s -> 5.0 min


def test_run_overrides_and_writes_csvs(small: Path, tmp_path: Path):
    out = tmp_path / "out"
    r = ccsim("run", str(small), "--replications", "2", "--seed", "5", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "service_level" in r.stdout and "voice" in r.stdout
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "flows.csv",
        "group_intervals.csv",
        "groups.csv",
        "intervals.csv",
        "journeys.csv",
        "result.json",
        "summary.csv",
    ]
    res = json.loads((out / "result.json").read_text())
    assert res["seed"] == 5 and res["replications"] == 2
    intervals = (out / "intervals.csv").read_text().splitlines()
    assert intervals[0].startswith("period,time,channel,kpi,mean,ci95")


def test_same_seed_same_json(small: Path):
    a = ccsim("run", str(small), "--json", "-").stdout
    b = ccsim("run", str(small), "--json", "-").stdout
    assert a == b


def test_validate(small: Path, tmp_path: Path):
    r = ccsim("validate", str(small))
    assert r.returncode == 0 and "ok" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILES["bad_cv"][0])
    r = ccsim("validate", str(bad))
    assert r.returncode == 2 and "channels.voice.handle_time.cv" in r.stderr


def test_compare_shows_paired_deltas(small: Path, tmp_path: Path):
    more = dict(SMALL, groups={"agents": {"skills": ["voice"], "agents": 10}})
    w = tmp_path / "more.yaml"
    w.write_text(yaml.safe_dump(more))
    r = ccsim("compare", str(small), str(w), "--json", "-")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    sl = data["channels"]["voice"]["service_level"]
    assert sl["delta"] > 0 and sl["delta"] > sl["ci95"]  # more agents: better, clearly
    # same customers in both runs (common random numbers): offered is identical
    assert data["channels"]["voice"]["offered"]["delta"] == 0
    r = ccsim("compare", str(small), str(w))
    assert r.returncode == 0 and "service_level" in r.stdout


def _patched(**changes: object) -> str:
    data = yaml.safe_load(yaml.safe_dump(SMALL))
    data.update(changes)
    return yaml.safe_dump(data)


BAD_FILES = {
    "negative_staff": (
        _patched(groups={"a": {"skills": ["voice"], "agents": -4}}),
        "groups.a.agents",
    ),
    "unknown_channel": (
        _patched(groups={"a": {"skills": ["voice", "fax"], "agents": 4}}),
        "groups.a.skills[1]: unknown channel 'fax'",
    ),
    "bad_cv": (
        _patched(
            channels={
                "voice": {
                    "arrivals": 5,
                    "handle_time": {"distribution": "lognormal", "mean": 300, "cv": -1},
                }
            }
        ),
        "channels.voice.handle_time.cv: must be > 0",
    ),
    "unknown_key": (_patched(colour="red"), "colour: unknown key"),
    "not_yaml": (": : :\n  - [", "not valid YAML"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_exit_2_named_field_no_output(name: str, tmp_path: Path):
    text, expected = BAD_FILES[name]
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    out = tmp_path / "out"
    js = tmp_path / "r.json"
    r = ccsim("run", str(f), "--out", str(out), "--json", str(js))
    assert r.returncode == 2, r.stderr
    assert expected in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    assert not out.exists() and not js.exists()


def test_bad_command_line(small: Path):
    r = ccsim("run", str(small), "--replications", "0")
    assert r.returncode == 2 and "--replications" in r.stderr
    r = ccsim("run", "no/such/file.yaml")
    assert r.returncode == 2 and "cannot read file" in r.stderr
    r = ccsim("frobnicate")
    assert r.returncode == 2


def test_json_to_missing_directory_is_bad_input(small: Path, tmp_path: Path):
    r = ccsim("run", str(small), "--json", str(tmp_path / "nope" / "r.json"))
    assert r.returncode == 2 and "--json" in r.stderr


def test_console_script_entry_point():
    from sim.cli.ccsim import main

    assert main(["validate", str(SCENARIOS / "retail_bank.yaml")]) == 0


def test_design_example_loads_and_runs(tmp_path: Path):
    """DESIGN.md's example scenario (chat elided to 3 periods) loads as written and runs."""
    f = tmp_path / "design.yaml"
    f.write_text(
        textwrap.dedent("""
        name: Retail bank weekday
        interval_minutes: 15
        periods: 3
        start: "08:00"
        warmup_minutes: 0
        seed: 7
        replications: 2
        channels:
          voice:
            mode: synchronous
            arrivals: 120
            handle_time: {distribution: lognormal, mean: 300, cv: 0.8}
            patience: {distribution: exponential, mean: 150}
            service_level: {target: 0.8, threshold: 20}
          chat:
            mode: concurrent
            concurrency: 3
            arrivals: [40, 45, 50]
            handle_time: {distribution: exponential, mean: 420}
            patience: {distribution: weibull, mean: 240, shape: 0.8}
            service_level: {target: 0.9, threshold: 60}
        groups:
          phones:  {skills: [voice], agents: 40}
          digital: {skills: [chat, voice], agents: 12}
        journeys:
          max_attempts: 5
          resolution: {voice: 0.85, chat: 0.75}
          transitions:
            - {from: voice, on: abandon, to: chat, probability: 0.3,
               delay: {distribution: exponential, mean: 60}}
            - {from: voice, on: abandon, to: voice, probability: 0.4,
               delay: {distribution: exponential, mean: 300}}
            - {from: chat, on: unresolved, to: voice, probability: 0.5,
               delay: {distribution: fixed, value: 1800}}
    """)
    )
    r = ccsim("run", str(f), "--json", "-")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["channels"]["chat"]["offered"]["mean"] > 100
    assert data["journeys"]["flows"]["voice"]["chat"]["mean"] > 0


def test_outputs_get_ordinary_file_permissions(small: Path, tmp_path: Path):
    """Atomic outputs are readable like any new file, not mkstemp's owner-only 0600."""
    js = tmp_path / "r.json"
    r = ccsim("run", str(small), "--json", str(js))
    assert r.returncode == 0, r.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert js.stat().st_mode & 0o777 == 0o666 & ~umask


# -- smoke tests of the real entry point (a child process; the rest run in-process) ----
def test_python_m_sim_runs_in_a_child_process(small: Path):
    r = ccsim_subprocess("run", str(small), "--json", "-")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["channels"]["voice"]["offered"]["mean"] > 0


def test_python_m_sim_bad_input_exit_2_in_a_child_process(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nperiods: 0\n")
    r = ccsim_subprocess("validate", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert ccsim_subprocess("frobnicate").returncode == 2
