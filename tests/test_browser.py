"""End to end in a real headless Chromium: the reallocation explorer served by streamlit."""

from __future__ import annotations

import os  # noqa: E402
import time
from pathlib import Path

import pytest

import sim
from sim.plan.whatif import movable_agents, reallocate
from sim.present.display import pct, pts

from .browser import CHROMIUM, chromium, serve_app, wait_idle
from .helpers import SCENARIOS

pytestmark = [pytest.mark.browser]
# In CI (`make test` installs Chromium first) a missing browser is a failure, not a skip.
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api")
    pytestmark.append(
        pytest.mark.skipif(
            not CHROMIUM.exists(), reason=f"{CHROMIUM} missing (make chromium installs it)"
        )
    )


def metric_texts(page) -> dict[str, str]:
    """Tile label -> the tile's text (value and delta)."""
    out = {}
    for tile in page.locator('[data-testid="stMetric"]').all():
        label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = tile.inner_text()
    return out


def test_reallocation_explorer_in_chromium(tmp_path: Path):
    bank = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    most = movable_agents(bank, "phones", 0, bank.periods)
    base = sim.simulate(bank)
    moved_all = sim.simulate(reallocate(bank, "phones", "digital", most, 0, bank.periods))
    diff = sim.compare(base, moved_all).set_index(["channel", "kpi"])

    with serve_app(SCENARIOS / "retail_bank.yaml") as url, chromium() as page:
        started = time.perf_counter()
        page.goto(f"{url}/reallocation")
        page.get_by_role("heading", name="Reallocation explorer").wait_for(timeout=60_000)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
        wait_idle(page)
        first_render = time.perf_counter() - started

        slider = page.get_by_role("slider", name="Agents moved")
        assert slider.get_attribute("aria-valuetext") == str(most // 2)
        slider.focus()
        slider.press("End")  # move every agent the window allows
        expected_sl = pts(diff.loc[("voice", "service_level"), "delta"])
        page.get_by_text(f"Moving {most} agents from phones to digital").wait_for(timeout=60_000)
        wait_idle(page)
        page.locator('[data-testid="stMetric"]').first.get_by_text(expected_sl).wait_for(
            timeout=60_000
        )
        assert slider.get_attribute("aria-valuetext") == str(most)

        tiles = metric_texts(page)
        for channel in bank.channels:
            row = diff.loc[(channel, "service_level")]
            tile = tiles[f"{channel} · service level"]
            assert pct(row["whatif"]) in tile
            assert pts(row["delta"], row["ci95"]) in tile
        # helping digital hurt voice, and the page says so
        assert (
            diff.loc[("voice", "service_level"), "delta"]
            < 0
            < diff.loc[("chat", "service_level"), "delta"]
        )
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        assert charts.count() == 1
        charts.first.scroll_into_view_if_needed()
        charts.first.locator("canvas, svg").first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "reallocation.png"), full_page=True)
    assert (tmp_path / "reallocation.png").stat().st_size > 10_000
    print(f"reallocation explorer first render: {first_render:.1f} s")
