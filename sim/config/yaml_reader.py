"""The one YAML reader of ccsim's input files (scenarios, sweeps, shift templates).

Files are parsed with YAML 1.2 core-schema scalars (only ``true``/``false`` are
booleans, so ``on:`` stays a key; ``0123`` is the number 123; ``12:00`` is text) and
read defensively, so every bad file gets one clear message naming the line:

* the text is UTF-8 (a UTF-8 byte-order mark is dropped), or UTF-16 / UTF-32 with a
  byte-order mark, as the YAML spec requires; anything else is refused with the
  line and column of the first byte that is not UTF-8;
* nesting deeper than :data:`MAX_YAML_DEPTH` is refused (instead of overflowing
  Python's stack);
* a document that would hold more than :data:`MAX_YAML_VALUES` values, aliases
  counted at their expanded size, is refused while it is being read, before the
  data is built (a "billion laughs" file of a few hundred bytes would otherwise
  expand to 10^8 values); so is an alias inside the collection it names;
* a key given twice in one mapping is an error naming the key and both lines
  (plain YAML keeps the last silently).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from sim.config.quoting import clip, quote

__all__ = [
    "MAX_NUMBER_DIGITS",
    "MAX_YAML_DEPTH",
    "MAX_YAML_VALUES",
    "NotText",
    "RefusedYaml",
    "decode_text",
    "read_model_file",
    "read_yaml",
    "read_yaml_file",
    "yaml_problem",
]

MAX_YAML_DEPTH = 32
"""Nesting levels (collections inside collections) a file may have; ccsim's own
formats need fewer than ten."""

MAX_YAML_VALUES = 2_000_000
"""Values (scalars and collections) one document may hold, aliases counted at their
expanded size. A year of 5-minute intervals with a per-interval list for ten
channels and groups is about 1,000,000; reading a file that large takes a minute."""

MAX_NUMBER_DIGITS = 1_000
"""Digits a whole number in a file may have (Python converts at most 4,300)."""

_MERGE_TAG = "tag:yaml.org,2002:merge"

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


class RefusedYaml(yaml.MarkedYAMLError):
    """Parseable YAML that ccsim refuses: nested too deeply, expanding too far through
    aliases, containing itself, a key given twice, or a scalar that is not what its
    tag says. ``problem`` says which, ``problem_mark`` where."""

    def __init__(self, problem: str, mark: Any):
        super().__init__(None, None, problem, mark)


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
    """SafeLoader with YAML 1.2 core-schema scalars and the limits of this module."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0  # collections open around the node being composed
        self._values = 0  # values composed so far, aliases at their expanded size
        self._open_anchors: set[str] = set()  # anchors of collections still open
        self._anchor_values: dict[str, int] = {}  # expanded size of each anchored node

    def _count(self, values: int, node_mark: Any) -> None:
        self._values += values
        if self._values > MAX_YAML_VALUES:
            raise RefusedYaml(
                f"the document holds more than {MAX_YAML_VALUES:,} values with its "
                "aliases expanded (a 'billion laughs' file?); refusing to build it",
                node_mark,
            )

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            if event.anchor in self._open_anchors:
                raise RefusedYaml(
                    f"alias *{clip(event.anchor)} is inside the collection it names "
                    "(a structure containing itself)",
                    event.start_mark,
                )
            shared = super().compose_node(parent, index)  # (an undefined alias raises)
            self._count(self._anchor_values.get(event.anchor or "", 1), event.start_mark)
            return shared
        anchor = event.anchor
        collection = isinstance(event, CollectionStartEvent)
        before = self._values
        if collection:
            if self._depth >= MAX_YAML_DEPTH:
                raise RefusedYaml(
                    f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark
                )
            self._depth += 1
            if anchor is not None:
                self._open_anchors.add(anchor)
        self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        if collection:
            self._depth -= 1
            self._open_anchors.discard(anchor)
        if anchor is not None:
            self._anchor_values[anchor] = self._values - before
        if isinstance(node, MappingNode):
            self._check_unique_keys(node)
        return node

    def _check_unique_keys(self, node: MappingNode) -> None:
        """Refuse a key given twice in one mapping (merged ``<<`` keys may be overridden)."""
        seen: dict[Any, int] = {}  # key -> line it was first given on
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue  # complex keys: the constructor refuses unhashable ones
            key = self.construct_object(key_node)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable: the constructor says so
                continue
            if first is not None:
                raise RefusedYaml(
                    f"duplicate key {quote(key)} (first given on line {first})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """As SafeLoader, but a scalar that is not what its tag says (``!!int x``, a
        13th month) is a :class:`RefusedYaml` naming the line, not a ValueError."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            if isinstance(exc, yaml.YAMLError) or not isinstance(node, ScalarNode):
                raise
            tag = node.tag.rsplit(":", 1)[-1]
            raise RefusedYaml(
                f"{quote(node.value)} is not a valid {tag} ({clip(str(exc), 80)})",
                node.start_mark,
            ) from None

    def construct_yaml_int(self, node: ScalarNode) -> int:
        """YAML 1.2 core schema: decimal (leading zeros allowed), 0o octal, 0x hex."""
        text = str(self.construct_scalar(node))
        if len(text) > MAX_NUMBER_DIGITS:
            raise RefusedYaml(
                f"a whole number of {len(text):,} digits (at most {MAX_NUMBER_DIGITS:,})",
                node.start_mark,
            )
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits.startswith("0o"):
            return sign * int(digits[2:], 8)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        return sign * int(digits, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)

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
    """Parse YAML as ccsim's files are parsed (YAML 1.2 scalars, the limits above).

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
    if isinstance(exc, RefusedYaml):
        return f"{where}{problem}"
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


T = TypeVar("T")


def read_model_file(
    path: str | Path, parse: Callable[[Any, str], T], error: Callable[[str], Exception]
) -> T:
    """Read a small YAML file (shift templates, roster rules, a capacity plan) and
    validate it with ``parse(data, source)``; an unreadable file or bad YAML raises
    ``error("<path>: <problems>")``."""
    p = Path(path)
    data, problems = read_yaml_file(p)
    if problems:
        raise error(f"{p}: " + "; ".join(problems))
    return parse(data, str(p))
