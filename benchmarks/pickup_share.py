"""What predicts the late pick-up share (``python -m benchmarks.pickup_share``).

Of the calls that arrived while an agent skilled for them was idle and available
(:func:`forecasting.agents.idle_arrivals`), the share answered after more than 2 s
(the ``pickup`` replay behaviour's share) is 25.0% in January, 26.2% in February and
13.4% in October (Sunday-Thursday, all queues). Each model is fitted on January only
and predicts February's and October's share from what the replay knows about the
test day; printed: predicted / actual, in %, per month and queue, and the correlation
of the predicted and actual daily shares.

* ``const``: January's share (what ``pickup`` uses);
* ``load``: calls per on-shift agent in the call's 15-min interval (logistic);
* ``exp_idle``: log of the interval's on-shift agents less its offered load (calls x
  January's mean handle time / 900 s);
* ``habit``: the idle agents' own late shares (January, when each was the only idle
  agent, shrunk to the pooled share by 30 pseudo-calls; agents January does not know
  get the pooled share): the mean log-odds over the agents idle at the arrival;
* ``n_idle``: log of the number of idle available agents at the arrival (not in the
  replay's inputs, the engine's own state: an upper bound on what load can say);
* ``absence``: the day's absence share (:func:`forecasting.agents.day_absence`, the
  pick-up waits left out), the day's share moved from January's on the log-odds scale
  by the slope fitted on January's days (the ``pickup_daily`` behaviour).

About 1 min on one core; needs the Anonymous Bank raw records under
``$CCSIM_SHARED_DATA`` (else ``../shared/data``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting import agents as ag
from forecasting.calibrate import Calibration, calibrate, read_anonymous_bank

MONTHS = ("january", "february", "october")
WORKDAYS = (6, 0, 1, 2, 3)
HABIT_SHRINK = 30
"""Pseudo-calls of the pooled share added to an agent's own late answers."""


def _raw() -> Path:
    env = os.environ.get("CCSIM_SHARED_DATA")
    return (Path(env) if env else Path("..") / "shared" / "data") / "anonymous-bank-1999" / "raw"


