"""A folder of saved scenarios (the app's scenario library): save, list, open,
duplicate and delete, as plain YAML files the CLI reads (``ccsim run NAME.yaml``).

Names are validated (letters, digits, ``-``, ``_``, ``.`` and spaces; no path
separators, no leading dot), files are written whole through the one safe writer
(:func:`sim.config.outputs.atomic_file`), and a path that exists but is not a
regular file (a directory, a device, a FIFO, a symbolic link) is never written,
replaced or deleted. No Streamlit here.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from sim.config.outputs import atomic_file
from sim.config.scenario import Scenario, ScenarioError, load_scenario
from sim.config.shipped import is_scenario_file

__all__ = [
    "DEFAULT_FOLDER",
    "LibraryError",
    "SavedScenario",
    "delete",
    "duplicate",
    "file_for",
    "listing",
    "open_saved",
    "save",
    "valid_name",
]

DEFAULT_FOLDER = Path("scenarios")
"""Where the app saves scenarios unless told otherwise (relative to the working folder)."""
SUFFIX = ".yaml"
MAX_NAME = 80
"""Longest scenario name (characters, without ``.yaml``)."""
_NAME = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_\-. ]*")


class LibraryError(ValueError):
    """A bad name or folder, or a file that cannot be written, read or deleted."""


@dataclass(frozen=True)
class SavedScenario:
    """One file of the library: its name (the file name without ``.yaml``), path,
    and the scenario's own ``name`` field (None with ``problems`` if it is invalid)."""

    name: str
    path: Path
    title: str | None
    problems: tuple[str, ...] = ()


def valid_name(name: str) -> str:
    """``name`` stripped, or :class:`LibraryError` saying what is wrong with it."""
    text = name.strip().removesuffix(SUFFIX).strip()
    if not text:
        raise LibraryError("name: give the scenario a name")
    if len(text) > MAX_NAME:
        raise LibraryError(f"name: at most {MAX_NAME} characters, got {len(text)}")
    if not _NAME.fullmatch(text):
        raise LibraryError(
            f"name: {text!r} may use letters, digits, spaces, '-', '_' and '.', "
            "and must not start with '.' or a space"
        )
    return text


def _folder(folder: str | Path) -> Path:
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise LibraryError(f"folder: {path} is not a folder")
    return path


def file_for(folder: str | Path, name: str) -> Path:
    """The file a scenario called ``name`` is saved in (``folder/NAME.yaml``)."""
    return _folder(folder) / f"{valid_name(name)}{SUFFIX}"


def _kind(path: Path) -> str | None:
    """None when ``path`` is absent, "file" for a regular file, else what it is."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"


def _regular_or_absent(path: Path) -> bool:
    """True if ``path`` is a regular file, False if absent; LibraryError otherwise."""
    kind = _kind(path)
    if kind not in (None, "file"):
        raise LibraryError(f"{path}: is a {kind}, not a regular file; left alone")
    return kind == "file"


def save(sc: Scenario, folder: str | Path, name: str, *, overwrite: bool = False) -> Path:
    """Write ``sc`` as ``folder/NAME.yaml`` (the folder is created if missing).

    Refuses an existing file unless ``overwrite``, and anything that is not a regular
    file always. The file is complete or absent, never half-written."""
    return _write(file_for(folder, name), sc.to_yaml(), overwrite=overwrite)


def _write(path: Path, text: str, *, overwrite: bool) -> Path:
    if _regular_or_absent(path) and not overwrite:
        raise LibraryError(f"name: {path.name} already exists in {path.parent}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LibraryError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def listing(folder: str | Path) -> list[SavedScenario]:
    """Every ``*.yaml`` regular file of ``folder`` (sweep files and capacity plans left
    out), by name,
    each read and validated; an absent folder lists nothing."""
    path = _folder(folder)
    if not path.exists():
        return []
    out = []
    for file in sorted(path.glob(f"*{SUFFIX}")):
        if file.name.startswith(".") or not is_scenario_file(file) or _kind(file) != "file":
            continue
        try:
            title: str | None = load_scenario(file).name
            problems: tuple[str, ...] = ()
        except ScenarioError as err:
            title, problems = None, tuple(err.problems)
        out.append(SavedScenario(file.stem, file, title, problems))
    return out


def open_saved(folder: str | Path, name: str) -> Scenario:
    """Load ``folder/NAME.yaml`` (raises :class:`sim.ScenarioError` if it is invalid)."""
    path = file_for(folder, name)
    if not _regular_or_absent(path):
        raise LibraryError(f"name: no {path.name} in {path.parent}")
    return load_scenario(path)


def duplicate(folder: str | Path, name: str, new_name: str) -> Path:
    """Copy ``NAME.yaml`` to ``NEW_NAME.yaml`` in the same folder, byte for byte
    (comments kept), never over an existing file. The copy must be a valid scenario."""
    source = file_for(folder, name)
    open_saved(folder, name)  # valid, and a regular file
    return _write(file_for(folder, new_name), source.read_text(encoding="utf-8"), overwrite=False)


def delete(folder: str | Path, name: str) -> None:
    """Remove ``folder/NAME.yaml``; anything but a regular file is left alone."""
    path = file_for(folder, name)
    if not _regular_or_absent(path):
        raise LibraryError(f"name: no {path.name} in {path.parent}")
    try:
        path.unlink()
    except OSError as exc:
        raise LibraryError(f"{path}: cannot delete ({exc.strerror or exc})") from None
