"""Customer segments: priority queues within a channel, per segment KPIs.

Exact maths: with Poisson arrivals, exponential service of one rate for every class,
c servers and no abandonment, the mean wait of class k in a non-preemptive priority
queue is Cobham's formula

    W_k = P_wait / (c mu) / ((1 - s_{k-1}) (1 - s_k)),   s_k = sum_{i <= k} lam_i / (c mu),

P_wait the Erlang C probability of waiting (classes of equal priority are one class).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import sim
from sim.engine import ANSWERED, compile_scenario, run_replication
from sim.engine.raw import segment_of
from sim.engine.streams import replication_seed
from sim.measure.kpi import CHANNEL_KPIS

from .helpers import FALSE_ALARM, agrees, single_queue
from .test_properties import scenarios

EXP = lambda mean: {"distribution": "exponential", "mean": mean}  # noqa: E731


def cobham(lam: float, aht: float, servers: int, shares: list[float], levels: list[int]):
    """Exact mean wait (s) per class of the M/M/c non-preemptive priority queue."""
    cmu = servers / aht
    p_wait = sim.erlang_c(lam, aht, servers, 20).p_wait
    by_level = {lv: sum(s for s, x in zip(shares, levels, strict=True) if x == lv) for lv in levels}
    waits: dict[int, float] = {}
    before = 0.0
    for lv in sorted(by_level):
        after = before + by_level[lv] * lam / cmu
        waits[lv] = p_wait / cmu / ((1 - before) * (1 - after))
        before = after
    return [waits[lv] for lv in levels], p_wait


# (mode, servers as agents x concurrency, segments {name: (share, priority)})
COBHAM_CASES = [
    ("synchronous", (5, 1), {"vip": (0.2, 1), "mid": (0.3, 2), "regular": (0.5, 3)}),
    ("synchronous", (6, 1), {"gold": (0.3, 1), "silver": (0.2, 2), "basic": (0.5, 2)}),
    ("concurrent", (3, 2), {"vip": (0.25, 1), "regular": (0.75, 2)}),
    ("deferred", (5, 1), {"vip": (0.2, 2), "regular": (0.8, 5)}),
]
RHO = 0.8  # offered load per server
AHT = 180.0  # s


def _cobham_scenario(mode: str, agents: int, conc: int, segments: dict) -> dict[str, Any]:
    servers = agents * conc
    lam = RHO * servers / AHT  # per s
    data = single_queue(
        per_interval=lam * 1800, aht=AHT, agents=agents, patience=None, replications=20
    )
    ch = data["channels"]["voice"]
    ch["mode"] = mode
    if mode == "concurrent":
        ch["concurrency"] = conc
    ch["segments"] = {n: {"share": s, "priority": p} for n, (s, p) in segments.items()}
    return data


@pytest.mark.parametrize(("mode", "servers", "segments"), COBHAM_CASES)
def test_mean_waits_match_cobham(mode, servers, segments):
    """Every segment's mean wait (ASA: nobody abandons) is the exact priority-queue wait;
    the channel's pooled wait and P(wait) stay Erlang C's (equal service rates)."""
    agents, conc = servers
    sc = sim.parse_scenario(_cobham_scenario(mode, agents, conc, segments))
    res = sim.simulate(sc)
    n = res.replications
    lam = RHO * agents * conc / AHT
    shares = [s for s, _ in segments.values()]
    exact, p_wait = cobham(lam, AHT, agents * conc, shares, [p for _, p in segments.values()])
    for name, want in zip(segments, exact, strict=True):
        mean, ci = res.segment_kpi("voice", name, "asa")
        assert agrees(mean, ci, n, want), (name, mean, ci, want)
    pooled = sum(s * w for s, w in zip(shares, exact, strict=True))
    assert pooled == pytest.approx(sim.erlang_c(lam, AHT, agents * conc, 20).asa)
    assert agrees(*res.kpi("voice", "asa"), n, pooled)
    assert agrees(*res.kpi("voice", "p_wait"), n, p_wait)
    # priority waits are ordered: the best priority waits least
    levels = sorted({p for _, p in segments.values()})
    if len(levels) > 1:
        best = [k for k, (_, p) in segments.items() if p == levels[0]][0]
        worst = [k for k, (_, p) in segments.items() if p == levels[-1]][0]
        assert res.segment_kpi("voice", best, "asa")[0] < res.segment_kpi("voice", worst, "asa")[0]


def _mixed() -> dict[str, Any]:
    """Every mode with segments, journeys across them, balking, several groups."""
    return {
        "name": "segments mixed",
        "interval_minutes": 30,
        "periods": 8,
        "warmup_minutes": 30,
        "seed": 5,
        "replications": 3,
        "channels": {
            "voice": {
                "arrivals": 70,
                "handle_time": EXP(200),
                "patience": EXP(150),
                "balking": {"threshold": 120, "probability": 0.5},
                "service_level": {"target": 0.8, "threshold": 20},
                "segments": {
                    "vip": {
                        "share": 0.25,
                        "priority": 1,
                        "handle_time": EXP(300),
                        "patience": EXP(400),
                        "service_level": {"target": 0.9, "threshold": 10},
                        "resolution": 0.5,
                    },
                    "regular": {"share": 0.75, "priority": 2},
                },
            },
            "chat": {
                "mode": "concurrent",
                "concurrency": 3,
                "arrivals": 60,
                "handle_time": EXP(400),
                "patience": EXP(200),
                "segments": {
                    "vip": {"share": 0.3, "priority": 1},
                    "basic": {"share": 0.7, "priority": 3},
                },
            },
            "email": {
                "mode": "deferred",
                "arrivals": 20,
                "handle_time": EXP(500),
                "service_level": {"target": 0.9, "threshold": 14400},
                "segments": {
                    "vip": {"share": 0.5, "priority": 1},
                    "rest": {"share": 0.5, "priority": 2},
                },
            },
            "messaging": {"arrivals": 15, "handle_time": EXP(250), "patience": EXP(300)},
        },
        "groups": {
            "phones": {"skills": ["voice"], "agents": 5},
            "digital": {"skills": ["chat", "messaging", "voice"], "agents": 4},
            "back": {"skills": ["email", "voice"], "agents": 2},
        },
        "journeys": {
            "max_attempts": 4,
            "resolution": {"voice": 0.9, "chat": 0.8},
            "transitions": [
                {"from": "voice", "on": "abandon", "to": "chat", "probability": 0.4},
                {"from": "voice", "on": "abandon", "to": "voice", "probability": 0.3},
                {"from": "voice", "on": "balk", "to": "messaging", "probability": 0.5},
                {"from": "voice", "on": "unresolved", "to": "email", "probability": 0.5},
                {"from": "chat", "on": "unresolved", "to": "voice", "probability": 0.5},
                {"from": "messaging", "on": "abandon", "to": "voice", "probability": 0.6},
                {"from": "email", "on": "chase", "to": "voice", "probability": 0.3, "after": 3600},
            ],
        },
    }


COUNTS = (
    "offered",
    "new",
    "hops_in",
    "answered",
    "abandoned",
    "redialled",
    "switched_out",
    "balked",
    "silent",
    "chased",
    "queue_length",
    "backlog",
)
"""Channel KPIs that add up over a channel's segments."""


