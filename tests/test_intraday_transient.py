"""Intraday reforecast with a day level and an AR(1) transient
(forecasting.intraday_transient): the conditional mean by hand (credibility formula,
AR decay), the likelihood fit recovering a known decay, the spread factor, a known
level recovered, 80% coverage on data drawn from the model, and the API option."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecasting as fc
from forecasting import HistoryError
from forecasting.base import SeriesForecast
from forecasting.intraday import DayAhead, LevelPrior
from forecasting.intraday_transient import (
    LOG_OFFSET,
    TransientPrior,
    calibrate_spread,
    fit_transient,
    log_ratio,
    transient_update,
)

from .cli_helpers import ccsim
from .test_intraday import csv, random_level_history, shifted_history

HUGE = 1e9
"""A day-ahead mean (contacts per interval) whose count noise is negligible on the log
scale (variance ~1e-9 + the floor 1e-6)."""


def test_pure_level_conditional_is_the_credibility_formula():
    """No transient: every later interval's conditional log ratio is the posterior
    mean of the level, sigma^2 sum(e_i / v_i) / (1 + sigma^2 sum(1 / v_i))
    (Sherman-Morrison), and its variance sigma^2 / (1 + sigma^2 sum(1 / v_i))."""
    p = TransientPrior(level_var=0.04, transient_var=0.0, phi=0.0, overdispersion=0.5)
    m = np.full(10, 50.0)
    actual = np.array([60.0, 55.0, 70.0, 40.0, 0, 0, 0, 0, 0, 0])
    seen = np.arange(10) < 4
    mu, cov, noise = p.conditional(m, actual, seen)
    v = 1.5 * 50 / 51**2 + 1e-6
    e = np.log((actual[:4] + 1) / 51)
    post = 0.04 / (1 + 0.04 * 4 / v)
    np.testing.assert_allclose(mu, post * e.sum() / v, rtol=1e-9)
    np.testing.assert_allclose(cov, np.full((6, 6), post), rtol=1e-9)
    np.testing.assert_allclose(noise, v, rtol=1e-12)


def test_pure_transient_conditional_decays_by_phi_per_interval():
    """No level, no count noise: an AR(1) forecast h intervals on is phi^h x the last
    log ratio, with variance sigma^2 (1 - phi^2h); earlier intervals add nothing."""
    p = TransientPrior(level_var=0.0, transient_var=0.09, phi=0.6)
    m = np.full(8, HUGE)
    e_seen = np.array([0.1, -0.2, 0.3])
    actual = np.concatenate([(HUGE + LOG_OFFSET) * np.exp(e_seen) - LOG_OFFSET, np.zeros(5)])
    mu, cov, _ = p.conditional(m, actual, np.arange(8) < 3)
    h = np.arange(1, 6)
    np.testing.assert_allclose(mu, 0.6**h * 0.3, rtol=1e-3)
    np.testing.assert_allclose(np.diag(cov), 0.09 * (1 - 0.6 ** (2 * h)), rtol=1e-3, atol=1e-6)
    # nothing seen: the prior
    mu0, cov0, _ = p.conditional(m, actual, np.zeros(8, bool))
    assert not mu0.any() and cov0[0, 2] == pytest.approx(0.09 * 0.36)


def simulate(p: TransientPrior, m: np.ndarray, days: int, seed: int) -> list[DayAhead]:
    """Days drawn from the model: log rate = log m + a + b_s, counts Poisson."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(days):
        lat = rng.multivariate_normal(np.zeros(len(m)), p.latent_cov(len(m)))
        out.append(DayAhead(m, rng.poisson(m * np.exp(lat)).astype(float), np.arange(len(m)) * 30))
    return out


def test_fit_transient_recovers_a_known_decay():
    """60 days of 30 intervals at 2,000 contacts (count noise ~2% on the log scale),
    level sd 0.1, transient sd 0.2 with phi 0.7: the likelihood fit recovers phi within
    0.1, the transient variance within 30% and the level variance within a factor 2
    (60 days carry little information about the level's)."""
    true = TransientPrior(level_var=0.01, transient_var=0.04, phi=0.7)
    records = simulate(true, np.full(30, 2000.0), 60, seed=5)
    p = fit_transient(records)
    assert p.phi == pytest.approx(0.7, abs=0.1)
    assert p.transient_var == pytest.approx(0.04, rel=0.3)
    assert 0.005 < p.level_var < 0.02
    assert p.overdispersion < 1.0 and p.days == 60
    with pytest.raises(HistoryError, match="calibration day"):
        fit_transient(records[:2])


def test_spread_is_the_80th_percentile_of_standardised_residuals():
    """Log ratios drawn with twice the prior's sd (independent intervals, no count
    noise): the spread factor is ~2; by hand it is q80(|z|) / 1.2816 of exactly the
    residuals of the cuts within an hour of the cut."""
    rng = np.random.default_rng(2)
    p = TransientPrior(level_var=0.0, transient_var=0.01, phi=0.0)
    m = np.full(20, HUGE)
    slots = np.arange(20) * 30
    records = [
        DayAhead(m, (HUGE + 1) * np.exp(rng.normal(0, 0.2, 20)) - 1, slots) for _ in range(40)
    ]
    got = calibrate_spread(p, records, 300).spread
    assert got == pytest.approx(2.0, rel=0.1)
    # by hand: cuts at 240, 270, 300, 330, 360 (within 60 min of 300); z = e / sd
    z = []
    for r in records:
        e = log_ratio(r.actual, r.mean)
        for c in (240, 270, 300, 330, 360):
            z.append(e[slots >= c] / np.sqrt(0.01 + 1e-6 + 1 / HUGE))
    want = np.quantile(np.abs(np.concatenate(z)), 0.8) / 1.2815515655446004
    assert got == pytest.approx(want, rel=1e-6)


