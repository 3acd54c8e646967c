"""Output paths: checked before any work, written whole or not at all, devices never replaced.

Every file ccsim writes goes through an :class:`OutputStage`:

* a **regular file** (or a new path) is written to a temporary file beside it and moved
  over it with :func:`os.replace` at the end, so it holds the old content or the complete
  new content, never half of it;
* a **character device or FIFO** (``/dev/null``, a terminal, a named pipe) is written
  in place: a rename would replace the device node itself (run as root, ``--json
  /dev/null`` used to destroy the machine's ``/dev/null``);
* an **open descriptor** (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``,
  ``/proc/self/fd/N``) is written through the descriptor itself, as the shell opened it
  (``>> log`` appends): never reopened, truncated or renamed over, whatever it leads to;
* anything else (a directory, a block device, a socket) is refused.

A symbolic link is followed: its target is written (or replaced) and the link stays.

Files staged together are committed together: in-place targets first (the writes that
can still fail: a full device, a closed pipe), then the renames; a failure before the
commit removes every staged file and every directory the stage created.

:func:`output_problem` is the pre-flight check of one output location: what is wrong
with it (a missing or non-directory parent, a directory nobody can write in, a
directory where a file is wanted, ...), so a command can refuse bad locations before
it does any work.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "OutputKind",
    "OutputPathError",
    "OutputStage",
    "atomic_file",
    "output_problem",
    "staged_outputs",
    "written_in_place",
]

OutputKind = Literal["file", "dir"]
"""What an output location should be: a file to write, or a directory to write files in."""

TEMP_SUFFIX = ".tmp"
"""Suffix of the temporary files staged beside their targets (``.NAME.XXXXXXXX.tmp``)."""

PROBE_PREFIX = ".ccsim-probe-"
"""Prefix of the empty file :func:`output_problem` creates (and removes at once) to test
that a directory accepts new files."""

_NEW_FILE_MODE = 0o666
"""Permissions of a new output before the umask (mkstemp's are owner-only 0600)."""

_UMASK = os.umask(0)  # read once (os.umask can only be read by setting it) ...
os.umask(_UMASK)  # ... and put back at once

_ACCESS_EFFECTIVE = os.access in os.supports_effective_ids


class OutputPathError(ValueError):
    """An output location that cannot be written; ``str()`` names the path and the problem."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class _Problem(Exception):
    """Internal: what is wrong with an output location (the message)."""


def written_in_place(mode: int) -> bool:
    """Whether a file of this ``st_mode`` is written in place (a character device or a
    FIFO) rather than replaced by a rename."""
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/(?:self|thread-self|\d+)/fd)/(\d+)")
"""Paths that name an open file descriptor of this process (``/dev/fd/1``)."""
_STANDARD_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}
_MAX_LINKS = 40  # symbolic links followed at most (as the kernel's ELOOP limit)


def descriptor_of(path: str | Path) -> int | None:
    """The open descriptor a path names (``/dev/stdout`` -> 1, ``/dev/fd/3`` -> 3,
    also through symbolic links to them), or None for any other path."""
    text = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        if text in _STANDARD_STREAMS:
            return _STANDARD_STREAMS[text]
        m = _DESCRIPTOR_PATH.fullmatch(text)
        if m and (not text.startswith("/proc/") or text.split("/")[2] in _OWN_PROC):
            return int(m[1])
        try:
            link = os.readlink(text)
        except OSError:  # not a link (or not there): no descriptor
            return None
        text = os.path.abspath(os.path.join(os.path.dirname(text), link))
    return None


_OWN_PROC = {"self", "thread-self", str(os.getpid())}


def _target(path: Path) -> Path:
    """Where output for ``path`` goes: a symbolic link's target, else ``path`` itself
    (a rename over the link would replace the link, not the file it names). A path
    naming an open descriptor is kept as it is (see :func:`descriptor_of`)."""
    if descriptor_of(path) is not None:
        return path
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _stat(path: Path) -> os.stat_result | None:
    """``os.stat`` of ``path``, or None when it does not exist."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise _Problem(f"cannot access {path} ({exc.strerror})") from None


def _check_can_create_in(directory: Path) -> None:
    """Raise :class:`_Problem` unless new files can be created in ``directory``.

    ``os.access`` answers for the permission bits (and a read-only mount), but root
    passes it whatever the bits say, and ``/proc``, ``/sys`` or a root-squashed network
    share still refuse root. So a file is also created (and removed at once): the only
    test every case agrees with.
    """
    if not os.access(directory, os.W_OK | os.X_OK, effective_ids=_ACCESS_EFFECTIVE):
        raise _Problem(f"directory {directory} is not writable")
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=PROBE_PREFIX, suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise _Problem(f"cannot create files in {directory} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def _check_new(path: Path, *, parents: bool) -> None:
    """``path`` does not exist: its directory must exist (or be creatable, with
    ``parents``) and accept new files."""
    parent = path.parent
    st = _stat(parent)
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise _Problem(f"{parent} is not a directory")
        _check_can_create_in(parent)
        return
    for ancestor in parent.parents:  # the nearest one that exists
        found = _stat(ancestor)
        if found is None:
            continue
        if not stat.S_ISDIR(found.st_mode):
            raise _Problem(f"{ancestor} is not a directory")
        if not parents:
            raise _Problem(f"directory {parent} does not exist")
        _check_can_create_in(ancestor)
        return
    raise _Problem(f"directory {parent} does not exist")


def _check_descriptor(fd: int, kind: OutputKind) -> None:
    """An output through open descriptor ``fd``: it must be open for writing."""
    if kind == "dir":
        raise _Problem("is an open descriptor, not a directory")
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        raise _Problem(f"descriptor {fd} is not open") from None
    if flags & os.O_ACCMODE not in (os.O_WRONLY, os.O_RDWR):
        raise _Problem(f"descriptor {fd} is not open for writing")


def _check(path: Path, kind: OutputKind, parents: bool) -> None:
    fd = descriptor_of(path)
    if fd is not None:
        _check_descriptor(fd, kind)
        return
    try:
        target = _target(path)
    except OSError as exc:  # e.g. a directory on the way that the user may not enter
        raise _Problem(f"cannot access {path} ({exc.strerror})") from None
    st = _stat(target)
    if st is None:
        _check_new(target, parents=parents)
        return
    mode = st.st_mode
    if kind == "dir":
        if not stat.S_ISDIR(mode):
            raise _Problem("exists and is not a directory")
        _check_can_create_in(target)
    elif stat.S_ISREG(mode):
        _check_can_create_in(target.parent)  # the new content is staged beside it
    elif stat.S_ISDIR(mode):
        raise _Problem("is a directory, not a file")
    elif written_in_place(mode):
        if not os.access(target, os.W_OK, effective_ids=_ACCESS_EFFECTIVE):
            raise _Problem("is not writable")
    else:
        raise _Problem(f"is {_kind_of(mode)}; outputs go to files, character devices or FIFOs only")


def output_problem(
    path: str | Path, *, kind: OutputKind = "file", parents: bool = False
) -> str | None:
    """What stops ccsim writing an output at ``path``, or None when nothing does.

    Parameters
    ----------
    path : the output location, as the user gave it.
    kind : ``"file"``: a file to write (a regular file to replace, a new path, or a
        character device / FIFO to write in place); ``"dir"``: a directory to write
        files in (existing, or to create).
    parents : missing directories above ``path`` are created when writing, so they
        are fine here (the nearest existing one must accept new directories).

    Returns
    -------
    str or None
        The problem, e.g. ``"directory out does not exist"``, ``"afile is not a
        directory"``, ``"is a directory, not a file"``. Nothing is left on disk.
    """
    try:
        _check(Path(path), kind, parents)
    except _Problem as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class _Staged:
    target: Path  # where the content goes
    temp: Path  # the file the writer fills
    in_place: bool  # a character device, FIFO or open descriptor: copied into, never replaced
    descriptor: int | None = None  # an open descriptor of this process to write through


class OutputStage:
    """Outputs written to temporary files first, then committed together.

    :meth:`file` gives the temporary path to write each output into; :meth:`commit`
    puts them all in place; :meth:`discard` (always call it, e.g. through
    :func:`staged_outputs`) removes whatever was not committed.

    Parameters
    ----------
    durable : ``fsync`` each replaced file before its rename, so after a crash it is
        the old file or the whole new one (the sweep's resumable parts rely on this).
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self._staged: list[_Staged] = []
        self._made_dirs: list[Path] = []
        self._private: Path | None = None

    def file(self, path: str | Path) -> Path:
        """A new empty temporary file to write ``path``'s content into.

        Missing directories above ``path`` are created (and removed again if the stage
        is discarded). Raises :class:`OutputPathError` for a directory, a block device
        or a socket at ``path``.
        """
        fd = descriptor_of(path)
        if fd is not None:
            temp = self._private_file(Path(path).name)
            self._staged.append(_Staged(Path(path), temp, in_place=True, descriptor=fd))
            return temp
        target = _target(Path(path))
        try:
            st = _stat(target)
        except _Problem as exc:
            raise OutputPathError(path, str(exc)) from None
        if st is not None and not stat.S_ISREG(st.st_mode):
            if not written_in_place(st.st_mode):
                raise OutputPathError(path, f"is {_kind_of(st.st_mode)}, not a file")
            temp = self._private_file(target.name)
            self._staged.append(_Staged(target, temp, in_place=True))
            return temp
        self._make_dirs(target.parent)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
        )
        os.close(fd)
        self._staged.append(_Staged(target, Path(name), in_place=False))
        return Path(name)

    def _private_file(self, name: str) -> Path:
        """A new empty file in the stage's private folder (content for in-place targets)."""
        if self._private is None:
            self._private = Path(tempfile.mkdtemp(prefix="ccsim-output-"))
        temp = self._private / f"{len(self._staged)}-{name}"
        temp.touch()
        return temp

    def _make_dirs(self, directory: Path) -> None:
        missing: list[Path] = []
        while not directory.is_dir() and directory != directory.parent:
            missing.append(directory)
            directory = directory.parent
        for d in reversed(missing):
            d.mkdir()
            self._made_dirs.append(d)

    def commit(self) -> None:
        """Write the in-place targets, then move every staged file into place."""
        for s in self._staged:
            if s.descriptor is not None:
                _write_through(s.temp, s.descriptor)
            elif s.in_place:
                _copy_into(s.temp, s.target)
        regular = [s for s in self._staged if not s.in_place]
        for s in regular:
            os.chmod(s.temp, _NEW_FILE_MODE & ~_UMASK)
            if self.durable:
                with open(s.temp, "rb+") as fh:
                    os.fsync(fh.fileno())
        for s in regular:
            os.replace(s.temp, s.target)
        self._staged.clear()
        self._made_dirs.clear()

    def discard(self) -> None:
        """Remove every staged file not committed, and the directories the stage made."""
        for s in self._staged:
            s.temp.unlink(missing_ok=True)
        self._staged.clear()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None
        for d in reversed(self._made_dirs):
            try:
                d.rmdir()
            except OSError:  # not empty: something else wrote there meanwhile
                break
        self._made_dirs.clear()


def _copy_into(source: Path, target: Path) -> None:
    """Write ``source``'s bytes into the character device or FIFO ``target``.

    Opened without ``O_CREAT`` or ``O_TRUNC``: the node is written, never created or
    replaced (a FIFO's open waits for its reader, as a shell's ``>`` does).
    """
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    with open(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out)


def _write_through(source: Path, fd: int) -> None:
    """Write ``source``'s bytes to the open descriptor ``fd`` (left open, as it was).

    Python's own buffered ``sys.stdout`` / ``sys.stderr`` are flushed first, so what
    the command printed before stays before.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.fileno() == fd:
                stream.flush()
        except (OSError, ValueError):  # a replaced stream without a descriptor
            pass
    data = source.read_bytes()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def staged_outputs(*, durable: bool = False) -> Iterator[OutputStage]:
    """An :class:`OutputStage` committed when the block ends, discarded if it raises."""
    stage = OutputStage(durable=durable)
    try:
        yield stage
        stage.commit()
    finally:
        stage.discard()


@contextmanager
def atomic_file(path: str | Path, *, durable: bool = False) -> Iterator[Path]:
    """Write one output: a temporary path to fill, put in place when the block ends.

    A regular file (or a new path) is replaced by a rename; a character device or FIFO
    is written in place. ``durable``: see :class:`OutputStage`.
    """
    with staged_outputs(durable=durable) as stage:
        yield stage.file(path)