def idle_calls(cal: Calibration, skills: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The calls that arrived to an idle, available agent, Sunday-Thursday: ``queue,
    date, late, n_idle, who`` (the idle agents), ``calls_int, agents_int`` (the
    interval's calls of every queue and on-shift agents)."""
    r = cal.records
    grid = ag.idle_seconds(r, skills, idle_gap=cal.idle_gap)
    queue = r["queue"].astype(str).to_numpy()
    n_idle = np.zeros(len(r), np.int64)
    who: list[list[str]] = [[] for _ in range(len(r))]
    for agent, ss, _, idle in grid.agents:
        hit = np.isin(queue, list(ss)) & idle[grid.at]
        n_idle += hit
        for i in np.flatnonzero(hit):
            who[i].append(agent)
    interval = r["arrival"].dt.floor(f"{cal.interval_minutes}min")
    calls = interval.map(interval.value_counts()).to_numpy(float)
    staff = cal.staffing.set_index("interval")["agents"]
    out = pd.DataFrame(
        {
            "queue": queue,
            "date": r["arrival"].dt.date.to_numpy(),
            "late": r["answered"].to_numpy(bool) & (r["wait"].to_numpy(float) > ag.TAKE_WAIT),
            "n_idle": n_idle,
            "who": who,
            "calls_int": calls,
            "agents_int": interval.map(staff).fillna(0.0).to_numpy(float),
        }
    )
    keep = (out["n_idle"] > 0) & r["arrival"].dt.day_of_week.isin(WORKDAYS).to_numpy()
    return out[keep].reset_index(drop=True)


def _habits(jan: pd.DataFrame) -> tuple[dict[str, float], float]:
    """Per January agent, their late share when they were the only idle agent (shrunk);
    and the pooled share."""
    one = jan[jan["n_idle"] == 1].assign(agent=lambda d: d["who"].str[0])
    pool = float(one["late"].mean())
    g = one.groupby("agent")["late"].agg(["sum", "size"])
    shrunk = (g["sum"] + HABIT_SHRINK * pool) / (g["size"] + HABIT_SHRINK)
    return {str(a): float(v) for a, v in shrunk.items()}, pool


def _features(f: pd.DataFrame, mean_ht: float, habit: dict[str, float], pool: float) -> None:
    f["load"] = f["calls_int"] / f["agents_int"].clip(lower=0.5)
    erlangs = f["calls_int"] * mean_ht / 900.0
    f["exp_idle"] = np.log((f["agents_int"] - erlangs).clip(lower=0.1))
    f["n_idle_log"] = np.log(f["n_idle"])

    def logit(p: float) -> float:
        return float(np.log(p / (1 - p)))

    f["habit"] = f["who"].map(lambda w: np.mean([logit(habit.get(a, pool)) for a in w]))
    f["y"] = f["late"].astype(int)


def _absence_shares(cals: dict[str, Calibration]) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Per month, per Sunday-Thursday: the ``absence`` model's predicted late answers and
    the idle arrivals. As ``pickup_daily`` does, the slope and its reference are fitted
    on every January day and move January's share over every day."""
    jan = cals["january"]

    def days(c: Calibration, skills: dict[str, tuple[str, ...]]) -> pd.DataFrame:
        d = ag.pickup_days(c.records, skills, idle_gap=c.idle_gap)
        late = ag.late_idle_arrivals(c.records, skills, idle_gap=c.idle_gap)
        a = ag.day_absence(
            c.records, skills, interval_minutes=15, idle_gap=c.idle_gap, not_absence=late
        )
        return d.join(a, how="inner")

    train = days(jan, jan.agent_skills)
    fit = ag.pickup_absence_fit(train)
    assert fit is not None
    share = float(train["late"].sum() / train["calls"].sum())
    print(f"absence: January slope {fit[0]:.2f} per unit absence share, reference {fit[1]:.3f}")
    out = {}
    for m, c in cals.items():
        skills = {**ag.agent_skills(c.records, queues=jan.queues), **jan.agent_skills}
        d = days(c, skills)
        d = d[[x.weekday() in WORKDAYS for x in d.index]]
        pred = d["absence"].map(lambda a: ag.shifted_share(share, fit[0], fit[1], float(a)))
        out[m] = (pred * d["calls"], d["calls"])
    return out


def main() -> None:
    import statsmodels.formula.api as smf

    cals = {
        m: calibrate(read_anonymous_bank(_raw() / f"anonymous_bank_1999_{m}.txt.gz"))
        for m in MONTHS
    }
    jan = cals["january"]
    known = jan.agent_skills
    frames = {}
    for m, c in cals.items():
        skills = {**ag.agent_skills(c.records, queues=jan.queues), **known}
        frames[m] = idle_calls(c, skills)
    habit, pool = _habits(frames["january"])
    mean_ht = float(jan.records.loc[jan.records["answered"], "handle_time"].mean())
    for f in frames.values():
        _features(f, mean_ht, habit, pool)
    forms = {
        "const": "y ~ 1",
        "load": "y ~ load",
        "exp_idle": "y ~ exp_idle",
        "habit": "y ~ habit",
        "load+habit": "y ~ load + habit",
        "n_idle": "y ~ n_idle_log",
        "n_idle+habit": "y ~ n_idle_log + habit",
    }
    rows: list[dict[str, Any]] = []
    for name, formula in forms.items():
        res = smf.logit(formula, frames["january"]).fit(disp=0)
        row: dict[str, Any] = {"model": name}
        for m, f in frames.items():
            p = res.predict(f)
            for q in ("all", "PS", "NW", "NE"):
                mine = np.ones(len(f), bool) if q == "all" else (f["queue"] == q).to_numpy()
                row[f"{m[:3]} {q}"] = f"{100 * p[mine].mean():.1f}/{100 * f['y'][mine].mean():.1f}"
            if m != "january":
                by_day = pd.DataFrame({"p": p, "y": f["y"], "date": f["date"]}).groupby("date")
                daily = by_day.mean()
                row[f"{m[:3]} day r"] = round(float(daily["p"].corr(daily["y"])), 2)
        rows.append(row)
    row = {"model": "absence"}
    for m, (num, den) in _absence_shares(cals).items():
        actual = frames[m]
        row[f"{m[:3]} all"] = f"{100 * num.sum() / den.sum():.1f}/{100 * actual['y'].mean():.1f}"
        if m != "january":
            y = actual.groupby("date")["y"].mean()
            row[f"{m[:3]} day r"] = round(float((num / den).corr(y)), 2)
    rows.append(row)
    pd.set_option("display.width", 250)
    print("predicted / actual late share (%), fitted on January:")
    print(pd.DataFrame(rows).fillna("").to_string(index=False))
    for m, f in frames.items():
        known_share = f["who"].map(lambda w: np.mean([a in habit for a in w])).mean()
        print(f"{m}: {100 * known_share:.0f}% of the idle agents at idle arrivals known to January")


if __name__ == "__main__":
    main()
