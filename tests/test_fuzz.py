"""Fuzzing every command: whatever the input or output path, exit 0 or 2, never a crash.

Every ``ccsim`` command runs in-process (``sim.cli.ccsim``) on inputs that hypothesis
mutates: scenario and sweep files (wrong types, out-of-range and absurd numbers,
unknown keys, bad encodings, deep nesting, alias bombs, duplicate keys), option
values, history and call-record CSVs (text in numbers, gaps, bad timestamps), and
output locations. The contract checked each time:

* the exit code is 0 (it worked) or 2 (bad input, said plainly);
* stderr holds no traceback and no "internal error";
* a failed command leaves nothing behind in its output folder.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

from .helpers import single_queue

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the suite is reproducible; run with --hypothesis-seed to explore
)

SMALL = single_queue(
    per_interval=12, aht=180, agents=3, patience=200, periods=4, warmup_minutes=0, replications=2
)
SMALL["journeys"] = {
    "resolution": {"voice": 0.9},
    "transitions": [{"from": "voice", "on": "abandon", "to": "voice", "probability": 0.3}],
}

# values a careless or hostile user might put anywhere
NASTY: list[Any] = [
    -1,
    0,
    1,
    0.5,
    -0.5,
    1e9,
    10**12,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "abc",
    "12:00",
    "25:99",
    None,
    True,
    [],
    [1, 2, 3],
    {},
    {"distribution": "exponential", "mean": -3},
    {"distribution": "nope"},
    "x" * 5000,
]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``ccsim argv`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def check(argv: list[str], out_dir: Path | None = None) -> int:
    rc, _, err = run_cli(argv)
    assert rc in (0, 2), f"ccsim {' '.join(argv)} -> exit {rc}\n{err[-2000:]}"
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    if rc == 2:
        assert err.strip(), "a refusal must say why"
        assert len(err) < 20_000, f"error message of {len(err)} characters"
        if out_dir is not None:
            left = [p.name for p in out_dir.iterdir()]
            assert not left, f"failed ccsim {' '.join(argv)} left {left}"
    return rc


# -- scenarios -----------------------------------------------------------------------
def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        out = [path] if path else []
        for k, v in data.items():
            out += _leaves(v, (*path, k))
        return out
    if isinstance(data, list):
        out = [path]
        for i, v in enumerate(data):
            out += _leaves(v, (*path, i))
        return out
    return [path]


PATHS = _leaves(SMALL)


@st.composite
def mutated_scenario(draw: st.DrawFn) -> dict:
    data = copy.deepcopy(SMALL)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        try:
            for k in path[:-1]:
                parent = parent[k]
            action = draw(st.sampled_from(["set", "set", "set", "delete", "unknown"]))
            if action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif action == "unknown" and isinstance(parent, dict):
                parent["no_such_key"] = 1
            else:
                parent[path[-1]] = draw(st.sampled_from(NASTY))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    return data


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@settings(FUZZ, max_examples=150)
@given(data=mutated_scenario())
def test_scenario_mutations(tmp_path_factory, data):
    """validate, run (JSON + CSV folder) and staff on a mutated scenario."""
    tmp = tmp_path_factory.mktemp("sc")
    f = tmp / "s.yaml"
    f.write_text(_dump(data))
    out = tmp / "out"
    out.mkdir()
    if check(["validate", str(f)]) == 0:
        check(
            ["run", str(f), "-r", "2", "--json", str(out / "r.json"), "--out", str(out / "d")], out
        )
        check(["staff", str(f), "--json", str(out / "s.json")], out)


BAD_FILES: dict[str, bytes] = {
    "utf16_without_bom": _dump(SMALL).encode("utf-16-le"),
    "latin1": ("name: caf\xe9\n" + _dump({k: v for k, v in SMALL.items() if k != "name"})).encode(
        "latin-1"
    ),
    "binary": bytes(range(256)),
    "empty": b"",
    "list": b"- 1\n- 2\n",
    "scalar": b"hello\n",
    "tabs": b"name:\t\tx\n\tperiods: 3\n",
    "unclosed": b"name: [1, 2\n",
    "deep": (b"[" * 800) + (b"]" * 800),
    "deep_maps": "".join(f"{' ' * i}k{i}:\n" for i in range(700)).encode(),
    "billion_laughs": (
        b'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n".encode()
            for i in range(8)
        )
        + b"name: *i\nperiods: *i\n"
    ),
    "duplicate_key": _dump(SMALL).replace("periods: 4", "periods: 4\nperiods: 5").encode(),
    "python_tag": b"name: !!python/object/apply:os.system ['true']\n",
    "huge_periods": _dump({**SMALL, "periods": 10**9}).encode(),
    "huge_arrivals": _dump(
        {**SMALL, "channels": {"voice": {**SMALL["channels"]["voice"], "arrivals": 1e9}}}
    ).encode(),
    "huge_replications": _dump({**SMALL, "replications": 10**7}).encode(),
    "huge_agents": _dump(
        {**SMALL, "groups": {"agents": {"skills": ["voice"], "agents": 10**9}}}
    ).encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_scenario_files(tmp_path, name):
    """Files no scenario can come from, or work that cannot fit: refused (exit 2) by
    every command that reads one (a valid scenario asking for 10^7 replications passes
    ``validate`` and is refused by the commands that would run it)."""
    f = tmp_path / "s.yaml"
    f.write_bytes(BAD_FILES[name])
    out = tmp_path / "out"
    out.mkdir()
    assert check(["validate", str(f)]) == (0 if name == "huge_replications" else 2)
    assert check(["run", str(f), "--json", str(out / "r.json")], out) == 2
    assert check(["compare", str(f), str(f), "--json", str(out / "c.json")], out) == 2
    if name != "huge_replications":  # staffing by Erlang needs no replications
        assert check(["staff", str(f), "--out", str(out / "s.csv")], out) == 2
    assert check(["report", str(f), "--out", str(out / "r.html")], out) == 2
    if name == "huge_replications":
        return  # a sweep streams its rows to disk: 10^7 replications is long (it says
        # so, with an ETA), not refused
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(_dump({"base": "s.yaml", "grid": {"groups.agents.agents": [2, 3]}}))
    assert check(["sweep", str(sweep), "--out", str(out / "r.csv"), "-j", "1"], out) == 2


# -- options -------------------------------------------------------------------------
OPTION_VALUES = ["-1", "0", "1", "nan", "inf", "-inf", "1e12", "abc", "", "2.5", "-", "voice=x"]

COMMAND_OPTIONS: dict[str, list[str]] = {
    "run": ["--replications", "--seed"],
    "compare": ["--replications", "--seed", "--kpi"],
    "staff": [
        "--max-occupancy",
        "--max-asa",
        "--max-abandon",
        "--shrinkage",
        "--model",
        "--method",
        "--replications",
        "--confirm-replications",
        "--max-simulations",
        "--seed",
    ],
    "report": ["--replications", "--seed", "--max-occupancy", "--max-asa", "--shrinkage"],
    "forecast": [
        "--interval-minutes",
        "--horizon-days",
        "--model",
        "--paths",
        "--seed",
        "--day",
        "--scenario-paths",
        "--map",
        "--default-channel",
        "--columns",
    ],
    "backtest": [
        "--interval-minutes",
        "--horizon-days",
        "--step-days",
        "--windows",
        "--paths",
        "--seed",
        "--models",
    ],
    "calibrate": ["--interval-minutes", "--redial-window", "--sl-threshold", "--format"],
}


def _history(tmp: Path) -> Path:
    rng = np.random.default_rng(0)
    days = [d for d in pd.date_range("2024-01-01", periods=21, freq="D") if d.weekday() < 5]
    rows = [
        (d + pd.Timedelta(hours=h), "voice", int(rng.poisson(20 + 5 * h)))
        for d in days
        for h in range(8, 12)
    ]
    p = tmp / "history.csv"
    pd.DataFrame(rows, columns=["timestamp", "channel", "volume"]).to_csv(p, index=False)
    return p


def _records(tmp: Path) -> Path:
    rng = np.random.default_rng(1)
    n = 400
    t0 = pd.Timestamp("2024-01-08 08:00")
    arrival = t0 + pd.to_timedelta(np.sort(rng.uniform(0, 8 * 3600, n)), unit="s")
    patience = rng.exponential(120, n)
    wait = rng.exponential(60, n)
    answered = wait < patience
    df = pd.DataFrame(
        {
            "arrival": arrival.strftime("%Y-%m-%d %H:%M:%S"),
            "queue": "voice",
            "wait": np.where(answered, wait, patience).round(1),
            "outcome": np.where(answered, "answered", "abandoned"),
            "handle_time": np.where(answered, rng.exponential(200, n), 0).round(1),
            "customer_id": rng.integers(1, 300, n),
            "agent": np.where(answered, rng.integers(1, 6, n), ""),
        }
    )
    p = tmp / "records.csv"
    df.to_csv(p, index=False)
    return p


def _base_argv(command: str, tmp: Path) -> list[str]:
    sc = tmp / "s.yaml"
    if not sc.exists():
        sc.write_text(_dump(SMALL))
    if command in ("run", "staff"):
        return [command, str(sc)]
    if command == "compare":
        return [command, str(sc), str(sc)]
    if command == "report":
        return [command, str(sc), "--out", str(tmp / "out" / "r.html")]
    if command == "forecast":
        return [
            *[command, str(_history(tmp)), "--model", "snaive_week", "--horizon-days", "1"],
            *["--out", str(tmp / "out" / "f.csv")],
        ]
    if command == "backtest":
        return [command, str(_history(tmp)), "--models", "snaive_week", "--windows", "1"]
    return [command, str(_records(tmp))]


OPTION_CASES = [
    (command, option, value)
    for command, options in sorted(COMMAND_OPTIONS.items())
    for option in options
    for value in OPTION_VALUES
    if not (option == "--method" and value != "erlang")  # the optimiser has its own tests
]


@pytest.mark.parametrize("command", sorted(COMMAND_OPTIONS))
def test_every_option_value(tmp_path, command):
    """Each option of each command given each nasty value: a result or exit 2 naming it."""
    (tmp_path / "out").mkdir()
    base = _base_argv(command, tmp_path)
    for cmd, option, value in OPTION_CASES:
        if cmd != command:
            continue
        argv = [*base, f"{option}={value}"]
        rc, _, err = run_cli(argv)
        assert rc in (0, 2), f"ccsim {' '.join(argv)} -> exit {rc}\n{err[-2000:]}"
        assert "Traceback" not in err and "internal error" not in err, (argv, err[-2000:])
        if rc == 2:
            assert option in err or "usage:" in err, (argv, err[-500:])


@FUZZ
@given(
    command=st.sampled_from(sorted(COMMAND_OPTIONS)),
    picks=st.lists(st.tuples(st.integers(0, 99), st.sampled_from(OPTION_VALUES)), max_size=3),
)
def test_option_values(tmp_path_factory, command, picks):
    """Any value for any option: a result or a clear refusal naming the option."""
    tmp = tmp_path_factory.mktemp("opt")
    (tmp / "out").mkdir()
    argv = _base_argv(command, tmp)
    options = COMMAND_OPTIONS[command]
    named = []
    for i, value in picks:
        opt = options[i % len(options)]
        if command == "staff" and opt == "--method" and value not in ("erlang",):
            continue  # the simulation optimiser is exercised in its own tests
        argv += [opt, value] if not value.startswith("-") or value == "-" else [f"{opt}={value}"]
        named.append(opt)
    rc, _, err = run_cli(argv)
    assert rc in (0, 2), f"ccsim {' '.join(argv)} -> exit {rc}\n{err[-2000:]}"
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    if rc == 2 and named and "usage:" not in err:
        assert any(o in err for o in named) or "error:" in err, err


# -- CSV inputs ----------------------------------------------------------------------
CELL_VALUES = ["", "abc", "-5", "nan", "1e400", "2024-13-45 25:00", "12,5", " ", "NULL", "∞"]


@FUZZ
@given(
    which=st.sampled_from(["forecast", "backtest", "calibrate"]),
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 10), st.sampled_from(CELL_VALUES)),
        min_size=1,
        max_size=4,
    ),
    drop_rows=st.integers(0, 30),
)
def test_csv_mutations(tmp_path_factory, which, edits, drop_rows):
    """Histories and call records with text in numbers, bad timestamps and gaps."""
    tmp = tmp_path_factory.mktemp("csv")
    out = tmp / "out"
    out.mkdir()
    src = _records(tmp) if which == "calibrate" else _history(tmp)
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    for row, col, value in edits:
        df.iat[row % len(df), col % df.shape[1]] = value
    if drop_rows:
        df = df.drop(df.index[drop_rows : drop_rows * 3])
    df.to_csv(src, index=False)
    if which == "calibrate":
        argv = ["calibrate", str(src), "--out", str(out / "fragment.yaml")]
    elif which == "forecast":
        argv = ["forecast", str(src), "--model", "snaive_week", "--out", str(out / "f.csv")]
    else:
        argv = ["backtest", str(src), "--models", "snaive_week", "--windows", "1"]
        argv += ["--out", str(out / "cv.csv")]
    check(argv, out)


# -- output locations ----------------------------------------------------------------
def _output_cases(tmp: Path) -> dict[str, Path]:
    afile = tmp / "afile"
    afile.write_text("x")
    adir = tmp / "adir"
    adir.mkdir()
    return {
        "missing parent": tmp / "no" / "such" / "r",
        "under a file": afile / "r",
        "an existing directory": adir,
    }


@pytest.mark.parametrize("case", ["missing parent", "under a file", "an existing directory"])
def test_bad_output_locations_fail_before_any_work(tmp_path, case):
    """Every writing command refuses a bad output location, exit 2, nothing written."""
    sc = tmp_path / "s.yaml"
    sc.write_text(_dump(SMALL))
    hist = _history(tmp_path)
    rec = _records(tmp_path)
    bad = _output_cases(tmp_path)[case]
    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ["run", str(sc), "--json", str(bad)],
        ["run", str(sc), "--json", str(out / "r.json"), "--out", str(bad / "d")],
        ["compare", str(sc), str(sc), "--json", str(bad)],
        ["staff", str(sc), "--out", str(bad)],
        ["report", str(sc), "--out", str(bad)],
        ["report", str(sc), "--out", str(out / "r.html"), "--png-dir", str(bad / "png")],
        ["forecast", str(hist), "--model", "snaive_week", "--out", str(bad)],
        ["backtest", str(hist), "--models", "snaive_week", "--windows", "1", "--out", str(bad)],
        ["calibrate", str(rec), "--out", str(bad)],
    ]
    for argv in commands:
        if case in ("an existing directory", "missing parent") and argv[-1].endswith(
            ("/d", "/png")
        ):
            continue  # a folder output may exist already, and is made with its parents
        rc = check(argv, out)
        assert rc == 2, f"ccsim {' '.join(argv)} accepted {case} {bad}"
