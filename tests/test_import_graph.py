"""The package's import graph: no cycles in ``sim`` and ``forecasting``, and the layers.

Layers (``sim/__init__.py``): ``sim.config`` < ``engine`` < ``measure`` < ``plan`` <
``sweeps`` < ``present`` < ``cli``, each importing only layers before it; ``sim.config``
imports nothing else of ``sim``; nothing outside ``sim.cli`` imports it but
``sim/__main__.py``; ``sim`` and ``forecasting`` never import Streamlit, and nothing
imports the app (the top-level ``app.py``); ``forecasting`` imports only ``sim.config``
of the simulator (and, in its compatibility ``__getattr__``, :mod:`sim.measure.replay`).

No module imports another's private names (``from x import _name``): what a module
shares it names publicly (its local alias may still be private).

Imports are read from the source with :mod:`ast`, at module level and inside functions
alike (a lazy import inside a function still makes the two modules depend on each
other), with relative imports resolved. Imports under ``if TYPE_CHECKING:`` never run,
so they make no cycle. Each check is shown to fail on a planted package first.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "forecasting")
APP = "app"  # the top-level app.py: the Streamlit app, a leaf (installed as sim/ui/app.py)
UI = ("streamlit", APP)  # what sim and forecasting never import
DRIVERS = ("benchmarks",)  # import the packages, are imported by nothing
LAYERS = ("config", "engine", "measure", "plan", "sweeps", "present", "cli")
"""The layers of ``sim``, lowest first."""
COMPAT_GETATTR = ("forecasting", "__getattr__")
"""(module, function) allowed to import from the simulator beyond ``sim.config``."""


@dataclass(frozen=True)
class Import:
    """One imported module, as written in one importing module."""

    importer: str  # dotted name of the importing module
    target: str  # dotted name of the imported module
    names: tuple[str, ...]  # names taken from it (``from target import a, b``); () for ``import``
    line: int
    function: str | None  # the enclosing function (``Class.method``), None at module level
    type_only: bool  # under ``if TYPE_CHECKING:``

    def where(self) -> str:
        scope = f" in {self.function}()" if self.function else ""
        return f"{self.importer}:{self.line}{scope}"


def module_files(root: Path, packages: Iterable[str]) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``) for every module of the
    packages (folders) or single modules (``name.py``) named."""
    out: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        if not (root / package).is_dir():
            out[package] = (root / f"{package}.py", False)
            continue
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            out[".".join(parts)] = (path, is_package)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module = module
        self.base = module.split(".") if is_package else module.split(".")[:-1]
        self.known = known
        self.function: list[str] = []
        self.type_only = 0
        self.found: list[Import] = []

    def _scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    visit_FunctionDef = _scope
    visit_AsyncFunctionDef = _scope
    visit_ClassDef = _scope

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.type_only += 1
            for child in node.body:
                self.visit(child)
            self.type_only -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def _add(self, target: str, names: tuple[str, ...], line: int) -> None:
        self.found.append(
            Import(
                self.module,
                target,
                names,
                line,
                ".".join(self.function) or None,
                self.type_only > 0,
            )
        )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, (), node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            keep = len(self.base) - (node.level - 1)
            parts = self.base[:keep] + ([node.module] if node.module else [])
            source = ".".join(parts)
        else:
            source = node.module or ""
        plain: list[str] = []
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            if sub in self.known:  # ``from pkg import submodule``
                self._add(sub, (), node.lineno)
            else:
                plain.append(alias.name)
        if plain:
            self._add(source, tuple(plain), node.lineno)


