"""Calibration from call records: known distributions are recovered; real January figures;
the replay validation's errors stay where they were measured."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import forecasting as fc
import sim

from .forecast_helpers import RAW, needs_raw, simulated_records, synthetic_records


@pytest.fixture(scope="module")
def synthetic_cal() -> fc.Calibration:
    return fc.calibrate(fc.read_records(synthetic_records()))


def test_handle_time_lognormal_recovered(synthetic_cal):
    h = synthetic_cal.handle_times.loc["voice"]
    d = h["distribution"]
    assert d["distribution"] == "lognormal"
    assert d["mean"] == pytest.approx(200, rel=0.05) and d["cv"] == pytest.approx(1.0, rel=0.1)
    assert h["lognormal_ks"] < 0.02 < h["gamma_ks"]


def test_handle_time_fits_keep_the_records_mean():
    """Handle times that are not lognormal (an even mix of 60 s and 300 s calls,
    exponential each: mean 180 s): the lognormal's maximum-likelihood mean is not the
    sample mean, but both scenario entries are, so the fit carries the records'
    workload; the lognormal keeps its fitted shape."""
    from scipy import stats

    rng = np.random.default_rng(3)
    x = np.concatenate([rng.exponential(60, 4000), rng.exponential(300, 4000)])
    h = fc.fit_handle_time(x)
    assert abs(h["lognormal_mle_mean"] / x.mean() - 1) > 0.05  # the bias this removes
    assert h["lognormal_mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert h["gamma_mean"] == pytest.approx(x.mean(), rel=1e-6)  # the gamma's MLE keeps it
    assert h["distribution"]["mean"] == pytest.approx(round(x.mean(), 1), abs=0.1)
    shape = stats.lognorm.fit(x, floc=0)[0]
    assert h["lognormal_cv"] == pytest.approx(np.sqrt(np.expm1(shape**2)), rel=1e-12)


def test_patience_weibull_recovered_through_censoring(synthetic_cal):
    """Only about a third of the patience times are seen (the rest are censored by
    being answered), yet the censored fit finds the true Weibull, and its survival
    curve stays within 0.03 of Kaplan-Meier's."""
    p = synthetic_cal.patience.loc["voice"]
    d = p["distribution"]
    assert 0.2 < p["abandoned"] / p["n"] < 0.5
    assert d["distribution"] == "weibull"
    assert d["mean"] == pytest.approx(180, rel=0.08) and d["shape"] == pytest.approx(0.8, rel=0.06)
    assert p["weibull_km_gap"] < 0.03
    assert p["exponential_aic"] > p["weibull_aic"]


PATIENCE_CASES = [
    ({"distribution": "exponential", "mean": 200}, 6),
    ({"distribution": "weibull", "mean": 200, "shape": 0.5}, 16),
    ({"distribution": "weibull", "mean": 200, "shape": 0.7}, 6),
    ({"distribution": "weibull", "mean": 200, "shape": 1.5}, 6),
    ({"distribution": "lognormal", "mean": 200, "cv": 0.5}, 6),
    ({"distribution": "lognormal", "mean": 200, "cv": 1.0}, 6),
    ({"distribution": "lognormal", "mean": 200, "cv": 2.0}, 6),
]
"""Known patience distributions (mean 200 s) the simulator generates records with, and
the days of records each needs (heavier tails need more) for a 5% test."""


@pytest.mark.slow
@pytest.mark.parametrize("resolution", [None, 1.0], ids=["exact", "whole-seconds"])
def test_patience_recovered_from_simulated_records(resolution):
    """From the simulator's own call records (6 days: about 57,000 calls, half of them
    abandoned, waits from 0 to many minutes) with known exponential, Weibull and
    lognormal patience, the calibrated mean is within 5% of the truth and the true
    family wins. With whole-second clocks (``resolution`` 1) callers also abandon at
    wait 0 (over 1,000 of them with Weibull shape 0.5).

    Robust at any seed: over 20 seeds per case (Weibull shape 0.5 on 12 days) the
    calibrated mean's standard deviation was at most 1.1% and its bias at most 1.4%
    (shape 0.5, whole seconds; 16 days bring its deviation to about 1%), so 5% is at
    least 3.5 standard deviations away; the true family won 279 of 280 fits. The
    exponential is a Weibull of shape 1, so AIC may pick that Weibull (about 1 time in
    6): accepted when its shape is within 5% of 1; every other case must pick its own
    family."""
    wins = 0
    for truth, days in PATIENCE_CASES:
        r = fc.read_records(simulated_records(truth, seed=11, days=days, resolution=resolution))
        p = fc.fit_patience(r["wait"].to_numpy(), (~r["answered"]).to_numpy())
        got = p["distribution"]
        assert got["mean"] == pytest.approx(truth["mean"], rel=0.05), (truth, got)
        same = got["distribution"] == truth["distribution"]
        if truth["distribution"] == "exponential" and not same:
            assert got["distribution"] == "weibull" and got["shape"] == pytest.approx(1, rel=0.05)
        else:
            assert same, (truth, got)
        wins += same
        if resolution is not None and truth.get("shape") == 0.5:
            assert p["abandoned_at_zero"] > 1000 and p["resolution"] == 1.0
    assert wins >= len(PATIENCE_CASES) - 1