def test_conservation_per_segment_and_segments_sum_to_channel():
    sc = sim.parse_scenario(_mixed())
    res = sim.simulate(sc)
    seg = res.segment_reps
    assert seg is not None
    assert set(seg.columns) == {"replication", "channel", "segment", *CHANNEL_KPIS}
    assert (seg["answered"] + seg["abandoned"] == seg["offered"]).all()
    assert (seg["new"] + seg["hops_in"] == seg["offered"]).all()
    assert (seg["offered"] > 0).all()
    summed = seg.groupby(["replication", "channel"])[list(COUNTS)].sum()
    chan = res.channel_reps.set_index(["replication", "channel"])[list(COUNTS)]
    chan = chan.loc[summed.index]
    np.testing.assert_allclose(summed.to_numpy(), chan.to_numpy(), rtol=1e-12, atol=1e-9)
    assert set(summed.index.get_level_values("channel")) == {"voice", "chat", "email"}
    # the per period table adds up to the window's counts over the counted periods
    per = res.segment_interval_reps
    assert per is not None
    key = ["replication", "channel", "segment"]
    counted = per[per["period"] >= 1].groupby(key)["offered"].sum()
    window = seg.set_index(key)["offered"]
    np.testing.assert_array_equal(counted.loc[window.index].to_numpy(), window.to_numpy())


