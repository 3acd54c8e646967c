"""Issue 10: every bad input file and every huge request gets a clean answer on the
command line.

Each case: exit 2, one ``error:`` message naming the file and the line, field or
option, no traceback, a short message, and nothing written. Every YAML input is
covered (a scenario for run and validate, a sweep file and its base scenario, shift
templates), and so are requests too big for memory (refused before any work).
Children run with a capped address space, so a regression fails instead of eating the
shared machine's memory.
"""

from __future__ import annotations

import codecs
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from .helpers import ROOT, SCENARIOS, laughs, single_queue

CHILD_MEMORY = 3 * 1024**3
"""Address space (bytes) of each ccsim child process."""

SMALL = single_queue(
    per_interval=20, aht=180, agents=6, patience=300, periods=4, warmup_minutes=0, replications=2
)
SMALL_TEXT = yaml.safe_dump(SMALL, sort_keys=False)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def ccsim(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
        preexec_fn=_cap_memory,
    )


def _latin1(text: str) -> bytes:
    return ("# caf\xe9\n" + text).encode("latin-1")


BAD_YAML: dict[str, tuple[Callable[[str], bytes], str]] = {
    # name: (file bytes from good YAML text, what the message must say)
    "latin1": (_latin1, "line 1, column 6: not UTF-8 text (byte 0xe9"),
    "utf16_no_bom": (
        lambda t: t.encode("utf-16-le"),
        "UTF-16 or UTF-32 without a byte-order mark",
    ),
    "nested_600": (
        lambda t: f"{t}deep: {'[' * 600}{']' * 600}\n".encode(),
        "nested more than 32 levels deep",
    ),
    "alias_bomb_1e6": (
        lambda t: f"{laughs(6, 'bomb')}{t}".encode(),
        "values with its aliases expanded",
    ),
    "alias_bomb_1e8": (
        lambda t: f"{laughs(8, 'bomb')}{t}".encode(),
        "values with its aliases expanded",
    ),
    "bad_scalar": (
        lambda t: t.replace(t.split("\n", 1)[0], "n: !!int x", 1).encode(),
        "line 1, column 4: 'x' is not a valid int",
    ),
    "duplicate_key": (  # the first line's key again, at the end
        lambda t: f"{t}{t.split(':', 1)[0]}: again\n".encode(),
        "' (first given on line 1)",
    ),
}