def test_patience_observations_use_the_waits_as_recorded():
    """Abandonments after a wait are events at that wait (no floor); those within 10
    resolution steps of 0 (wait 0 included) are interval-censored within one step of
    the record; answered calls are right-censored; calls answered at once carry
    nothing. The likelihood is computed on exactly those."""
    from scipy import stats

    wait = np.array([0.0, 0.0, 0.0, 0.2, 3.0, 7.0, 12.0])
    abandoned = np.array([True, False, False, True, True, False, True])
    obs = fc.PatienceObservations.from_waits(wait, abandoned)
    assert obs.resolution == 0.1 and obs.at_zero == 1 and obs.abandoned == 4
    assert obs.events.tolist() == [3.0, 12.0] and obs.censored.tolist() == [7.0]
    assert obs.near_zero.ravel().tolist() == pytest.approx([0.0, 0.1, 0.1, 0.3])
    assert fc.calibrate.__globals__["wait_resolution"](np.array([0.0, 4.0, 60.0])) == 1.0
    d = stats.expon(scale=10.0)
    F = d.cdf
    by_hand = (
        sum(math.log(0.1) - x / 10 for x in (3.0, 12.0))
        - 7.0 / 10
        + math.log(F(0.1) - F(0.0))
        + math.log(F(0.3) - F(0.1))
    )
    assert obs.loglik(d) == pytest.approx(by_hand, rel=1e-12)


def test_patience_needs_abandonments_after_a_wait():
    """All waits 0 (abandonments recorded at once): no fit, and the message says why."""
    wait = np.zeros(100)
    abandoned = np.arange(100) % 3 == 0
    with pytest.raises(fc.RecordsError, match=r"abandoned after a wait > 0, got 0 \(34 of 34"):
        fc.fit_patience(wait, abandoned)


def test_fragment_is_a_scenario_the_simulator_reads(synthetic_cal):
    sc = sim.parse_scenario(synthetic_cal.fragment())
    assert sc.channels["voice"].handle_time.distribution == "lognormal"
    assert sc.interval_minutes == 15 and sc.periods == 96
    assert sc.groups["agents"].skills == ("voice",)


def test_redials_and_staffing_from_ids():
    base = pd.Timestamp("2024-03-04 09:00")
    rows = [  # customer 7 abandons then calls back after 100 s; 8 abandons, never returns
        (base, "voice", 30, "abandoned", 0, "7", ""),
        (base + pd.Timedelta(seconds=130), "voice", 5, "answered", 300, "7", "ann"),
        (base + pd.Timedelta(seconds=10), "voice", 20, "abandoned", 0, "8", ""),
        (base + pd.Timedelta(hours=3), "voice", 20, "answered", 300, "8", "bob"),
    ]
    df = pd.DataFrame(
        rows,
        columns=["arrival", "queue", "wait", "outcome", "handle_time", "customer_id", "agent"],
    ).astype(str)
    red, share = fc.calibrate.__globals__["redials"](fc.read_records(df), window=3600)
    assert red.to_dict("records") == [
        {"from": "voice", "to": "voice", "probability": 0.5, "mean_delay": 100.0, "n": 1}
    ]
    assert share["voice"] == 0.25
    st = fc.calibrate.__globals__["staffing"](fc.read_records(df), interval_minutes=15, idle_gap=60)
    st = st.set_index("interval")["agents"]
    # ann serves 09:02:15-09:07:15: 5 of the 15 minutes of the 09:00 interval
    assert st[pd.Timestamp("2024-03-04 09:00")] == pytest.approx(300 / 900)
    assert st[pd.Timestamp("2024-03-04 12:00")] == pytest.approx(300 / 900)
    assert st.sum() == pytest.approx(600 / 900)


