"""``ccsim app`` and ``ccsim --version``: the app from an installed package.

Argument handling runs in this process with the Streamlit start replaced; two slow
tests serve the app for real (``ccsim app ... --headless`` answering its health check)
and build a wheel to check it carries the app and the shipped scenarios.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

import sim
import sim.cli.app as app_command
from sim.config.shipped import DEFAULT_SCENARIO, SCENARIO_DIR

from .browser import free_port
from .cli_helpers import ccsim, ccsim_subprocess
from .helpers import ROOT, SCENARIOS


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Streamlit command lines ``ccsim app`` would run (nothing is started)."""
    calls: list[list[str]] = []

    def fake(cmd):
        calls.append(list(cmd))
        return 0

    monkeypatch.setattr(app_command, "run_streamlit", fake)
    return calls


def test_version_is_the_package_version():
    r = ccsim("--version")
    assert (r.returncode, r.stdout, r.stderr) == (0, f"ccsim {sim.__version__}\n", "")
    assert importlib.metadata.version("ccsim") == sim.__version__  # pyproject reads it
    real = ccsim_subprocess("--version")
    assert (real.returncode, real.stdout) == (0, f"ccsim {sim.__version__}\n")


def test_version_loads_no_command_module():
    code = (
        "import sys\nfrom sim.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('sim.cli.forecast', 'sim.cli.staff', 'sim.cli.sweep', "
        "'sim.cli.app', 'pandas', 'streamlit') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_app_runs_the_installed_app_file_on_the_scenario(started, tmp_path: Path):
    mine = tmp_path / "my centre.yaml"
    shutil.copy(SCENARIOS / "erlang_a_check.yaml", mine)
    r = ccsim("app", str(mine), "--port", "8765", "--headless", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (cmd,) = started
    app_file = Path(cmd[4])
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert app_file == ROOT / "app.py" and app_file.is_file()  # a checkout's editable install
    options = cmd[5 : cmd.index("--")]
    assert dict(zip(options[::2], options[1::2], strict=True)) == {
        "--browser.gatherUsageStats": "false",
        "--server.port": "8765",
        "--server.headless": "true",
    }
    assert cmd[cmd.index("--") + 1 :] == [str(mine.resolve())]
    assert f"serving {mine.resolve()}" in r.stderr


def test_app_without_a_scenario_opens_the_shipped_default(started, tmp_path: Path):
    r = ccsim("app", cwd=tmp_path)  # anywhere: the default comes with the package
    assert r.returncode == 0, r.stderr
    (cmd,) = started
    assert cmd[-2:] == ["--", str(DEFAULT_SCENARIO)]
    assert "--server.port" not in cmd and "--server.headless" not in cmd
    # in a checkout the shipped scenarios are scenarios/ itself (no copy to drift)
    assert SCENARIO_DIR == SCENARIOS and DEFAULT_SCENARIO == SCENARIOS / "retail_bank.yaml"


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.yaml"], "missing.yaml: invalid scenario\n  cannot read file:"),
        (["broken.yaml"], "broken.yaml: invalid scenario\n  channels.voice.handle_time.cv:"),
        (["notes.txt"], "notes.txt: the app opens .yaml or .yml scenario files"),
        (["--port", "0"], "argument --port: a port is 1 to 65535, got 0"),
        (["--port", "web"], "argument --port: not a port number: 'web'"),
    ],
)
def test_bad_app_arguments_exit_2_before_streamlit_starts(started, tmp_path, args, message):
    bad = (SCENARIOS / "retail_bank.yaml").read_text().replace("cv: 0.8", "cv: -1", 1)
    (tmp_path / "broken.yaml").write_text(bad)
    (tmp_path / "notes.txt").write_text((SCENARIOS / "retail_bank.yaml").read_text())
    r = ccsim("app", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert started == []


def test_run_streamlit_returns_the_child_exit_code():
    # as they were before (SIGINT is ignored, not Python's handler, in a shell's
    # background job such as `make test &`)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    assert app_command.run_streamlit([sys.executable, "-c", "raise SystemExit(3)"]) == 3
    ended = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert app_command.run_streamlit([sys.executable, "-c", ended]) == 128 + signal.SIGTERM
    # the handlers it set while waiting are put back
    assert signal.getsignal(signal.SIGTERM) == before[0] == signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is before[1]


def _health(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return bytes(r.read().strip())
    except OSError:
        return None


def _ccsim_command() -> list[str]:
    """The installed ``ccsim`` script beside this Python, else ``python -m sim``."""
    script = Path(sys.executable).with_name("ccsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


@pytest.mark.slow
def test_ccsim_app_serves_the_app_and_stops_on_sigterm(tmp_path: Path):
    """Started outside the repository on a user's file; SIGTERM stops it and Streamlit."""
    mine = tmp_path / "mine.yaml"
    shutil.copy(SCENARIOS / "retail_bank.yaml", mine)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [*_ccsim_command(), "app", str(mine), "--port", str(port), "--headless"]
    cmd += ["--address", "127.0.0.1"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while _health(url) != b"ok":
                assert proc.poll() is None, "ccsim app exited early"
                assert time.monotonic() < deadline, "no health answer within 60 s"
                time.sleep(0.25)
            with urllib.request.urlopen(url, timeout=5) as page:
                assert b"<title>" in page.read()  # Streamlit's page, served
            proc.terminate()  # SIGTERM to ccsim: passed on to Streamlit
            assert proc.wait(timeout=30) == 0
            assert _health(url) is None, "Streamlit still serving after ccsim stopped"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.seek(0)
            output = log.read().decode(errors="replace")
    assert f"serving {mine.resolve()}" in output, output


@pytest.mark.slow
def test_a_wheel_carries_the_app_and_the_shipped_scenarios(tmp_path: Path):
    """Build a wheel from a copy of the sources; the files are in it, and an unpacked copy
    finds its app and default scenario inside itself, not in the repository."""
    pytest.importorskip("setuptools")
    src = tmp_path / "src"
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("sim", "forecasting", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=junk)
    for name in ("pyproject.toml", "README.md", "app.py"):
        shutil.copy(ROOT / name, src / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "dist"), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("ccsim-*.whl")
    assert wheel.name.startswith(f"ccsim-{sim.__version__}-")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for name in ("sim/ui/app.py", "sim/cli/app.py", "sim/config/shipped.py"):
            assert name in names
        for scenario in SCENARIOS.glob("*.yaml"):
            assert zf.read(f"sim/scenarios/{scenario.name}") == scenario.read_bytes()
        assert "app.py" not in names  # the top-level entry stays in the checkout
        assert (
            "ccsim = sim.cli:main"
            in zf.read(f"ccsim-{sim.__version__}.dist-info/entry_points.txt").decode()
        )
        zf.extractall(tmp_path / "site")
    site = tmp_path / "site"
    code = (
        "import sim, sim.cli.app as a\n"
        "print(sim.__file__)\nprint(a.app_file())\nprint(a.scenario_path(None))\n"
    )
    where = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert where.returncode == 0, where.stderr
    assert [Path(line) for line in where.stdout.split()] == [
        site / "sim" / "__init__.py",
        site / "sim" / "ui" / "app.py",
        site / "sim" / "scenarios" / "retail_bank.yaml",
    ]