def one_day(m: np.ndarray, n_paths: int = 200) -> SeriesForecast:
    """A one-day forecast of 30-min intervals whose mean and every path are ``m``."""
    slots = tuple(int(s) for s in np.arange(len(m)) * 30)
    paths = np.repeat(m[None, None, :], n_paths, axis=0)
    return SeriesForecast(
        (dt.date(2024, 1, 1),), slots, m[None], paths, np.ones((1, len(m)), bool), "x"
    )


def test_a_known_level_is_recovered_from_a_long_morning():
    """A Poisson day at 1.3 x the day-ahead mean (100 per interval), pure-level prior
    (sd 0.2): after 40 of 48 intervals the rest's mean is within 5% of 1.3 x 100 (the
    posterior sd of the level is ~1.6%); the closed intervals before the cut are not
    open, the paths' median is near the mean."""
    rng = np.random.default_rng(0)
    m = np.full(48, 100.0)
    actual = rng.poisson(130.0, 48).astype(float)
    p = TransientPrior(level_var=0.04, transient_var=0.0, phi=0.0)
    rest = transient_update(one_day(m), actual, 40 * 30, p, np.random.default_rng(1))
    assert rest.open[0].sum() == 8 and not rest.open[0][:40].any()
    assert rest.mean[0][40:] == pytest.approx(np.full(8, 130.0), rel=0.05)
    assert (rest.mean[0][:40] == 0).all()
    med = np.median(rest.paths[:, 0, 40:], axis=0)
    assert med == pytest.approx(rest.mean[0][40:], rel=0.05)


def test_80_percent_intervals_cover_80_percent_of_days_drawn_from_the_model():
    """300 independent days drawn from the model (level sd 0.1, transient sd 0.15,
    phi 0.8, 24 intervals at 200, Poisson counts), each reforecast from interval 12
    with the true prior: the 80% interval of interval 15 covers the actual on a share
    of days within the binomial band 0.8 +- 4 sd (sd = sqrt(0.8 x 0.2 / 300) = 0.023)."""
    true = TransientPrior(level_var=0.01, transient_var=0.0225, phi=0.8)
    m = np.full(24, 200.0)
    days = simulate(true, m, 300, seed=9)
    rng = np.random.default_rng(3)
    inside = 0
    for d in days:
        rest = transient_update(one_day(m), d.actual, 12 * 30, true, rng)
        lo, hi = rest.interval(80)
        inside += int(lo[0, 15] <= d.actual[15] <= hi[0, 15])
    sd = np.sqrt(0.8 * 0.2 / 300)
    assert abs(inside / 300 - 0.8) < 4 * sd


def test_reforecast_option_transient_and_its_errors():
    """update="transient" through the API: the rest of the day from the origin, the
    model named +intraday, a TransientPrior fitted on the calibration days; an unknown
    update or a mismatched prior are errors naming the argument."""
    hist = random_level_history(days=30)
    day = hist.matrix().dates[-1]
    out = fc.reforecast(hist, f"{day} 12:00", update="transient", n_paths=100, calibration_days=5)
    assert out["timestamp"].min().hour == 12 and out["model"].iloc[0] == "dow_ssm+intraday"
    assert (out["lower_80"] <= out["upper_80"]).all() and (out["volume"] >= 0).all()
    _, priors = fc.reforecast_series(
        hist, f"{day} 12:00", update="transient", n_paths=100, calibration_days=5
    )
    (p,) = priors.values()
    assert isinstance(p, TransientPrior) and p.days == 5
    with pytest.raises(HistoryError, match="update: expected one of level, transient"):
        fc.reforecast(hist, f"{day} 12:00", update="shape")
    with pytest.raises(HistoryError, match="prior: update 'transient' needs a TransientPrior"):
        fc.reforecast(hist, f"{day} 12:00", update="transient", prior=LevelPrior(1.0, 0.0))
    with pytest.raises(HistoryError, match="phi"):
        TransientPrior(0.0, 0.0, 1.0)


def test_backtest_refuses_an_unknown_update():
    """An unknown update is refused, naming it (accuracy: test_intraday, both updates)."""
    y = random_level_history().matrix()
    with pytest.raises(HistoryError, match="update: expected"):
        fc.intraday_backtest(y, n_days=20, update="nope")


def test_cli_update_transient(tmp_path: Path):
    """``ccsim forecast --as-of ... --update transient``: the rest of the day from the
    origin, the fitted transient prior on stderr; an unknown update exits 2."""
    df = shifted_history()
    day = df["timestamp"].dt.normalize().max()
    out = tmp_path / "fc.csv"
    args = ["forecast", str(csv(tmp_path, df)), "--as-of", f"{day:%Y-%m-%d} 12:00"]
    r = ccsim(*args, "--horizon-days", "1", "--paths", "100", "--update", "transient",
              "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "intraday: voice: transient prior from 15 day(s)" in r.stderr
    got = pd.read_csv(out, parse_dates=["timestamp"])
    assert got["timestamp"].min() == day + pd.Timedelta(hours=12)
    assert got["model"].iloc[0] == "dow_ssm+intraday"
    bad = ccsim(*args, "--update", "shape", "--out", str(out))
    assert bad.returncode == 2 and "--update" in bad.stderr


def test_cli_update_without_a_reforecast_is_refused(tmp_path: Path):
    """``--update transient`` on a day-ahead forecast (no ``--as-of``, the history ends
    with a whole day) would be ignored: exit 2 naming the option, nothing written."""
    out = tmp_path / "fc.csv"
    r = ccsim("forecast", str(csv(tmp_path, shifted_history())), "--update", "transient",
              "--paths", "100", "--out", str(out))  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "--update: transient" in r.stderr and "--as-of" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()
