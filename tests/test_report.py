"""The manager's report: every chart present, as PNG, in a dated self-contained page."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

import sim
from sim.present.display import duration
from sim.present.report import CHARTS, build_report, write_report

from .cli_helpers import ccsim
from .helpers import SCENARIOS

PNG = b"\x89PNG\r\n\x1a\n"


def moved(sc: sim.Scenario) -> sim.Scenario:
    """6 phone agents to messaging from 10:00 to 14:00 (the demo's reallocation)."""
    phones, msg = list(sc.scheduled("phones")), list(sc.scheduled("messaging_team"))
    for p in range(8, 24):
        phones[p] -= 6
        msg[p] += 6
    return sc.updated(
        {
            "name": "6 phones to messaging",
            "groups.phones.agents": phones,
            "groups.messaging_team.agents": msg,
        }
    )


@pytest.fixture(scope="module")
def demo() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "reallocation_demo.yaml")


def test_report_has_every_chart(demo: sim.Scenario, tmp_path: Path):
    when = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.timezone.utc)
    report = build_report(demo, whatif=moved(demo), replications=3, created=when)
    assert tuple(report.charts) == CHARTS
    out = write_report(report, tmp_path / "report.html", png_dir=tmp_path / "png")
    page = (tmp_path / "report.html").read_text()
    for name in CHARTS:
        m = re.search(rf'id="chart-{name}".*?src="data:image/png;base64,([^"]+)"', page, re.S)
        assert m, name
        assert base64.b64decode(m.group(1)).startswith(PNG)
        png = tmp_path / "png" / f"{name}.png"
        assert out["png"][name] == png and png.read_bytes().startswith(PNG)
        assert png.stat().st_size > 10_000  # a real picture, not an empty canvas
    assert "Generated 2025-03-04 09:30 UTC" in page
    assert demo.name in page and f"seed {demo.seed}" in page and "3 replications" in page
    assert "<script" not in page  # readable without JavaScript or the app
    # the reallocation's cost: voice loses service level, messaging gains
    cmp = report.comparison
    assert cmp is not None
    sl = cmp[cmp.kpi == "service_level"].set_index("channel")["delta"]
    assert sl["voice"] < -0.05 and sl["messaging"] > 0
    assert "phones -24 h" in report.charts["reallocation"].to_json()
    asa = cmp[cmp.kpi == "asa"].set_index("channel").loc["voice"]
    assert f"<td>{duration(asa['delta'], asa['ci95'], signed=True)}</td>" in page
    # required per group is per-channel Erlang split over the groups
    assert set(report.required["group"]) == set(demo.groups)
    kpis = report.kpis.set_index("channel")
    assert kpis.loc["voice", "service level"] == pytest.approx(
        report.result.kpi("voice", "service_level")[0]
    )


def test_report_without_whatif_says_how_to_cost_one(demo: sim.Scenario, tmp_path: Path):
    report = build_report(demo, replications=2)
    assert "reallocation" not in report.charts
    assert set(report.charts) == set(CHARTS) - {"reallocation"}
    write_report(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "--whatif" in page and page.count('class="chart"') == 4


def test_cli_report(demo: sim.Scenario, tmp_path: Path):
    whatif = tmp_path / "whatif.yaml"
    whatif.write_text(yaml.safe_dump(moved(demo).to_dict()))
    html = tmp_path / "out" / "report.html"
    html.parent.mkdir()
    r = ccsim(
        "report", str(SCENARIOS / "reallocation_demo.yaml"), "--out", str(html),
        "--png-dir", str(tmp_path / "png"), "--whatif", str(whatif), "-r", "2",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert sorted(p.stem for p in (tmp_path / "png").iterdir()) == sorted(CHARTS)
    assert html.read_text().count('class="chart"') == len(CHARTS)
    never = tmp_path / "never.html"
    bad = ccsim("report", str(SCENARIOS / "reallocation_demo.yaml"), "--out", str(never),
                "--whatif", str(tmp_path / "missing.yaml"))  # fmt: skip
    assert bad.returncode == 2 and "missing.yaml" in bad.stderr and "Traceback" not in bad.stderr
    assert not never.exists()


def test_report_writes_durations_in_their_unit(tmp_path: Path):
    """The page reads email's ASA of hours in hours; the KPI table stays in seconds."""
    bank = sim.load_scenario(SCENARIOS / "retail_bank.yaml")
    report = build_report(bank, replications=2)
    assert report.kpis.set_index("channel").loc["email", "ASA (s)"] > 3600
    write_report(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    for channel in bank.channels:
        asa, ci = report.result.kpi(channel, "asa")
        assert f"<td>{duration(asa, ci)}</td>" in page, channel
    assert " h ± " in duration(*report.result.kpi("email", "asa"))


def test_report_money_section(demo: sim.Scenario, tmp_path: Path):
    """With costs, the page has the money table and the what-if's paired money change:
    6 agents moved for 16 intervals of 15 min (24 agent-hours) from phones (20/h) to
    messaging (23/h) cost 24 x 3 = 72 more in wages, exactly."""
    costs = {"currency": "EUR", "wage_per_hour": {"phones": 20, "messaging_team": 23}}
    sc = demo.updated({"costs": costs})
    report = build_report(sc, whatif=moved(sc), replications=2)
    assert report.money_comparison is not None
    wages = report.money_comparison.set_index("kpi").loc["wages"]
    assert wages["delta"] == pytest.approx(72.0) and wages["ci95"] == 0.0
    write_report(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert '<h2 id="money">Money (EUR)</h2>' in page and "+72.00 ± 0.00" in page


def test_week_charts_render_above_altairs_row_limit():
    """retail_week.yaml's required-vs-scheduled chart has 672 quarter-hours x 4 groups x
    2 lines = 5,376 rows, above Altair's default limit (5,000: 'ccsim report' failed
    with MaxRowsError); the static PNG renders them anyway, on the week's time axis."""
    import altair as alt
    import pandas as pd

    from sim.present.charts import time_x
    from sim.present.report import render_png

    week = sim.load_scenario(SCENARIOS / "retail_week.yaml")
    labels = week.period_labels()
    rows = [
        {"time": t, "line": f"{g} {kind}", "agents": (p % 96) / 4}
        for g in week.groups
        for kind in ("scheduled", "required")
        for p, t in enumerate(labels)
    ]
    assert len(rows) > 5000
    chart = (
        alt.Chart(pd.DataFrame(rows)).mark_line().encode(x=time_x(labels), y="agents", color="line")
    )
    assert render_png(chart, scale=1.0).startswith(PNG)
