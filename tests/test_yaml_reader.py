"""The YAML reader of every input file (scenarios, sweeps, shift templates)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.yaml_reader import NotText, decode_text, read_yaml_file

from .helpers import SCENARIOS

RETAIL = SCENARIOS / "retail_bank.yaml"
TEXT = RETAIL.read_text(encoding="utf-8")

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
