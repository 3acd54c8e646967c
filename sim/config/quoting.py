"""Quoting what the user gave in error messages, never more than a couple of lines.

A bad value can be huge (a list of a million items, a 10 MB string, a structure
blown up through YAML aliases): messages show a bounded ``repr`` of it, built
without walking the whole value, and at most :data:`MAX_QUOTED_CHARS` characters.
"""

from __future__ import annotations

import reprlib
from itertools import islice

__all__ = ["MAX_QUOTED_CHARS", "clip", "quote"]

MAX_QUOTED_CHARS = 200
"""Characters of a bad value (or key, or path) quoted in an error message, at most."""

_ITEMS_SHOWN = 12
"""Items of a list or mapping shown before ``...``."""

_LEVELS_SHOWN = 4
"""Nesting levels of a value shown before ``[...]``."""


class _Repr(reprlib.Repr):
    """:class:`reprlib.Repr` keeping a mapping's own key order (as ``repr`` does)."""

    def repr_dict(self, x: dict[object, object], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = [
            f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
            for k, v in islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{" + ", ".join(pieces) + "}"

    def repr_int(self, x: int, level: int) -> str:
        try:
            return super().repr_int(x, level)
        except ValueError:  # more digits than Python converts to text (sys.int_info)
            return f"<a whole number of about {int(x.bit_length() * _LOG10_2) + 1:,} digits>"


_LOG10_2 = 0.30103

_REPR = _Repr()
_REPR.maxlevel = _LEVELS_SHOWN
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = _ITEMS_SHOWN
_REPR.maxdeque = _REPR.maxarray = _ITEMS_SHOWN
_REPR.maxstring = _REPR.maxlong = _REPR.maxother = MAX_QUOTED_CHARS


def clip(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` if it has at most ``limit`` characters, else its start, ``...`` and
    how long it was."""
    if len(text) <= limit:
        return text
    note = f"... ({len(text):,} characters)"
    return text[: max(limit - len(note), 0)] + note


def quote(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """A ``repr`` of ``value`` for an error message: the same as ``repr`` for short
    values; long strings, long or deep collections shortened with ``...``; never more
    than ``limit`` characters. Cost is bounded whatever the size of ``value``."""
    text = _REPR.repr(value)
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)] + "..."
