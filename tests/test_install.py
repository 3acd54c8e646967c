"""The install path: Chromium installs even when one package list cannot be updated."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .helpers import ROOT

FAKE_APT = """#!/bin/sh
echo "apt-get $*" >> "$APT_LOG"
case "$1" in
  update) echo "E: Failed to fetch one list" >&2; exit {update_rc} ;;
  install) [ {install_rc} -eq 0 ] && printf '#!/bin/sh\\n' > "$TARGET" && chmod +x "$TARGET"
           exit {install_rc} ;;
esac
"""


def _make_chromium(tmp_path: Path, update_rc: int, install_rc: int):
    """Run ``make chromium`` with a stand-in apt-get; returns (result, target, log)."""
    assert shutil.which("make"), "make is not installed (the README's set-up needs it)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    apt = bin_dir / "apt-get"
    apt.write_text(FAKE_APT.format(update_rc=update_rc, install_rc=install_rc))
    apt.chmod(0o755)
    sudo = bin_dir / "sudo"  # when not root: run the stand-in directly
    sudo.write_text('#!/bin/sh\n[ "$1" = "-n" ] && shift\nexec "$@"\n')
    sudo.chmod(0o755)
    target = tmp_path / "chromium"
    log = tmp_path / "apt.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "APT_LOG": str(log),
        "TARGET": str(target),
    }
    res = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "chromium", f"CHROMIUM={target}"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    return res, target, log


def test_a_failed_update_does_not_stop_the_install(tmp_path):
    """`apt-get update` fails for one list: the install still runs and succeeds."""
    res, target, log = _make_chromium(tmp_path, update_rc=100, install_rc=0)
    assert res.returncode == 0, res.stderr
    assert "apt-get update" in log.read_text() and "apt-get install" in log.read_text()
    assert "'apt-get update' failed" in res.stderr
    assert target.exists()


def test_a_failed_install_fails_and_says_so(tmp_path):
    res, target, _ = _make_chromium(tmp_path, update_rc=0, install_rc=100)
    assert res.returncode != 0
    assert "'apt-get install chromium' failed" in res.stderr
    assert f"no browser at {target}" in res.stderr