def _lane_invariants(sc: sim.Scenario, run, modes: tuple[str, ...] | None = None) -> None:
    """Non-preemptive priority, FIFO within a priority: when a contact of a segmented
    channel is answered no contact of a better priority of its channel is waiting, and
    within one priority contacts are answered in arrival order (on channels of
    ``modes``, default all). Staffing must stay constant: an agent about to leave keeps
    taking new concurrent sessions but not queued ones, as without segments."""
    m = compile_scenario(sc)
    seg = segment_of(run)
    prio = np.array(
        [
            sc.channels[m.channels[c]].segments[n].priority  # type: ignore[index]
            for c, n in zip(m.segments.channel, m.segments.names, strict=True)
        ]
    )
    answered = run.outcome == ANSWERED
    for c in sorted(set(m.segments.channel)):
        if modes is not None and sc.channels[m.channels[c]].mode not in modes:
            continue
        mine = np.flatnonzero(run.channel == c)
        p = prio[seg[mine]]
        arr, end, ans = run.arrival[mine], run.wait_end[mine], answered[mine]
        for i in np.flatnonzero(ans):
            t = end[i]
            better_waiting = (p < p[i]) & (arr < t) & (end > t)
            assert not better_waiting.any(), (m.channels[c], t)
        for level in np.unique(p):
            lane = ans & (p == level)
            order = np.argsort(arr[lane], kind="stable")
            assert (np.diff(end[lane][order]) >= 0).all(), (m.channels[c], level)


def test_priority_order_in_every_mode():
    """The queue discipline itself, contact by contact, on every mode and journey path."""
    sc = sim.parse_scenario(_mixed())
    m = compile_scenario(sc)
    for r in range(3):
        run = run_replication(m, replication_seed(11, r))
        _lane_invariants(sc, run)


def test_journeys_keep_their_segment():
    """A hop onto a channel with a segment of the journey's name keeps it (a VIP stays
    VIP); onto a channel without one it is drawn from that channel's segments; channels
    without segments carry -1."""
    sc = sim.parse_scenario(_mixed())
    m = compile_scenario(sc)
    names = np.array(m.segments.names)
    of_channel = m.segments.of_channel
    run = run_replication(m, replication_seed(3, 0))
    seg = segment_of(run)
    first = run.attempt == 1
    journey_seg = seg[: len(run.journey_outcome)]
    hops = np.flatnonzero(~first)
    kept = drawn = 0
    for k in hops:
        c, s, js = run.channel[k], seg[k], journey_seg[run.journey[k]]
        if not of_channel[c]:
            assert s == -1
            continue
        assert s in of_channel[c]
        if js >= 0 and names[js] in names[list(of_channel[c])]:
            assert names[s] == names[js]
            kept += 1
        else:
            drawn += 1
    assert kept > 50 and drawn > 5  # both rules exercised
    # messaging (no segments) first contacts have none; the others always one
    assert (seg[first & (run.channel == m.channels.index("messaging"))] == -1).all()
    assert (seg[first & (run.channel != m.channels.index("messaging"))] >= 0).all()


def _within_band(count: float, n: float, p: float) -> bool:
    """Is ``count`` a plausible Binomial(n, p) draw (two-sided, FALSE_ALARM)?"""
    z = stats.norm.ppf(1 - FALSE_ALARM / 2)
    return abs(count - n * p) <= z * np.sqrt(n * p * (1 - p)) + 1


def test_segment_handle_time_and_resolution_are_used():
    """The VIP's own handle time and resolution reach its contacts (first and redials);
    the regular segment keeps the channel's (journeys.resolution)."""
    data = single_queue(per_interval=60, aht=200, agents=8, patience=None, periods=8)
    data["channels"]["voice"]["segments"] = {
        "vip": {"share": 0.3, "priority": 1, "handle_time": EXP(300), "resolution": 0.4},
        "regular": {"share": 0.7, "priority": 2},
    }
    data["journeys"] = {
        "max_attempts": 50,
        "resolution": {"voice": 0.9},
        "transitions": [{"from": "voice", "on": "unresolved", "to": "voice", "probability": 1.0}],
    }
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    z = stats.norm.ppf(1 - FALSE_ALARM / 2)
    handles: dict[int, list[np.ndarray]] = {0: [], 1: []}
    tries = {0: 0, 1: 0}
    redials = {0: 0, 1: 0}
    for r in range(6):
        run = run_replication(m, replication_seed(sc.seed, r))
        seg = segment_of(run)
        ans = run.outcome == ANSWERED
        hops = run.previous >= 0
        # a redial keeps its journey's segment (same channel, same name)
        assert (seg[hops] == seg[run.previous[hops]]).all()
        for s in (0, 1):
            handles[s].append(run.handle[ans & (seg == s)])
            tries[s] += int((ans & (seg == s) & (run.attempt < 50)).sum())
            redials[s] += int((seg[run.previous[hops]] == s).sum())
    for s, mean in ((0, 300.0), (1, 200.0)):
        h = np.concatenate(handles[s])
        assert abs(h.mean() - mean) <= z * mean / np.sqrt(len(h)), (s, h.mean())
    for s, resolution in ((0, 0.4), (1, 0.9)):
        assert _within_band(redials[s], tries[s], 1 - resolution), (s, redials[s], tries[s])


