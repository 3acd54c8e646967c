"""Journey shaping in the app (email_starving_policy.yaml: a prioritise rule and an
offer rule): the Simulate page's rule and channel tables are ``Result.rules`` and the
channel KPIs; the Compare page pairs the policy against no policy on every channel's
shaping KPIs and the journey-effort KPIs; the journey map draws accepted offers as
dashed "offer" hops, as many as the rule's accepted offers."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("streamlit")

import sim  # noqa: E402
from sim.measure.paths import journey_paths  # noqa: E402
from sim.measure.runner import compare_journeys  # noqa: E402
from sim.present import comparison, shaping  # noqa: E402
from sim.present.journey_map import OFFER_COLOUR, flows_dot, offer_flows  # noqa: E402

from .helpers import SCENARIOS  # noqa: E402
from .test_app import open_page, table_with, widget  # noqa: E402

REPS = 3
OFFER_RULE = "offer messaging a call when its queue is long"


@pytest.fixture(scope="module")
def policy() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "email_starving_policy.yaml")


@pytest.fixture(scope="module")
def starving() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "email_starving.yaml")


@pytest.fixture(scope="module")
def policy_run(policy: sim.Scenario) -> sim.Result:
    return sim.simulate(policy, replications=REPS, keep_runs=True)


def opened(page: str, sc: sim.Scenario):
    at = open_page(page)
    at.session_state["scenario"] = sc
    at.session_state["revision"] = 100  # as set_scenario does: the widgets start afresh
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    widget(at.number_input, "Replications").set_value(REPS).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_offers_are_conserved(policy_run: sim.Result):
    """Every accepted offer is one hop with cause offer and one contact moved out."""
    offers = offer_flows(journey_paths(policy_run))
    rules = shaping.rule_table(policy_run).set_index("rule")
    moved = shaping.channel_shaping(policy_run).set_index("channel")["moved_out"]
    assert offers[["from", "to"]].values.tolist() == [["messaging", "voice"]]
    accepted = rules.loc[OFFER_RULE, "accepted"]
    assert accepted > 0
    assert offers["mean"].sum() == pytest.approx(accepted) == pytest.approx(moved.sum())
    assert moved["messaging"] == pytest.approx(accepted)
    assert rules.loc[OFFER_RULE, "offered"] >= accepted
    prio = rules.drop(index=OFFER_RULE).iloc[0]
    assert prio["reprioritised_minutes"] > 0 and prio["offered"] == 0


def test_journey_map_draws_offers_dashed(policy_run: sim.Result, policy: sim.Scenario):
    offers = offer_flows(journey_paths(policy_run))
    new = {c: policy_run.kpi(c, "new")[0] for c in policy.channels}
    dot = flows_dot(policy_run.flows, list(policy.channels), new, offers=offers)
    v = offers["mean"].iloc[0]
    assert '"messaging" -> "voice" [penwidth=' in dot
    line = next(x for x in dot.splitlines() if '"messaging" -> "voice"' in x)
    assert "style=dashed" in line and OFFER_COLOUR in line and f'label="offer {v:,.1f}"' in line
    # all messaging -> voice moves were offers: no solid edge beside the dashed one
    assert sum('"messaging" -> "voice"' in x for x in dot.splitlines()) == 1
    assert "style=dashed" not in flows_dot(policy_run.flows, list(policy.channels), new)


def test_simulate_page_shows_what_each_rule_did(policy: sim.Scenario, policy_run: sim.Result):
    at = opened("simulate", policy)
    pd.testing.assert_frame_equal(
        table_with(at, "rule", "fired", "accepted"), shaping.rule_table(policy_run)
    )
    pd.testing.assert_frame_equal(
        table_with(at, "channel", "moved_out", "deflected"), shaping.channel_shaping(policy_run)
    )


def test_journey_page_shows_offer_hops(policy: sim.Scenario):
    at = opened("journeys", policy)
    dot = at.get("graphviz_chart")[0].proto.spec
    assert "style=dashed" in dot and 'label="offer ' in dot
    assert any("accepted a shaping rule's offer" in c.value for c in at.caption)


def test_compare_page_pairs_the_policy_on_every_channel_and_journey(
    starving: sim.Scenario, policy: sim.Scenario
):
    at = open_page("compare")
    widget(at.selectbox, "Scenario A").set_value("Shipped: email_starving.yaml").run()
    widget(at.selectbox, "Scenario B").set_value("Shipped: email_starving_policy.yaml").run()
    widget(at.number_input, "Replications").set_value(REPS).run()
    assert not at.exception, [e.value for e in at.exception]
    seed = int(widget(at.number_input, "Seed").value)  # the page's seed, paired
    a = sim.simulate(starving, replications=REPS, seed=seed)
    b = sim.simulate(policy, replications=REPS, seed=seed)
    diff = shaping.with_absent_as_zero(sim.compare(a, b), a, b)
    kpis = {**comparison.CHANNEL_KPIS, **shaping.channel_kpis(diff)}
    shown = table_with(at, "channel", "KPI", "change ± 95% CI")
    assert shown.to_dict("records") == comparison.side_by_side(
        diff, "channel", kpis, ("A", "B")
    ).to_dict("records")
    moved = shown[shown["KPI"] == "moved out"].set_index("channel")
    assert moved.index.tolist() == list(policy.channels)  # every channel, A's zeros filled
    assert (moved["A"] == comparison.COUNT[0](0.0)).all()
    mo = diff.set_index(["channel", "kpi"]).loc[("messaging", "moved_out")]
    assert mo["delta"] == b.kpi("messaging", "moved_out")[0] > 0
    assert mo["ci95"] == b.kpi("messaging", "moved_out")[1]
    (journeys,) = [  # the one table with no channel, group or move column
        d.value for d in at.dataframe if list(d.value.columns)[0] == "KPI"
    ]
    want = comparison.side_by_side(
        compare_journeys(a, b).assign(journeys="all"), "journeys", shaping.JOURNEY_KPIS
    ).drop(columns="journeys")
    assert journeys.to_dict("records") == want.to_dict("records")
    assert "customer time" in set(journeys["KPI"])
    assert "resolved within the contacts target" in set(journeys["KPI"])


def test_rule_chart_is_rule_intervals(policy_run: sim.Result):
    from sim.present import charts

    chart = charts.rule_events_by_interval(policy_run, "accepted")
    data = chart.data if isinstance(chart.data, pd.DataFrame) else chart.layer[0].data
    ri = policy_run.rule_intervals
    want = ri[ri["kpi"] == "accepted"]
    assert data["mean"].tolist() == want["mean"].tolist()
    # per rule, the intervals add up to the rule's total (conservation)
    total = data.groupby("rule")["mean"].sum()
    rules = shaping.rule_table(policy_run).set_index("rule")["accepted"]
    for rule, v in rules.items():
        assert total[rule] == pytest.approx(v)
