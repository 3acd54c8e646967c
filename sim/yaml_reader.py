"""The one YAML reader of ccsim's input files (scenarios, sweeps, shift templates).

Files are parsed with YAML 1.2 core-schema scalars (only ``true``/``false`` are
booleans, so ``on:`` stays a key; ``12:00`` is text) and
read defensively, so every bad file gets one clear message naming the line:

* the text is UTF-8 (a UTF-8 byte-order mark is dropped), or UTF-16 / UTF-32 with a
  byte-order mark, as the YAML spec requires; anything else is refused with the
  line and column of the first byte that is not UTF-8.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml

from .quoting import clip

__all__ = [
    "NotText",
    "decode_text",
    "read_yaml",
    "read_yaml_file",
    "yaml_problem",
]

_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


class NotText(ValueError):
    """A file is not text ccsim can read (not UTF-8, nor UTF-16/32 with a byte-order
    mark). The message names the line and column of the first bad byte."""


def decode_text(raw: bytes) -> str:
    """The text of a YAML file's bytes (see the module docstring for what is accepted).

    Raises :class:`NotText` naming the line and column of the first undecodable byte.
    """
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise NotText(
                    f"not valid {label} text after its byte-order mark "
                    f"(byte {exc.start + len(bom)}: {exc.reason})"
                ) from None
    if b"\x00" in raw[:4096]:
        raise NotText(
            "not a text file: it contains NUL bytes (UTF-16 or UTF-32 without a "
            "byte-order mark, or binary data); save it as UTF-8"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start : exc.start].decode("utf-8", errors="replace")) + 1
        raise NotText(
            f"line {line}, column {column}: not UTF-8 text (byte 0x{raw[exc.start]:02x} "
            f"cannot be decoded: {exc.reason}); save the file as UTF-8"
        ) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars."""


_YAML11_ONLY = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _YAML11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2 core schema: no yes/no/on/off booleans, no 12:00 sexagesimal numbers
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def read_yaml(text: str | bytes) -> Any:
    """Parse YAML as ccsim's files are parsed (YAML 1.2 scalars).

    ``bytes`` are decoded by :func:`decode_text` first. Raises :class:`yaml.YAMLError`
    (line and column in ``problem_mark``) or :class:`NotText`.
    """
    if isinstance(text, bytes):
        text = decode_text(text)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def yaml_problem(exc: yaml.YAMLError, text: str | None = None) -> str:
    """One line for a YAML error: ``"line L, column C: problem"``."""
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        where = ""
        if text is not None and isinstance(exc.position, int):
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            where = f"line {line}, column {column}: "
        return f"{where}not valid YAML (character #x{exc.character:04x} is not allowed)"
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{where}not valid YAML ({clip(problem)})"


def read_yaml_file(path: Path) -> tuple[Any, list[str]]:
    """Read and parse a YAML file: (data, problems); problems name the line and column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"cannot read file: {exc.strerror or exc}"]
    try:
        text = decode_text(raw)
    except NotText as exc:
        return None, [str(exc)]
    try:
        return read_yaml(text), []
    except yaml.YAMLError as exc:
        return None, [yaml_problem(exc, text)]
