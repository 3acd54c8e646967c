"""End to end in a real headless Chromium: the reallocation explorer served by streamlit."""

from __future__ import annotations

import os  # noqa: E402
import re
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
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
        wait_idle(page)
        first_render = time.perf_counter() - started
        assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0  # on request
        page.get_by_text("Sweep the agents moved").click()
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
        wait_idle(page)

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


# -- every page's main path, one served app for all of them ---------------------------------
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def app_url():
    with serve_app(SCENARIOS / "retail_bank.yaml") as url:
        yield url


@pytest.fixture()
def page():
    with chromium() as p:
        yield p


@pytest.fixture(scope="module")
def bank() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "retail_bank.yaml")


def metric_text(page, label: str) -> str:
    """The text of the tile labelled ``label``, once it is on the page (a loaded machine
    may show the heading well before the tiles)."""
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    tile.first.wait_for(timeout=TIMEOUT_MS)
    return metric_texts(page)[label]


def open_in_browser(page, url: str, heading: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, timeout_ms=TIMEOUT_MS)


def drawn(page, selector: str = '[data-testid="stVegaLiteChart"]') -> int:
    """Wait until the first chart (or element) is drawn; return how many there are."""
    found = page.locator(selector)
    found.first.scroll_into_view_if_needed()
    if "VegaLite" in selector:
        found.first.locator("canvas, svg").first.wait_for(timeout=TIMEOUT_MS)
    else:
        found.first.wait_for(timeout=TIMEOUT_MS)
    return int(found.count())


def enter_number(page, label: str, value: float) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page, timeout_ms=TIMEOUT_MS)


def test_simulate_page_in_chromium(app_url: str, page, bank: sim.Scenario):
    res = sim.simulate(bank)
    open_in_browser(page, f"{app_url}/simulate", "Simulate")
    tiles = metric_texts(page)
    for channel in bank.channels:
        sl, ci = res.kpi(channel, "service_level")
        assert pct(sl, ci) in tiles[f"{channel} · service level"]
    assert drawn(page) == 4


def test_journey_map_page_in_chromium(app_url: str, page, bank: sim.Scenario):
    res = sim.simulate(bank, keep_runs=True)
    open_in_browser(page, f"{app_url}/journeys", "Journey map")
    drawn(page, '[data-testid="stGraphVizChart"] svg')
    customers = res.journeys.set_index("kpi")["mean"]["customers"]
    assert f"{customers:,.0f}" in metric_text(page, "customers")


def test_staffing_page_in_chromium(app_url: str, page, bank: sim.Scenario):
    from sim.plan.staffing import requirements, staffed_vs_required

    total = staffed_vs_required(bank, requirements(bank), "scheduled")
    open_in_browser(page, f"{app_url}/staffing", "Staffing")
    assert f"{int(total['required'].max())} agents" in metric_text(page, "peak requirement")
    assert drawn(page) == 1


def test_optimise_page_in_chromium(app_url: str, page, bank: sim.Scenario):
    from sim.plan.optimise import OptimiseOptions, optimise

    out = optimise(
        bank,
        options=OptimiseOptions(replications=2, confirm_replications=4, max_simulations=6),
    )
    hours = out.staffing["optimised"].sum() * bank.interval_minutes / 60
    open_in_browser(page, f"{app_url}/optimise", "Optimise staffing")
    enter_number(page, "Replications per step", 2)
    enter_number(page, "Confirmation replications", 4)
    enter_number(page, "Simulation budget", 6)
    page.get_by_role("button", name="Optimise", exact=True).click()
    page.get_by_text("Where the optimiser and per-channel Erlang differ").wait_for(
        timeout=TIMEOUT_MS
    )
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    assert f"{hours:,.0f} h" in metric_text(page, "agent-hours optimised")
    assert drawn(page) == 1
    page.get_by_role("button", name="Apply these shifts to the scenario").click()
    page.get_by_text("Applied the optimised shifts").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("(optimised shifts)").count() >= 1  # the sidebar says so


def test_compare_page_in_chromium(app_url: str, page, bank: sim.Scenario):
    from sim.plan.whatif import adjust

    diff = sim.compare(sim.simulate(bank), sim.simulate(adjust(bank, volume=1.1)))
    voice = diff.set_index(["channel", "kpi"]).loc[("voice", "service_level")]
    open_in_browser(page, f"{app_url}/compare", "Compare scenarios")
    tile = metric_text(page, "voice · service level B")
    assert pct(voice["whatif"]) in tile and pts(voice["delta"], voice["ci95"]) in tile
    assert drawn(page) == 2
    assert page.get_by_text("Journey moves that changed").count() == 1