def scan(root: Path, packages: Sequence[str]) -> list[Import]:
    """Every import written in the modules of ``packages`` under ``root``."""
    files = module_files(root, packages)
    known = set(files)
    found: list[Import] = []
    for module, (path, is_package) in files.items():
        visitor = _Visitor(module, is_package, known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(visitor.found)
    return found


def within(imports: Iterable[Import], packages: Sequence[str]) -> Iterator[Import]:
    """The imports whose target is in one of ``packages``."""
    for imp in imports:
        if imp.target.split(".")[0] in packages:
            yield imp


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def cycles(imports: Iterable[Import]) -> list[list[str]]:
    """The import cycles among the imports that run: each group of modules that reach
    one another (a module importing itself is a group of one), sorted."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if not imp.type_only:
            graph.setdefault(imp.importer, set()).add(imp.target)
            graph.setdefault(imp.target, set())
    reach = {node: _reachable(graph, node) for node in graph}
    groups = {
        tuple(sorted(m for m in reach[node] if node in reach[m]))
        for node in graph
        if node in reach[node]
    }
    return sorted(list(g) for g in groups)


def _edges(imports: Iterable[Import], component: Sequence[str]) -> list[str]:
    members = set(component)
    return [
        f"{imp.where()} imports {imp.target}"
        for imp in imports
        if imp.importer in members and imp.target in members and not imp.type_only
    ]


def layer(module: str) -> str | None:
    """The layer of a ``sim`` module (``sim.plan.staffing`` -> ``plan``), else None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "sim" and len(parts) > 1 and parts[1] in LAYERS else None


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layering_problems(imports: Iterable[Import]) -> list[str]:
    """Every import (type-only ones too: a dependency all the same) against the layers."""
    problems = []
    for imp in imports:
        src, dst = imp.importer, imp.target
        if _in(src, "forecasting") and _in(dst, "sim") and not _in(dst, "sim.config"):
            if (src, imp.function) != COMPAT_GETATTR:
                problems.append(f"{imp.where()}: forecasting imports {dst} (only sim.config)")
        if layer(src) == "config" and _in(dst, "sim") and layer(dst) != "config":
            problems.append(f"{imp.where()}: sim.config imports {dst} (nothing else of sim)")
        if layer(dst) == "cli" and src != "sim.__main__" and layer(src) != "cli":
            problems.append(f"{imp.where()}: imports {dst} (only sim/__main__.py may)")
        s, d = layer(src), layer(dst)
        if s is not None and d is not None and LAYERS.index(d) > LAYERS.index(s):
            problems.append(f"{imp.where()}: sim.{s} imports {dst}, a later layer")
    return sorted(problems)


def private_imports(imports: Iterable[Import]) -> list[str]:
    """Every ``from x import _name`` of another module (dunder names are not private)."""
    return sorted(
        f"{imp.where()}: imports {name} from {imp.target}"
        for imp in imports
        if imp.target != imp.importer
        for name in imp.names
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
    )


# -- the checks, on a planted package first ------------------------------------------------
def _plant(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_planted_cycle_through_a_function_level_relative_import_is_found(tmp_path: Path):
    _plant(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/models.py": "from .sub import score\n\n\ndef fit():\n    return score.run()\n",
            "pkg/sub/score.py": "def run():\n    from ..models import fit\n\n    return fit\n",
            "pkg/leaf.py": "from pkg import models\n",
        },
    )
    imports = list(within(scan(tmp_path, ["pkg"]), ["pkg"]))
    lazy = [i for i in imports if i.importer == "pkg.sub.score"]
    assert [(i.target, i.function) for i in lazy] == [("pkg.models", "run")]
    assert cycles(imports) == [["pkg.models", "pkg.sub.score"]]
    assert _edges(imports, ["pkg.models", "pkg.sub.score"]) == [
        "pkg.models:1 imports pkg.sub.score",
        "pkg.sub.score:2 in run() imports pkg.models",
    ]


def test_type_only_imports_make_no_cycle_but_a_self_import_does(tmp_path: Path):
    _plant(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import B\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                "    from pkg.a import A\nelse:\n    import pkg.b\n"
            ),
        },
    )
    assert cycles(within(scan(tmp_path, ["pkg"]), ["pkg"])) == [["pkg.b"]]


def test_sim_and_forecasting_have_no_import_cycle():
    imports = list(within(scan(ROOT, PACKAGES), PACKAGES))
    assert len(imports) > 100  # the scan sees the packages' imports
    found = cycles(imports)
    assert not found, "import cycles:\n" + "\n".join(
        "  " + " <-> ".join(c) + "\n    " + "\n    ".join(_edges(imports, c)) for c in found
    )