def test_vip_threshold_is_its_own():
    """Service level of a segment counts answers within the segment's threshold: with
    the same segment under 10 s and 20 s thresholds, the same runs give SL(10) <= SL(20),
    and the channel's SL (20 s) is unchanged by the segment's threshold."""
    data = _mixed()
    sc10 = sim.parse_scenario(data)
    data20 = copy.deepcopy(data)
    data20["channels"]["voice"]["segments"]["vip"]["service_level"]["threshold"] = 20
    sc20 = sim.parse_scenario(data20)
    a, b = sim.simulate(sc10), sim.simulate(sc20)
    va = a.segment_reps.query("channel == 'voice' and segment == 'vip'")["service_level"]
    vb = b.segment_reps.query("channel == 'voice' and segment == 'vip'")["service_level"]
    assert (va.to_numpy() <= vb.to_numpy()).all() and (va.to_numpy() < vb.to_numpy()).any()
    assert a.channel_reps.equals(b.channel_reps)


def test_json_contract_has_segments_beside_channels():
    sc = sim.parse_scenario(_mixed())
    out = sim.simulate(sc, replications=2).to_dict()
    assert set(out["segments"]) == {"voice", "chat", "email"}
    assert set(out["segments"]["voice"]) == {"vip", "regular"}
    stat = out["segments"]["voice"]["vip"]["asa"]
    assert set(stat) == {"mean", "ci95"} and stat["mean"] >= 0
    assert set(out["segments"]["chat"]["basic"]) >= set(CHANNEL_KPIS)
    assert "asa" in out["channels"]["voice"]  # today's totals still there
    plain = copy.deepcopy(_mixed())
    for ch in plain["channels"].values():
        ch.pop("segments", None)
    plain_out = sim.simulate(sim.parse_scenario(plain), replications=2).to_dict()
    assert "segments" not in plain_out


def _one_segment(data: dict[str, Any], priority: int) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for ch in out["channels"].values():
        ch["segments"] = {"all": {"share": 1.0, "priority": priority}}
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 4))
def test_one_segment_of_share_one_changes_nothing(data, priority):
    """Every channel with one segment of share 1 (any priority): the same raw run, bit
    for bit, and the same channel KPIs; the segment's KPIs are its channel's."""
    plain = sim.parse_scenario(data)
    seg = sim.parse_scenario(_one_segment(data, priority))
    m0, m1 = compile_scenario(plain), compile_scenario(seg)
    rep = replication_seed(plain.seed, 0)
    r0, r1 = run_replication(m0, rep), run_replication(m1, rep)
    for field in r0.__dataclass_fields__:
        a, b = getattr(r0, field), getattr(r1, field)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field)
        else:
            assert a == b, field
    assert (segment_of(r1) >= 0).all()
    a, b = sim.simulate(plain, replications=2), sim.simulate(seg, replications=2)
    assert a.to_dict()["channels"] == b.to_dict()["channels"]
    per_seg = b.segment_reps.drop(columns="segment").set_index(["replication", "channel"])
    per_ch = b.channel_reps.set_index(["replication", "channel"]).loc[per_seg.index]
    np.testing.assert_array_equal(per_seg.to_numpy(), per_ch[per_seg.columns].to_numpy())