def _assert_clean(r: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert r.returncode == 2, r.stderr[-3000:]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert r.stderr.count("error:") == 1 and len(r.stderr) < 2000, r.stderr[:3000]
    for text in expected:
        assert text in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("name", sorted(BAD_YAML))
def test_bad_scenario_file(name: str, tmp_path: Path):
    make, expected = BAD_YAML[name]
    f = tmp_path / f"{name}.yaml"
    f.write_bytes(make(SMALL_TEXT))
    out, js = tmp_path / "out", tmp_path / "r.json"
    _assert_clean(ccsim("run", str(f), "--out", str(out), "--json", str(js)), str(f), expected)
    assert not out.exists() and not js.exists()
    _assert_clean(ccsim("validate", str(f)), str(f), expected)


@pytest.mark.parametrize("name", ["latin1", "alias_bomb_1e8", "duplicate_key", "bad_scalar"])
def test_bad_sweep_file_and_bad_base(name: str, tmp_path: Path):
    make, expected = BAD_YAML[name]
    good_base = tmp_path / "base.yaml"
    good_base.write_text(SMALL_TEXT)
    spec = "base: base.yaml\nseed: 1\ngrid:\n  groups.agents.agents: [5, 6]\n"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_bytes(make(spec))
    out = tmp_path / "res" / "r.parquet"
    _assert_clean(ccsim("sweep", str(sweep), "--out", str(out)), str(sweep), expected)
    bad_base = tmp_path / "bad_base.yaml"
    bad_base.write_bytes(make(SMALL_TEXT))
    sweep.write_text(spec.replace("base.yaml", "bad_base.yaml"))
    _assert_clean(ccsim("sweep", str(sweep), "--out", str(out)), f"base ({bad_base})", expected)
    assert not out.parent.exists()


TEMPLATES = "templates:\n  - {name: full, length_minutes: 480, starts: ['08:00']}\n"
"""Good templates (reallocation_demo.yaml has 15-minute intervals)."""


@pytest.mark.parametrize("name", ["latin1", "utf16_no_bom", "nested_600", "duplicate_key"])
def test_bad_shift_templates(name: str, tmp_path: Path):
    make, expected = BAD_YAML[name]
    templates = tmp_path / "t.yaml"
    templates.write_bytes(make(TEMPLATES))
    out = tmp_path / "planned.yaml"
    r = ccsim(
        "staff",
        str(SCENARIOS / "reallocation_demo.yaml"),
        "--shifts",
        str(templates),
        "--scenario-out",
        str(out),
    )
    _assert_clean(r, str(templates), expected)
    assert not out.exists()


def test_utf16_with_a_byte_order_mark_runs(tmp_path: Path):
    f = tmp_path / "utf16.yaml"
    f.write_bytes(codecs.BOM_UTF16_BE + SMALL_TEXT.encode("utf-16-be"))
    r = ccsim("run", str(f), "--json", "-")
    assert r.returncode == 0, r.stderr


# -- huge requests (item 14): refused up front, naming the limit -------------------------


def _scenario(**changes: object) -> str:
    data = yaml.safe_load(SMALL_TEXT)
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def _voice(**changes: object) -> dict[str, object]:
    return {**SMALL["channels"]["voice"], **changes}


HUGE = {
    # name: (scenario text, command after the file, what the message must say)
    "periods_1e9": (
        _scenario(periods=10**9),
        ("validate",),
        "periods: 1,000,000,000 periods of 30 min are 20,833,333 days; at most 366 days",
    ),
    "arrivals_1e9": (
        _scenario(channels={"voice": _voice(arrivals=1e9)}),
        ("staff",),
        "channels.voice.arrivals: must be at most 1,000,000 contacts per interval",
    ),
    "agents_1e9": (
        _scenario(groups={"agents": {"skills": ["voice"], "agents": 10**9}}),
        ("run",),
        "groups.agents.agents: must be at most 1,000,000 agents per interval",
    ),
    "contacts_17e9": (  # each field within its cap, together ~10 TiB per replication
        _scenario(periods=17_000, channels={"voice": _voice(arrivals=10**6)}),
        ("run",),
        "channels: ~17,000,000,000 contacts per replication",
    ),
    "replications_1e7": (
        _scenario(replications=10**7),
        ("run",),
        "replications: 10,000,000 replications keep about",
    ),
    "option_replications_1e7": (
        SMALL_TEXT,
        ("run", "--replications", "10000000"),
        "--replications: 10,000,000 replications keep about",
    ),
    "staff_search_1e7": (
        SMALL_TEXT,
        ("staff", "--method", "simulate", "--replications", "10000000"),
        "--replications: 10,000,000 replications keep about",
    ),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_huge_request_is_refused_up_front(name: str, tmp_path: Path):
    text, (command, *options), expected = HUGE[name]
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    js = tmp_path / "r.json"
    extra = ("--json", str(js)) if command != "validate" else ()
    r = ccsim(command, str(f), *options, *extra, timeout=120)
    _assert_clean(r, str(f), expected)
    assert not js.exists()


def test_a_million_variant_sweep_is_refused_before_planning(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(SMALL_TEXT)
    grid = {
        "groups.agents.agents": list(range(5, 105)),
        "channels.voice.handle_time.mean": list(range(100, 200)),
        "channels.voice.patience.mean": list(range(100, 200)),
    }
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"base": "base.yaml", "replications": 10, "grid": grid}))
    out = tmp_path / "res" / "r.parquet"
    r = ccsim("sweep", str(sweep), "--out", str(out), timeout=120)
    _assert_clean(r, str(sweep), "grid/zip/variants: 1,000,000 variants x 10 replications need")
    assert "variants fit" in r.stderr
    assert not out.parent.exists()