def test_planted_layering_breaches_are_each_found(tmp_path: Path):
    _plant(
        tmp_path,
        {
            "sim/__init__.py": "",
            "sim/__main__.py": "from sim.cli import main\n",
            "sim/cli/__init__.py": "from .run import main\n",
            "sim/cli/run.py": "from sim.present import chart\n\n\ndef main():\n    pass\n",
            "sim/config/__init__.py": "",
            "sim/config/clock.py": "",
            "sim/config/scenario.py": "from . import clock\nfrom sim.engine import model\n",
            "sim/engine/__init__.py": "",
            "sim/engine/model.py": "from sim.config import scenario\n",
            "sim/measure/__init__.py": "",
            "sim/measure/kpi.py": (
                "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                "    from sim.present.chart import Chart\n"
            ),
            "sim/present/__init__.py": "",
            "sim/present/chart.py": "def show():\n    from sim.cli import run\n",
            "forecasting/__init__.py": (
                "from .fit import fit\n\n\ndef __getattr__(name):\n"
                "    from sim.measure import kpi\n"
            ),
            "forecasting/fit.py": "import sim.config.scenario\nfrom sim.engine import model\n",
            "app.py": "import sim.cli.run\nfrom sim.present import chart\n",
        },
    )
    imports = list(within(scan(tmp_path, ["sim", "forecasting", APP]), ["sim", "forecasting"]))
    assert layering_problems(imports) == [
        "app:1: imports sim.cli.run (only sim/__main__.py may)",
        "forecasting.fit:2: forecasting imports sim.engine.model (only sim.config)",
        "sim.config.scenario:2: sim.config imports sim.engine.model (nothing else of sim)",
        "sim.config.scenario:2: sim.config imports sim.engine.model, a later layer",
        "sim.measure.kpi:4: sim.measure imports sim.present.chart, a later layer",
        "sim.present.chart:2 in show(): imports sim.cli.run (only sim/__main__.py may)",
        "sim.present.chart:2 in show(): sim.present imports sim.cli.run, a later layer",
    ]


def test_sim_and_forecasting_keep_their_layers():
    imports = list(within(scan(ROOT, [*PACKAGES, APP]), PACKAGES))
    assert any(imp.function == COMPAT_GETATTR[1] for imp in imports)  # the exception is used
    problems = layering_problems(imports)
    assert not problems, "layering:\n  " + "\n  ".join(problems)


def test_forecasting_loads_no_simulator_beyond_config_until_replay_is_used():
    code = (
        "import sys, forecasting as fc\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('sim.') and "
        "not m.startswith('sim.config') and m != 'sim._moved')\n"
        "assert not loaded, loaded\n"
        "import sim.measure.replay as r\n"
        "assert (fc.replay, fc.replay_summary) == (r.replay, r.replay_summary)\n"
        "from forecasting import replay\n"
        "assert replay is r.replay and 'replay' in dir(fc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_planted_private_imports_are_found(tmp_path: Path):
    _plant(
        tmp_path,
        {
            "pkg/__init__.py": "from ._impl import run as _run\nfrom pkg import __version__\n",
            "pkg/_impl.py": "def run():\n    from .util import _helper, shared\n",
            "pkg/util.py": "from other.lib import _secret\n_helper = shared = 1\n",
        },
    )
    assert private_imports(scan(tmp_path, ["pkg"])) == [
        "pkg._impl:2 in run(): imports _helper from pkg.util",
        "pkg.util:1: imports _secret from other.lib",
    ]


def test_no_private_name_is_imported_across_modules():
    problems = private_imports(scan(ROOT, [*PACKAGES, APP, *DRIVERS]))
    assert not problems, "private names imported:\n  " + "\n  ".join(problems)


def ui_imports(imports: Iterable[Import]) -> list[str]:
    """Imports of Streamlit or of the app from ``sim`` / ``forecasting``: the UI is a leaf."""
    return sorted(
        f"{imp.where()}: imports {imp.target} (no UI in sim or forecasting)"
        for imp in imports
        if imp.target.split(".")[0] in UI and imp.importer.split(".")[0] in PACKAGES
    )


def test_a_planted_ui_import_is_found(tmp_path):
    _plant(
        tmp_path,
        {
            "sim/__init__.py": "",
            "sim/present/__init__.py": "",
            "sim/present/page.py": "def show():\n    import streamlit as st\n",
            "forecasting/__init__.py": "import app\n",
            "app.py": "import streamlit\nimport sim.present.page\n",
        },
    )
    assert ui_imports(scan(tmp_path, [*PACKAGES, APP])) == [
        "forecasting:1: imports app (no UI in sim or forecasting)",
        "sim.present.page:2 in show(): imports streamlit (no UI in sim or forecasting)",
    ]


def test_sim_and_forecasting_never_import_the_ui():
    """The engine and every layer run without Streamlit; only the top-level app.py has it."""
    assert ui_imports(scan(ROOT, [*PACKAGES, APP])) == []
