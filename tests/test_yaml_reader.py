"""The YAML reader of every input file: encodings, nesting, alias bombs, duplicate keys
and YAML 1.2 numbers."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sim
from sim.config.quoting import MAX_QUOTED_CHARS
from sim.config.scenario import ScenarioError, load_scenario
from sim.config.yaml_reader import (
    MAX_YAML_DEPTH,
    MAX_YAML_VALUES,
    NotText,
    RefusedYaml,
    decode_text,
    read_yaml,
    read_yaml_file,
)

from .helpers import ROOT, SCENARIOS, laughs

RETAIL = SCENARIOS / "retail_bank.yaml"
TEXT = RETAIL.read_text(encoding="utf-8")

MEMORY_CAP = 2 * 1024**3
"""Address space (bytes) of the child process that reads a bomb: a regression fails
the test with MemoryError instead of swapping the shared machine to death."""


# -- encodings ------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_read_like_utf8(tmp_path: Path, codec: str):
    raw = TEXT.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):  # these codecs write no mark: add it
        raw = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + raw
    path = tmp_path / "bank.yaml"
    path.write_bytes(raw)
    assert load_scenario(path) == load_scenario(RETAIL)


def test_latin1_names_line_and_column_of_the_first_bad_byte(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TEXT.replace("name: Retail", "name: Café Retail").encode("latin-1"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    line = TEXT.splitlines().index(next(s for s in TEXT.splitlines() if s.startswith("name:")))
    assert err.value.problems == [
        f"line {line + 1}, column 10: not UTF-8 text (byte 0xe9 cannot be decoded: "
        "invalid continuation byte); save the file as UTF-8"
    ]


def test_utf16_without_a_byte_order_mark_is_named():
    with pytest.raises(NotText, match="UTF-16 or UTF-32 without a byte-order mark"):
        decode_text("name: x\n".encode("utf-16-le"))
    with pytest.raises(NotText, match="not valid UTF-16 text after its byte-order mark"):
        decode_text(codecs.BOM_UTF16_LE + b"n\x00a\x00\x00\xd8")  # a lone surrogate


def test_a_control_character_is_placed_by_line_and_column(tmp_path: Path):
    path = tmp_path / "ctrl.yaml"
    path.write_text("name: x\nperiods: 4\x01\n", encoding="utf-8")
    assert read_yaml_file(path) == (
        None,
        ["line 2, column 11: not valid YAML (character #x0001 is not allowed)"],
    )


# -- nesting and aliases ----------------------------------------------------------------


def test_deep_nesting_is_refused_with_the_line_not_a_recursion_error():
    text = "name: " + "[" * 600 + "]" * 600 + "\n"
    with pytest.raises(RefusedYaml, match=f"nested more than {MAX_YAML_DEPTH} levels deep"):
        read_yaml(text)
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(600)) + "  " * 600 + "x: 1\n"
    with pytest.raises(RefusedYaml) as err:
        read_yaml(block)
    assert err.value.problem_mark.line == MAX_YAML_DEPTH  # the first level too deep
    ok = "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH
    assert read_yaml(ok) is not None


def test_alias_bomb_is_refused_before_the_data_is_built():
    """10**8 leaves from a 400-byte file: refused while composing, in well under a
    second and without the memory. Run in a child with a capped address space."""
    code = textwrap.dedent(
        f"""
        import resource, time
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        from sim.config.yaml_reader import RefusedYaml, read_yaml
        from tests.test_input_safety import laughs
        t = time.perf_counter()
        try:
            read_yaml(laughs(8))
        except RefusedYaml as exc:
            print("refused", exc.problem_mark.line + 1, round(time.perf_counter() - t, 3))
        """
    )
    assert len(laughs(8)) < 500
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    word, line, seconds = r.stdout.split()
    assert word == "refused" and int(line) <= 8 and float(seconds) < 5


def test_expansion_counts_every_use_of_an_alias():
    with pytest.raises(RefusedYaml, match=f"more than {MAX_YAML_VALUES:,} values"):
        read_yaml(laughs(7))  # 10**7 leaves
    # shared values of ordinary size are fine, and read as shared data
    data = read_yaml("a: &curve [1, 2, 3]\nb: *curve\nc: {<<: &d {x: 1}, y: 2}\ne: *d\n")
    assert data == {"a": [1, 2, 3], "b": [1, 2, 3], "c": {"x": 1, "y": 2}, "e": {"x": 1}}


def test_a_structure_containing_itself_is_refused():
    with pytest.raises(RefusedYaml, match=r"alias \*a is inside the collection it names"):
        read_yaml("x: &a [1, *a]\n")
    with pytest.raises(RefusedYaml, match=r"alias \*m is inside"):
        read_yaml("x: &m {k: *m}\n")


def test_a_modest_alias_bomb_gets_a_short_message(tmp_path: Path):
    """10**5 leaves pass the reader; the scenario error quotes a few lines, not 400 kB."""
    path = tmp_path / "lol.yaml"
    path.write_text(laughs(5))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "name: must be a valid string, got [[[" in message
    assert max(len(line) for line in message.splitlines()) < MAX_QUOTED_CHARS + 60
    assert len(message) < 2000


# -- duplicate keys ---------------------------------------------------------------------


def test_duplicate_keys_name_the_key_and_both_lines(tmp_path: Path):
    path = tmp_path / "dup.yaml"
    path.write_text(TEXT.replace("seed: 7\n", "seed: 7\nseed: 8\n"))
    line = TEXT.splitlines().index("seed: 7") + 1
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems == [
        f"line {line + 1}, column 1: duplicate key 'seed' (first given on line {line})"
    ]
    nested = "channels:\n  voice: {arrivals: 5, arrivals: 6}\n"
    with pytest.raises(RefusedYaml, match="duplicate key 'arrivals'") as exc:
        read_yaml(nested)
    assert exc.value.problem_mark.line == 1
    # keys equal as values are duplicates whatever their spelling
    with pytest.raises(RefusedYaml, match="duplicate key 1"):
        read_yaml("1: a\n01: b\n")


def test_merged_keys_may_still_be_overridden():
    data = read_yaml("base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  x: 3\n")
    assert data["mine"] == {"x": 3, "y": 2}


# -- scalars ----------------------------------------------------------------------------


def test_yaml_12_integers_and_bad_scalars_are_clean_errors():
    assert read_yaml("a: 0123\nb: 08\nc: 0o17\nd: 0x1f\ne: -007\n") == {
        "a": 123,
        "b": 8,
        "c": 15,
        "d": 31,
        "e": -7,
    }
    with pytest.raises(RefusedYaml, match=r"'x' is not a valid int"):
        read_yaml("a: !!int x\n")
    with pytest.raises(RefusedYaml, match=r"'2020-13-45' is not a valid timestamp"):
        read_yaml("a: !!timestamp 2020-13-45\n")
    with pytest.raises(RefusedYaml, match=r"a whole number of 5,001 digits"):
        read_yaml("a: 1" + "0" * 5000 + "\n")


def test_sweep_and_templates_use_the_same_reader(tmp_path: Path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: x.yaml\nseed: 1\nseed: 2\n")
    with pytest.raises(sim.SweepError, match="line 3, column 1: duplicate key 'seed'"):
        sim.load_sweep(sweep)
    from sim.plan.shifts import ShiftError, load_templates

    templates = tmp_path / "t.yaml"
    templates.write_bytes("templates: [{name: é}]\n".encode("latin-1"))
    with pytest.raises(ShiftError, match=r"t\.yaml: line 1, column 20: not UTF-8 text"):
        load_templates(templates)