def test_bad_records_name_row_and_column():
    df = synthetic_records(n=50).astype(str)
    df.loc[3, "wait"] = "soon"
    with pytest.raises(fc.RecordsError, match=r"row 5, column 'wait'"):
        fc.read_records(df)
    df = synthetic_records(n=50).astype(str)
    df.loc[0, "outcome"] = "lost"
    with pytest.raises(fc.RecordsError, match=r"row 2, column 'outcome'"):
        fc.read_records(df)


def test_queues_that_cannot_be_fitted_are_left_out_with_the_reason():
    """A queue whose handle times are all the same, or whose abandonments all have wait
    0, is left out (it used to crash or write a fragment the loader rejects); the
    reason is kept and printed; if no queue is left, the error gives each reason."""
    good = synthetic_records(n=3000)
    flat = synthetic_records(n=400, seed=6).assign(queue="flat")
    flat["handle_time"] = np.where(flat["outcome"] == "answered", 60.0, 0.0)
    instant = synthetic_records(n=400, seed=7).assign(queue="instant", wait=0.0)
    cal = fc.calibrate(fc.read_records(pd.concat([good, flat, instant]).astype(str)))
    assert cal.queues == ["voice"]
    assert "all 2" in cal.skipped["flat"] and "take 60 s; no spread" in cal.skipped["flat"]
    assert "abandoned after a wait > 0, got 0" in cal.skipped["instant"]
    assert "queues left out" in cal.summary() and "instant: patience:" in cal.summary()
    sim.parse_scenario(cal.fragment())
    with pytest.raises(fc.RecordsError, match=r"no queue can be calibrated \(instant: patience"):
        fc.calibrate(fc.read_records(instant.astype(str)))


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("sl_threshold", math.nan),
        ("sl_threshold", -1.0),
        ("sl_threshold", math.inf),
        ("redial_window", math.nan),
        ("idle_gap", math.inf),
        ("min_calls", 0),
    ],
)
def test_calibrate_options_out_of_range(option, value):
    """sl_threshold nan used to be written into the fragment (which then did not load)."""
    records = fc.read_records(synthetic_records(n=500))
    with pytest.raises(fc.RecordsError, match=rf"^{option}: must be"):
        fc.calibrate(records, **{option: value})


def test_same_second_redials_load():
    """A redial in the same second as the hang-up (mean delay 0 s) is a fixed 0 s delay,
    not an exponential of mean 0 (which the loader rejects)."""
    r = synthetic_records(n=3000)
    r["customer_id"] = np.arange(len(r))  # nobody calls back ...
    ab = np.flatnonzero(r["outcome"].to_numpy() == "abandoned")[:10]
    for i in ab:  # ... except ten abandoners, in the second they hang up
        back = pd.Timestamp(r.loc[i, "arrival"]) + pd.Timedelta(seconds=float(r.loc[i, "wait"]))
        r.loc[len(r)] = [
            back.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "voice",
            1.0,
            "answered",
            100,
            r.loc[i, "customer_id"],
            "a1",
        ]
    cal = fc.calibrate(fc.read_records(r.astype(str)))
    (t,) = cal.fragment()["journeys"]["transitions"]
    assert t["delay"] == {"distribution": "fixed", "value": 0.0}
    sim.parse_scenario(cal.fragment())


@pytest.fixture(scope="module")
def january() -> fc.Calibration:
    return fc.calibrate(fc.read_anonymous_bank(RAW / "anonymous_bank_1999_january.txt.gz"))


@needs_raw
def test_real_january_calibration(january):
    """Figures of the real January 1999 file (Anonymous Bank)."""
    obs = january.observed(by_day=False).set_index("queue")
    assert obs.loc["PS", "offered"] == 22033
    assert obs.loc["PS", "abandon_rate"] == pytest.approx(1659 / 22033)
    ht = january.handle_times.loc["PS"]
    assert ht["sample_mean"] == pytest.approx(192.3, abs=0.1)
    p = january.patience.loc["NW"]
    assert p["km_s60"] == pytest.approx(0.730, abs=0.002)
    assert p[f"{p['distribution']['distribution']}_km_gap"] < 0.1
    assert january.queues[:2] == ["TT", "PS"]  # shortest waits first
    ps_ps = january.redials.set_index(["from", "to"]).loc[("PS", "PS")]
    assert 0.2 < ps_ps["probability"] < 0.35 and 300 < ps_ps["mean_delay"] < 1500
    assert 10 <= january.staffing["agents"].max() <= 16


