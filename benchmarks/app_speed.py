"""The app's speed in a real browser: first visit of each page, and one control changed.

For every page of the app (found from its navigation), in a fresh ``streamlit run``
server each round: the wall time from the server answering its health check to the
page being complete in headless Debian Chromium (the script has finished, no spinner
or skeleton is left, every chart has drawn its canvas or SVG). Then, on the pages with
a control the issue names (Simulate: replications and seed; Reallocation explorer:
agents moved, the window), the time from changing it to the updated page. Medians of ``--repeats``
rounds, on ``scenarios/retail_bank.yaml`` at its default replications.

Run from the project root: ``python -m benchmarks.app_speed`` (part of ``make bench``;
needs Chromium, ``make chromium``). Targets (issue 15): first visit <= 4 s, a changed
control <= 1.5 s. The machine's speed matters: a bare Streamlit page (a title and one
number) is timed in the same rounds as the reference, so the ratio says how much
slower than the least a Streamlit page can cost each page is.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser import chromium, serve_app

ROOT = Path(__file__).resolve().parents[1]
FIRST_VISIT_TARGET = 4.0  # s
CONTROL_TARGET = 1.5  # s
TIMEOUT_MS = 120_000

COMPLETE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1')) return false;
  if (document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    if (!c.querySelector('canvas, svg')) return false;
  for (const c of document.querySelectorAll('[data-testid="stGraphVizChart"]'))
    if (!c.querySelector('svg')) return false;
  return true;
}"""

RUNNING = """() => document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state') === 'running'"""


def complete(page: Any) -> None:
    page.wait_for_function(COMPLETE, timeout=TIMEOUT_MS, polling=50)


def rerun_complete(page: Any) -> None:
    """Wait for the rerun a control change starts (if it is not over already), then
    for the complete page."""
    try:
        page.wait_for_function(RUNNING, timeout=2_000, polling=20)
    except Exception:  # noqa: BLE001 - a rerun faster than the poll: nothing to wait for
        pass
    complete(page)


def pages(scenario: Path) -> list[str]:
    """The app's page URL paths, from its navigation."""
    with serve_app(scenario) as url, chromium() as browser_page:
        page: Any = browser_page
        page.goto(url)
        complete(page)
        links = page.locator('[data-testid="stSidebarNavLink"]')
        paths = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    return [p.rstrip("/").rsplit("/", 1)[-1] if p.rstrip("/") != url else "" for p in paths]


def _number(label: str, delta: int) -> Callable[[Any], None]:
    def change(page: Any) -> None:
        box = page.get_by_label(label, exact=True).first
        box.fill(str(int(box.input_value()) + delta))
        box.press("Enter")

    return change


def _slider_end(label: str) -> Callable[[Any], None]:
    def change(page: Any) -> None:
        slider = page.get_by_role("slider", name=label)
        slider.focus()
        slider.press("End")

    return change


def _window_start_later(label: str) -> Callable[[Any], None]:
    def change(page: Any) -> None:
        thumb = page.get_by_role("slider", name=label).first
        thumb.focus()
        thumb.press("ArrowRight")  # the window starts one interval later

    return change


CONTROLS: dict[str, dict[str, Callable[[Any], None]]] = {
    "simulate": {"replications +1": _number("Replications", 1), "seed +1": _number("Seed", 1)},
    "reallocation": {
        "agents moved to the most": _slider_end("Agents moved"),
        "window one interval later": _window_start_later("Window (interval starts)"),
    },
}
"""Per page URL path: the controls changed, each after the page is complete."""


def round_of(scenario: Path, path: str) -> tuple[float, dict[str, float]]:
    """One fresh server: first visit of ``path`` (s), then each control change (s)."""
    with serve_app(scenario) as url, chromium() as browser_page:
        page: Any = browser_page
        started = time.perf_counter()
        page.goto(f"{url}/{path}")
        complete(page)
        first = time.perf_counter() - started
        changes = {}
        for name, change in CONTROLS.get(path or "simulate", {}).items():
            t = time.perf_counter()
            change(page)
            rerun_complete(page)
            changes[name] = time.perf_counter() - t
    return first, changes


BARE_PAGE = 'import streamlit as st\nst.title("Bare page")\nst.metric("one", 1)\n'


def bare_round() -> float:
    """First visit of a bare Streamlit page (s), served the same way."""
    with tempfile.TemporaryDirectory(prefix="ccsim-bare-") as tmp:
        script = Path(tmp) / "bare.py"
        script.write_text(BARE_PAGE, encoding="utf-8")
        with serve_app(script=script) as url, chromium() as browser_page:
            page: Any = browser_page
            started = time.perf_counter()
            page.goto(url)
            complete(page)
            return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.app_speed")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios/retail_bank.yaml")
    p.add_argument("--pages", nargs="*", help="URL paths (default: every page of the app)")
    args = p.parse_args(argv)
    paths = args.pages if args.pages else pages(args.scenario)
    for path in paths:
        rounds, bare = [], []
        for _ in range(args.repeats):
            rounds.append(round_of(args.scenario, path))
            bare.append(bare_round())
        first = statistics.median(r[0] for r in rounds)
        ref = statistics.median(bare)
        verdict = "met" if first <= FIRST_VISIT_TARGET else "NOT met"
        print(
            f"app: /{path or '(default)'} first visit {first:.2f} s, median of {args.repeats} "
            f"(bare Streamlit page {ref:.2f} s, ratio {first / ref:.1f}); "
            f"target <= {FIRST_VISIT_TARGET:g} s: {verdict}"
        )
        for name in rounds[0][1]:
            t = statistics.median(r[1][name] for r in rounds)
            verdict = "met" if t <= CONTROL_TARGET else "NOT met"
            print(f"app: /{path} {name}: {t:.2f} s (target <= {CONTROL_TARGET:g} s: {verdict})")


if __name__ == "__main__":
    main()