def _with_segments(segments: Any) -> dict[str, Any]:
    data = single_queue(per_interval=10, aht=100, agents=2, patience=None, periods=2)
    data["channels"]["voice"]["segments"] = segments
    return data


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        (
            {"vip": {"share": 0.2}, "regular": {"share": 0.7}},
            "channels.voice.segments: shares sum to 0.9, must sum to 1",
        ),
        (
            {"vip": {"share": 1, "priority": 0}},
            "channels.voice.segments.vip.priority: must be >= 1",
        ),
        (
            {"vip": {"share": 1, "priority": 1.5}},
            "channels.voice.segments.vip.priority: must be a whole number",
        ),
        ({"vip": {"priority": 1}}, "channels.voice.segments.vip.share: required"),
        ({"vip": {"share": 1.2}}, "channels.voice.segments.vip.share: must be <= 1"),
        (
            {"vip": {"share": 1, "resolution": 2}},
            "channels.voice.segments.vip.resolution: must be <= 1",
        ),
        ({"vip": {"share": 1, "vip": True}}, "channels.voice.segments.vip.vip: unknown key"),
        (
            {"vip": {"share": 1, "handle_time": {"distribution": "exponential", "mean": -1}}},
            "channels.voice.segments.vip.handle_time.mean",
        ),
        (
            {"vip": {"share": 1, "service_level": {"target": 2, "threshold": 10}}},
            "channels.voice.segments.vip.service_level.target: must be <= 1",
        ),
        ({}, "channels.voice.segments: must not be empty"),
    ],
)
def test_bad_segments_name_the_field(segments, message):
    with pytest.raises(sim.ScenarioError) as err:
        sim.parse_scenario(_with_segments(segments))
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


def test_staffing_uses_the_share_weighted_handle_time():
    """Erlang staffing of a channel with segments is that of the pooled channel whose
    handle time is the share-weighted mean of the segments'."""
    from sim.plan.staffing import requirements

    data = single_queue(per_interval=200, aht=240, agents=30, patience=None, periods=4)
    data["channels"]["voice"]["segments"] = {
        "vip": {"share": 0.25, "priority": 1, "handle_time": EXP(360)},
        "regular": {"share": 0.75, "priority": 2},
    }
    pooled = single_queue(
        per_interval=200, aht=0.25 * 360 + 0.75 * 240, agents=30, patience=None, periods=4
    )
    a = requirements(sim.parse_scenario(data))
    b = requirements(sim.parse_scenario(pooled))
    assert a["productive"].tolist() == b["productive"].tolist()
    assert a["handle_time"].iloc[0] == pytest.approx(270.0)