@needs_raw
@pytest.mark.slow
def test_replay_february_regression(january):
    """Replay of the first 5 February weekdays (3 replications each). Frozen from the
    measured run: pooled over queues, simulated abandonment is within 6 pp of actual
    on average and service level within 14 pp (simulation is optimistic: it serves
    faster than the real centre did)."""
    feb = fc.read_anonymous_bank(RAW / "anonymous_bank_1999_february.txt.gz")
    rep = fc.replay(january, feb, replications=3, days=5)
    s = fc.replay_summary(rep).set_index("queue")
    assert s.loc["all", "days"] == 5
    assert s.loc["all", "abandon_mae_pp"] < 6
    assert s.loc["all", "sl_mae_pp"] < 14
    assert s.loc["PS", "abandon_mae_pp"] < 6
    assert s.loc["all", "actual_abandon"] == pytest.approx(
        rep.assign(a=rep["actual_abandon"] * rep["offered"])["a"].sum() / rep["offered"].sum()
    )


def test_handle_time_quantiles_are_the_records_quantiles() -> None:
    """Handle times 0 (dropped), 10, 20, ..., 100 s: 11 points are the ten values
    themselves with the 0.1 quantile interpolated, 10 + 0.1 * 9 * 10 = 19 s; the
    empirical entry loads and its mean is the sample's (55 s) to the rounding."""
    from forecasting.fits import RecordsError, handle_time_quantiles

    x = np.r_[0.0, np.arange(10, 101, 10)]
    e = handle_time_quantiles(x, points=11)
    assert e["distribution"] == "empirical"
    assert e["samples"][0] == 10.0 and e["samples"][1] == 19.0 and e["samples"][-1] == 100.0
    assert handle_time_quantiles(x, points=10)["samples"] == [float(v) for v in x[1:]]
    from sim.config.distributions import Empirical

    assert Empirical(**handle_time_quantiles(x)).mean == pytest.approx(55.0, abs=0.05)
    with pytest.raises(RecordsError, match="at least 10"):
        handle_time_quantiles(x[:5])


def test_handle_time_profile_by_hour() -> None:
    """Two calls at 08:10 (60 and 100 s), one at 09:30 (200 s), one with handle time 0
    (left out): overall mean 120 s. With shrink 0: hour 8 = 80 / 120, hour 9 = 200 /
    120, hours without calls 1; with shrink 2: hour 8 = (160 + 240) / (4 * 120) = 5/6,
    hour 9 = (200 + 240) / 360."""
    from forecasting.fits import handle_time_profile

    t = np.array([8 * 3600 + 600, 8 * 3600 + 600, 9 * 3600 + 1800, 10 * 3600])
    x = np.array([60.0, 100.0, 200.0, 0.0])
    f = handle_time_profile(t, x, shrink=2)
    assert len(f) == 24
    assert f[8] == pytest.approx(5 / 6) and f[9] == pytest.approx(440 / 360)
    assert f[0] == pytest.approx(1.0) and f[10] == pytest.approx(1.0)
    half = handle_time_profile(t, x, bin_minutes=30, shrink=2)
    assert len(half) == 48 and half[19] == pytest.approx(440 / 360)
    raw = handle_time_profile(t, x, shrink=0)
    assert raw[8] == pytest.approx(80 / 120) and raw[9] == pytest.approx(200 / 120)
    assert raw[0] == 1.0
    assert (handle_time_profile(t[:0], x[:0]) == 1).all()


def test_fragment_averages_staffing_over_the_days_with_records():
    """The typical day's agents are averaged over the same days as its arrivals, the
    days with records: one recorded day, then a day with no record at all (closed, or
    missing from the file), then the same day again gives the one day's fragment, not
    two thirds of its agents (the empty day counted as nobody on shift)."""
    one = synthetic_records(n=20000)
    arrival = pd.to_datetime(one["arrival"])
    day = one[arrival < pd.Timestamp("2024-03-05")]
    again = day.assign(
        arrival=(pd.to_datetime(day["arrival"]) + pd.Timedelta(days=2)).dt.strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        customer_id=day["customer_id"] + 10_000,  # no redials across the copies
    )
    single = fc.calibrate(fc.read_records(day.astype(str))).fragment()
    gapped = fc.calibrate(fc.read_records(pd.concat([day, again]).astype(str))).fragment()
    agents = gapped["groups"]["agents"]["agents"]
    assert sum(agents) > 0
    assert agents == single["groups"]["agents"]["agents"]
    assert gapped["channels"]["voice"]["arrivals"] == single["channels"]["voice"]["arrivals"]