def test_forecast_page_in_chromium(app_url: str, page):
    """The shipped history (with Israel's holidays, the page's default): the forecast's
    total, the reforecast's, and both charts."""
    import forecasting as fc
    from forecasting.data import load_anonymous_bank_history

    hist = load_anonymous_bank_history(holidays=True)
    total = fc.forecast(hist, model="cal_ssm", horizon_days=2, n_paths=200)["volume"].sum()
    rest = fc.reforecast(hist, "1999-12-31 12:00", n_paths=200)["volume"].sum()
    open_in_browser(page, f"{app_url}/forecast", "Forecast")
    page.get_by_text("Reforecast a day").click()  # on request: it fits for a few seconds
    page.get_by_text("rest of day · reforecast").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    tiles = metric_texts(page)
    assert f"{total:,.0f}" in tiles["forecast contacts"]
    assert f"{rest:,.0f}" in tiles["rest of day · reforecast"]
    assert drawn(page) == 2
    assert page.get_by_text("Backtest", exact=True).count() == 1


def test_capacity_page_in_chromium(app_url: str, page):
    result = sim.capacity(SCENARIOS / "capacity_plan.yaml")
    open_in_browser(page, f"{app_url}/capacity", "Capacity plan")
    page.get_by_text("cost with hiring", exact=True).wait_for(timeout=TIMEOUT_MS)
    tiles = metric_texts(page)
    assert f"{result.table['cost_with_hiring'].sum():,.0f}" in tiles["cost with hiring"]
    assert drawn(page) == 1
    from sim.config.capacity import load_capacity_plan

    plan = load_capacity_plan(SCENARIOS / "capacity_plan.yaml").model_copy(
        update={"training_weeks": 6}
    )
    longer = sim.capacity(plan, scenario=sim.load_scenario(SCENARIOS / "retail_bank.yaml"))
    cost = f"{longer.table['cost_with_hiring'].sum():,.0f}"
    enter_number(page, "Training weeks", 6)
    page.get_by_text(cost, exact=True).wait_for(timeout=TIMEOUT_MS)
    assert cost in metric_texts(page)["cost with hiring"]


def test_scenario_and_library_pages_in_chromium(app_url: str, page, tmp_path: Path):
    open_in_browser(page, f"{app_url}/scenario", "Scenario")
    page.get_by_text("Valid: 4 channels").wait_for(timeout=TIMEOUT_MS)
    assert drawn(page, '[data-testid="stDataFrame"]') >= 4
    # the library in the same session: save, then the editor says it is open and clean
    page.get_by_role("link", name="Scenario library").click()
    page.get_by_role("heading", name="Scenario library", exact=True).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    folder = page.get_by_label("Folder", exact=True)
    folder.fill(str(tmp_path))
    folder.press("Enter")
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    name = page.get_by_label("Name", exact=True)
    name.fill("browser test")
    name.press("Enter")
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(f"Saved {tmp_path / 'browser test.yaml'}.").wait_for(timeout=TIMEOUT_MS)
    assert (
        sim.load_scenario(tmp_path / "browser test.yaml").name
        == "Retail bank weekday (four channels)"
    )
    assert page.get_by_text("no unsaved edits").count() >= 1


def test_optimise_cancel_in_chromium(app_url: str, page):
    """Cancel during a search stops it at its next simulation: no result, no button."""
    open_in_browser(page, f"{app_url}/optimise", "Optimise staffing")
    page.get_by_role("button", name="Optimise", exact=True).click()
    bar = page.locator('[data-testid="stProgress"]')
    bar.get_by_text(re.compile(r"Simulation \d+ \(budget 60\)")).wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Optimisation cancelled: nothing changed.").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    assert page.get_by_role("button", name="Cancel").count() == 0
    assert page.get_by_text("agent-hours optimised").count() == 0
    assert bar.count() == 0


def test_week_scenario_in_chromium(page):
    """retail_week.yaml: the Simulate page's day table, then one day's charts."""
    from sim.present import days

    week = sim.load_scenario(SCENARIOS / "retail_week.yaml")
    res = sim.simulate(week)
    table = days.day_table(res)
    with serve_app(SCENARIOS / "retail_week.yaml") as url:
        open_in_browser(page, f"{url}/", "Simulate")  # the default page
        page.get_by_role("heading", name="Days", exact=True).wait_for(timeout=TIMEOUT_MS)
        sl, ci = res.kpi("voice", "service_level")
        assert pct(sl, ci) in metric_texts(page)["voice · service level"]
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for(timeout=TIMEOUT_MS)
        assert drawn(page) == 4
        page.get_by_label("Day shown in the interval charts").click()
        page.get_by_role("option", name="Tue 2026-12-08").click()
        wait_idle(page, timeout_ms=TIMEOUT_MS)
        assert drawn(page) == 4
        picked = page.get_by_label("Day shown in the interval charts").input_value()
        assert picked == "Tue 2026-12-08"
    assert table is not None and len(table) == 7


def test_policy_journey_map_in_chromium(page):
    """email_starving_policy.yaml: the journey map's dashed "offer" hops."""
    with serve_app(SCENARIOS / "email_starving_policy.yaml") as url:
        open_in_browser(page, f"{url}/journeys", "Journey map")
        drawn(page, '[data-testid="stGraphVizChart"] svg')
        svg = page.locator('[data-testid="stGraphVizChart"] svg').first.inner_html()
        assert "offer " in svg and "stroke-dasharray" in svg
        open_in_browser(page, f"{url}/", "Simulate")
        page.get_by_role("heading", name="Journey shaping", exact=True).wait_for(timeout=TIMEOUT_MS)