def test_ccsim_run_prints_a_segment_section(tmp_path):
    import yaml

    from .cli_helpers import ccsim

    data = _mixed()
    data["replications"] = 2
    path = tmp_path / "seg.yaml"
    path.write_text(yaml.safe_dump(data))
    r = ccsim("run", str(path), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "voice/vip" in out and "chat/basic" in out and "email/rest" in out
    assert (tmp_path / "out" / "segments.csv").is_file()
    assert (tmp_path / "out" / "segment_intervals.csv").is_file()


def _shaped() -> dict[str, Any]:
    """:func:`_mixed` with a voice call-back and two shaping rules (offer, prioritise)."""
    data = _mixed()
    data["channels"]["voice"]["callback"] = {"offer_after": 30, "accept": 0.5}
    data["shaping"] = [
        {
            "name": "chat offered voice",
            "when": {"channel": "chat", "waiting_at_least": 3},
            "do": {"offer": "voice", "accept": 0.3},
        },
        {
            "name": "back office to email when old",
            "when": {"channel": "email", "oldest_over": 1800},
            "do": {"prioritise": "email", "groups": ["back"]},
        },
    ]
    return data


def test_segments_with_callbacks_and_shaping_rules_conserve():
    """Segments beside call-backs (a VIP call-back keeps its place in the VIP queue) and
    shaping rules (offer, prioritise, conditions on the whole channel): every segment's
    contacts are answered, abandoned or moved, and segments add up to their channel."""
    res = sim.simulate(sim.parse_scenario(_shaped()), replications=3)
    seg = res.segment_reps
    assert seg is not None
    assert (seg["answered"] + seg["abandoned"] + seg["moved_out"] == seg["offered"]).all()
    counts = ["offered", "answered", "abandoned", "moved_out", "callback_accepted"]
    summed = seg.groupby(["replication", "channel"])[counts].sum()
    chan = res.channel_reps.set_index(["replication", "channel"]).loc[summed.index]
    np.testing.assert_allclose(summed.to_numpy(), chan[counts].to_numpy(), rtol=1e-12)
    assert chan.loc[(slice(None), "voice"), "callback_accepted"].sum() > 0
    assert chan.loc[(slice(None), "chat"), "moved_out"].sum() > 0


def test_one_segment_changes_nothing_with_callbacks_and_shaping():
    """The call-back and shaping paths read lanes: with one segment of share 1 on every
    channel, the same raw runs bit for bit and the same channel KPIs."""
    plain = copy.deepcopy(_shaped())
    for ch in plain["channels"].values():
        ch.pop("segments", None)
    a, b = sim.parse_scenario(plain), sim.parse_scenario(_one_segment(plain, 2))
    ma, mb = compile_scenario(a), compile_scenario(b)
    for r in range(3):
        ra, rb = (
            run_replication(ma, replication_seed(4, r)),
            run_replication(mb, replication_seed(4, r)),
        )
        for field in ra.__dataclass_fields__:
            x, y = getattr(ra, field), getattr(rb, field)
            if isinstance(x, np.ndarray):
                np.testing.assert_array_equal(x, y, err_msg=field)
    ka = sim.simulate(a, replications=2).to_dict()
    kb = sim.simulate(b, replications=2).to_dict()
    assert ka["channels"] == kb["channels"] and ka["shaping"] == kb["shaping"]


def test_announced_wait_counts_the_contacts_served_first():
    """Balking on the announced wait: a contact that finds no agent free hears
    (live contacts waiting of its priority or better + 1) x mean handle / agents, the
    mean handle the share-weighted mix; it balks (probability 1) iff that exceeds the
    threshold. Checked contact by contact from the raw run."""
    threshold = 30.0
    data = single_queue(per_interval=260, aht=180, agents=20, patience=200, periods=6)
    voice = data["channels"]["voice"]
    voice["balking"] = {"threshold": threshold, "probability": 1.0}
    voice["segments"] = {
        "vip": {"share": 0.3, "priority": 1, "handle_time": EXP(120)},
        "mid": {"share": 0.2, "priority": 2},
        "regular": {"share": 0.5, "priority": 3},
    }
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    mean_handle = 0.3 * 120 + 0.7 * 180
    prio = np.array([1, 2, 3])
    balks = {1: 0, 3: 0}
    for r in range(3):
        run = run_replication(m, replication_seed(sc.seed, r))
        p = prio[segment_of(run)]
        arr, end = run.arrival, run.wait_end
        immediate = (run.outcome == ANSWERED) & (end == arr)
        live = ~run.balked  # balkers never queue
        for k in np.flatnonzero(~immediate):
            t = arr[k]
            ahead = live & (p <= p[k]) & (arr < t) & (end > t)
            announced = (int(ahead.sum()) + 1) * mean_handle / 20
            assert run.balked[k] == (announced > threshold), (k, announced)
        for level in balks:
            balks[level] += int((run.balked & (p == level)).sum())
    assert balks[3] > balks[1] > 0  # the VIP hears shorter waits


def test_compare_pairs_segments(tmp_path):
    """`ccsim compare --json`: per segment paired deltas beside the channels'; a staffing
    change leaves every segment's offered contacts identical (common random numbers)."""
    import json

    import yaml

    from .cli_helpers import ccsim

    data = _mixed()
    data["replications"] = 3
    base, whatif = tmp_path / "base.yaml", tmp_path / "whatif.yaml"
    base.write_text(yaml.safe_dump(data))
    data["groups"]["phones"]["agents"] = 7
    whatif.write_text(yaml.safe_dump(data))
    r = ccsim("compare", str(base), str(whatif), "--json", "-")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["segments"]["email"]["vip"]["offered"]["delta"] is not None
    new = out["segments"]["voice"]["vip"]["new"]
    assert new["delta"] == 0 and new["ci95"] == 0
    assert out["segments"]["voice"]["regular"]["asa"]["delta"] < 0
    assert set(out["channels"]) == {"voice", "chat", "email", "messaging"}


def test_app_shows_every_segment_kpi():
    """The app's simulate page shows the per segment table of the API's result."""
    pytest.importorskip("streamlit")
    import yaml

    from .test_app import open_page, set_replications, switch

    data = _mixed()
    at = open_page("scenario")
    upload = ("mixed.yaml", yaml.safe_dump(data, sort_keys=False).encode(), "application/x-yaml")
    at.get("file_uploader")[0].set_value(upload)
    at.run()
    assert not at.exception and at.session_state["source"] == "mixed.yaml"
    switch(at, "simulate")
    set_replications(at, 2)
    want = sim.simulate(sim.parse_scenario(data), replications=2).segments_wide()
    shown = [d.value for d in at.dataframe if "segment" in (d.value.index.names or [])]
    assert len(shown) == 1
    got = shown[0].reindex(index=want.index, columns=want.columns)
    np.testing.assert_allclose(
        got.to_numpy(float), want.to_numpy(float), rtol=1e-12, equal_nan=True
    )


def _vip_target_scenario(vip_target: bool) -> sim.Scenario:
    """One queue whose VIPs wait behind the regulars (priority 2) and may want 90/20."""
    data = single_queue(
        per_interval=100, aht=180, agents=13, patience=300, periods=8, warmup_minutes=0
    )
    vip: dict[str, Any] = {"share": 0.2, "priority": 2}
    if vip_target:
        vip["service_level"] = {"target": 0.9, "threshold": 20}
    data["channels"]["voice"]["segments"] = {"vip": vip, "regular": {"share": 0.8, "priority": 1}}
    return sim.parse_scenario(data)


def test_optimiser_meets_a_segment_target():
    """A segment's own service level is a target of the simulation optimiser: met (with
    confidence) in the confirmation run, at a cost in agents over the channel's target
    alone, which the segment would miss."""
    from sim.plan.optimise import optimise

    with_target = optimise(_vip_target_scenario(True))
    alone = optimise(_vip_target_scenario(False))
    rows = with_target.targets.set_index("kpi")
    assert list(rows.index) == ["service_level", "service_level[vip]"]
    assert with_target.met and rows.loc["service_level[vip]", "mean"] >= 0.9
    assert rows.loc["service_level[vip]", "confidence"] > 0.9
    assert with_target.staffing["optimised"].sum() > alone.staffing["optimised"].sum()
    assert list(alone.targets["kpi"]) == ["service_level"]
    missed = alone.confirmation.segment_kpi("voice", "vip", "service_level")[0]
    assert missed < 0.9


def test_lean_segment_counts_equal_the_kpi_tables():
    """The optimiser's per segment counts give the segment tables' service levels exactly."""
    from sim.measure.kpi import segment_columns
    from sim.measure.kpi_lean import ratio, service_counts
    from sim.measure.runner import segment_thresholds

    sc = sim.parse_scenario(_mixed())
    m = compile_scenario(sc)
    thr = segment_thresholds(sc)
    channel_thr = np.array(
        [ch.service_level.threshold if ch.service_level else 20.0 for ch in sc.channels.values()]
    )
    run = run_replication(m, replication_seed(1, 0))
    counts = service_counts(m, run, channel_thr, sc.warmup_seconds, thr)
    tot, per = segment_columns(m, run, thr, sc.warmup_seconds)
    np.testing.assert_array_equal(
        ratio(counts.window_segment_within, counts.window_segment_offered), tot["service_level"]
    )
    np.testing.assert_array_equal(
        ratio(counts.segment_within, counts.segment_offered).ravel(), per["service_level"]
    )
    assert service_counts(m, run, channel_thr, sc.warmup_seconds).segment_offered is None


def test_sweep_rows_carry_segment_kpis():
    """A sweep's table: per channel row, ``segment.<name>.<kpi>`` of that channel's
    segment (the replication's segment table), NaN where the channel has none."""
    from sim.measure.runner import simulate_replication

    data = _mixed()
    plan = sim.plan_sweep(
        {"base": data, "grid": {"groups.phones.agents": [4, 6]}, "replications": 2, "seed": 3}
    )
    table = sim.sweep(plan, workers=1)
    assert {"segment.vip.asa", "segment.basic.offered", "segment.rest.service_level"} <= set(
        table.columns
    )
    rep = simulate_replication(plan.variants[1].scenario, 1, 3)
    seg = rep.segments.set_index(["channel", "segment"])
    rows = table[(table["run_id"] == 1) & (table["replication"] == 1)].set_index("channel")
    for c, s in [("voice", "vip"), ("chat", "vip"), ("chat", "basic"), ("email", "rest")]:
        for kpi in ("offered", "asa", "service_level"):
            assert rows.loc[c, f"segment.{s}.{kpi}"] == seg.loc[(c, s), kpi]
    assert np.isnan(rows.loc["messaging", "segment.vip.offered"])
    assert np.isnan(rows.loc["voice", "segment.basic.offered"])


def test_report_has_a_segment_section(tmp_path):
    """The HTML report shows every segment's service level, ASA and abandon rate."""
    pytest.importorskip("vl_convert")
    from sim.present.display import duration, pct
    from sim.present.report import build_report, write_report

    data = _mixed()
    for c in ("chat", "messaging"):  # staffing (in the report) needs every channel's target
        data["channels"][c]["service_level"] = {"target": 0.8, "threshold": 60}
    report = build_report(sim.parse_scenario(data), replications=2)
    write_report(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "Service by customer segment" in page
    res = report.result
    for c, s in [("voice", "vip"), ("voice", "regular"), ("chat", "basic"), ("email", "rest")]:
        assert f"<td>{pct(*res.segment_kpi(c, s, 'service_level'))}</td>" in page, (c, s)
        assert f"<td>{duration(*res.segment_kpi(c, s, 'asa'))}</td>" in page, (c, s)
    plain = copy.deepcopy(data)
    for ch in plain["channels"].values():
        ch.pop("segments", None)
    report = build_report(sim.parse_scenario(plain), replications=2)
    write_report(report, tmp_path / "p.html")
    assert "customer segment" not in (tmp_path / "p.html").read_text()


@st.composite
def segmented_scenarios(draw) -> dict[str, Any]:
    """A random scenario (tests.test_properties) with constant staffing and random
    segments: 1-3 per channel, random shares, priorities and overrides."""
    data = draw(scenarios())
    for g in data["groups"].values():
        g.pop("shifts", None)
        g["agents"] = draw(st.integers(1, 6))
    names = ["vip", "regular", "basic"]
    for ch in data["channels"].values():
        k = draw(st.integers(1, 3))
        weights = [draw(st.integers(1, 5)) for _ in range(k)]
        segs: dict[str, Any] = {}
        for i in range(k):
            seg: dict[str, Any] = {"share": weights[i] / sum(weights)}
            seg["priority"] = draw(st.integers(1, 3))
            if draw(st.booleans()):
                seg["handle_time"] = EXP(draw(st.floats(10, 600)))
            if draw(st.booleans()):
                seg["patience"] = EXP(draw(st.floats(5, 300)))
            if draw(st.booleans()):
                seg["resolution"] = draw(st.floats(0, 1))
            if draw(st.booleans()):
                seg["service_level"] = {"target": 0.8, "threshold": draw(st.floats(0, 120))}
            segs[names[i]] = seg
        # shares of floats may miss 1 by rounding: the last takes the rest
        segs[names[k - 1]]["share"] = 1 - sum(s["share"] for s in list(segs.values())[:-1])
        ch["segments"] = segs
    return data


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segmented_scenarios())
def test_random_segments_conserve_and_serve_by_priority(data):
    """On random scenarios with segments: every segment's contacts are answered or
    abandoned, segments add up to their channel, and (synchronous and deferred channels)
    the queue discipline holds contact by contact."""
    sc = sim.parse_scenario(data)
    m = compile_scenario(sc)
    run = run_replication(m, replication_seed(sc.seed, 0))
    seg = segment_of(run)
    segmented = np.array([bool(s) for s in m.segments.of_channel])
    assert ((seg >= 0) == segmented[run.channel]).all()
    assert (np.array(m.segments.channel)[seg[seg >= 0]] == run.channel[seg >= 0]).all()
    _lane_invariants(sc, run, modes=("synchronous", "deferred"))
    res = sim.simulate(sc, replications=2)
    reps = res.segment_reps
    assert (reps["answered"] + reps["abandoned"] == reps["offered"]).all()
    summed = reps.groupby(["replication", "channel"])[["offered", "answered", "abandoned"]].sum()
    chan = res.channel_reps.set_index(["replication", "channel"]).loc[summed.index]
    np.testing.assert_array_equal(summed.to_numpy(), chan[summed.columns].to_numpy())


def test_segment_handle_time_with_per_period_means_is_refused() -> None:
    """Per-period handle_time_means scale the channel's handle time; a segment with its
    own handle time would bypass them (and staffing would assume otherwise)."""
    data = {
        "periods": 2,
        "channels": {
            "voice": {
                "arrivals": 10,
                "handle_time": {"distribution": "exponential", "mean": 300},
                "handle_time_means": [300, 600],
                "segments": {
                    "vip": {
                        "share": 0.5,
                        "priority": 1,
                        "handle_time": {"distribution": "exponential", "mean": 500},
                    },
                    "rest": {"share": 0.5, "priority": 2},
                },
            }
        },
        "groups": {"all": {"skills": ["voice"], "agents": 5}},
    }
    with pytest.raises(sim.ScenarioError, match=r"channels\.voice\.segments\.vip\.handle_time"):
        sim.parse_scenario(data)
