"""Save README screenshots of the app's main pages: ``python -m tests.screenshots tests/images``.

Serves the app on a free localhost port, opens each page in headless Debian
Chromium, waits until the page has finished running and its charts are drawn, and
writes ``<dir>/<page>.png``. Prints how long each page took to render.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from .browser import chromium, serve_app, wait_idle
from .helpers import SCENARIOS

TIMEOUT_MS = 180_000


def _optimise(page) -> None:
    """A short search (the page's inputs), then its results down to the shifts."""
    for label, value in (
        ("Replications per step", 3),
        ("Confirmation replications", 6),
        ("Simulation budget", 20),
    ):
        box = page.get_by_label(label, exact=True)
        box.fill(str(value))
        box.press("Enter")
        wait_idle(page, timeout_ms=TIMEOUT_MS)
    page.get_by_role("button", name="Optimise", exact=True).click()
    page.get_by_text("Where the optimiser and per-channel Erlang differ").wait_for(
        timeout=TIMEOUT_MS
    )


def _library(page) -> None:
    """List the shipped scenarios folder (nothing is written)."""
    page.get_by_text("Saved scenarios").first.wait_for(timeout=TIMEOUT_MS)


def _forecast(page) -> None:
    """Switch the intraday reforecast on and wait for it, the page's last chart."""
    page.get_by_text("Reforecast a day").click()
    page.get_by_text("rest of day · reforecast").wait_for(timeout=TIMEOUT_MS)


VEGA = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
PAGES = {
    # url path: (file name, heading, what must be drawn before the shot)
    "": ("simulate", "Simulate", VEGA),
    "reallocation": (
        "reallocation",
        "Reallocation explorer",
        VEGA,
    ),
    "journeys": ("journey_map", "Journey map", '[data-testid="stGraphVizChart"] svg'),
    "staffing": ("staffing", "Staffing", VEGA),
    "optimise": ("optimise", "Optimise staffing", VEGA),
    "compare": ("compare", "Compare scenarios", VEGA),
    "forecast": ("forecast", "Forecast", VEGA),
    "capacity": ("capacity", "Capacity plan", VEGA),
    "scenario": ("scenario", "Scenario", '[data-testid="stDataFrame"]'),
    "library": ("library", "Scenario library", '[data-testid="stDataFrame"]'),
}


def _sweep(page) -> None:
    """Switch the reallocation explorer's sweep chart on."""
    page.get_by_text("Sweep the agents moved").click()


ACTIONS: dict[str, Callable[[object], None]] = {
    "reallocation": _sweep,
    "optimise": _optimise,
    "library": _library,
    "forecast": _forecast,
}
"""What to do on a page before its shot (after its heading shows)."""


def shoot(
    out: Path, width: int = 1400, height: int = 1500, only: list[str] | None = None
) -> dict[str, float]:
    """Screenshot every page (or the file names in ``only``) into ``out``; return each
    page's render time (s)."""
    out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    with serve_app(SCENARIOS / "retail_bank.yaml") as url, chromium(width, height) as page:
        for path, (name, heading, drawn) in PAGES.items():
            if only and name not in only:
                continue
            started = time.perf_counter()
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
            wait_idle(page, timeout_ms=TIMEOUT_MS)
            if path in ACTIONS:
                ACTIONS[path](page)
                wait_idle(page, timeout_ms=TIMEOUT_MS)
            page.locator(drawn).first.wait_for(timeout=TIMEOUT_MS)
            times[path] = time.perf_counter() - started
            page.wait_for_timeout(500)  # let chart transitions settle
            page.screenshot(path=str(out / f"{name}.png"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out",
        nargs="?",
        default=Path(__file__).parent / "images",
        type=Path,
        help="folder for the PNGs",
    )
    parser.add_argument("--only", nargs="*", help="file names of the pages to shoot (default all)")
    args = parser.parse_args()
    for page, seconds in shoot(args.out, only=args.only).items():
        print(f"{page or 'simulate':>13}: rendered in {seconds:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
