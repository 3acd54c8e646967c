"""How a late pick-up ends in the records (``python -m benchmarks.pickup_mech``).

Of the calls that arrived while an agent skilled for them was idle and available
(:func:`forecasting.agents.idle_arrivals`, Sunday-Thursday), per month and by the
number of such idle agents at the arrival (1, 2, 3, 4 or more): the calls, the share
answered after more than 2 s (``late``, the ``pickup`` behaviour's share), the late
waits' median (s), and who answered a late call: an agent idle at the arrival
(``by idle``), or one who was serving then (``by serving``; the rest were in the
first 60 s after a call, off shift, or idle with a call of their skills waiting), and
of the late calls with two or more idle agents, the share during whose whole wait the
other idle agents stayed idle (``others idle``). Then per month, the agent-hours per
day the availability rule counts as absence and the part of it ``pickup`` puts back
(the late calls' waits left out), against the late waits summed once per call and
once per idle agent; and the Kaplan-Meier median of the idle-looking agent's time
away (an answer by an agent idle at the arrival ends it; an answer by another agent or
a hang-up censors it; statsmodels' ``SurvfuncRight``).

January: 25.0% late, 40% with one idle agent, 8% with four or more; of the late calls
22% were answered by an agent who was idle at the arrival, 60% by one who was serving
then (5 s, median, after that call ended), most of the rest by one in the first 60 s
after a call, and with two or more idle agents the others stayed idle throughout 98%
of the time: a call nobody idle picks up is taken by the next agent to free up, not
held for the agent it rang at (the engine's ``pickup`` holds it; ``pickup.handoff``
queues it). February and October alike (19% / 60%, 23% / 60%).

About 30 s on one core; needs the Anonymous Bank raw records under
``$CCSIM_SHARED_DATA`` (else ``../shared/data``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.pickup_share import MONTHS, WORKDAYS
from forecasting import agents as ag
from forecasting.calibrate import Calibration, calibrate, read_anonymous_bank

MAX_IDLE = 4
"""Idle-agent counts from this up are pooled."""


def raw_dir() -> Path:
    """The Anonymous Bank raw monthly files."""
    env = os.environ.get("CCSIM_SHARED_DATA")
    return (Path(env) if env else Path("..") / "shared" / "data") / "anonymous-bank-1999" / "raw"


def late_calls(c: Calibration, skills: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The idle arrivals, Sunday-Thursday: ``n_idle, late, wait, by_idle, by_serving,
    others_idle``."""
    r = c.records
    s = ag.services(r)
    grid = ag.idle_seconds(r, skills, idle_gap=c.idle_gap)
    t = (r["arrival"] - ag._origin(r)).dt.total_seconds().to_numpy()
    wait = r["wait"].to_numpy(float)
    end = np.clip(np.floor(t + wait).astype(np.int64) - 1, 0, grid.n - 1)
    queue = r["queue"].astype(str).to_numpy()
    agent = r["agent"].astype(str).to_numpy()
    n_idle = np.zeros(len(r), np.int64)
    still = np.zeros(len(r), np.int64)  # idle agents still between services at the answer
    by_idle = np.zeros(len(r), bool)
    for a, ss, between, idle in grid.agents:
        hit = np.isin(queue, list(ss)) & idle[grid.at]
        n_idle += hit
        mine = hit & (agent == a)
        by_idle |= mine
        still += hit & ~mine & between[end]
    # was the answering agent serving at the arrival (their previous call ending after it)?
    ends = s.groupby("agent")["end"].cummax().to_numpy()
    answer = t + wait
    serving = np.zeros(len(r), bool)
    for a, idx in s.groupby("agent").indices.items():
        st, en = s["start"].to_numpy()[idx], ends[idx]
        mine = np.flatnonzero(agent == a)
        k = np.searchsorted(st, answer[mine] - 0.5) - 1  # the service before the answer
        ok = k >= 0
        serving[mine[ok]] = en[k[ok]] > t[mine[ok]]
    out = pd.DataFrame(
        {
            "n_idle": n_idle,
            "late": r["answered"].to_numpy(bool) & (wait > ag.TAKE_WAIT),
            "waited": wait > ag.TAKE_WAIT,
            "wait": wait,
            "by_idle": by_idle,
            "by_serving": serving & ~by_idle,
            "others_idle": still > 0,
        }
    )
    keep = (n_idle > 0) & r["arrival"].dt.day_of_week.isin(WORKDAYS).to_numpy()
    return out[keep].reset_index(drop=True)


def by_idle_count(f: pd.DataFrame) -> pd.DataFrame:
    """The table of the module's docstring for one month."""
    rows = []
    for k, g in f.groupby(f["n_idle"].clip(upper=MAX_IDLE)):
        late = g[g["late"]]
        rows.append(
            {
                "idle": f"{k}+" if k == MAX_IDLE else str(k),
                "calls": len(g),
                "late": round(g["late"].mean(), 3),
                "median": late["wait"].median(),
                "by idle": round(late["by_idle"].mean(), 3),
                "by serving": round(late["by_serving"].mean(), 3),
                "others idle": round(late["others_idle"].mean(), 3) if k > 1 else float("nan"),
            }
        )
    late = f[f["late"]]
    rows.append(
        {
            "idle": "all",
            "calls": len(f),
            "late": round(f["late"].mean(), 3),
            "median": late["wait"].median(),
            "by idle": round(late["by_idle"].mean(), 3),
            "by serving": round(late["by_serving"].mean(), 3),
            "others idle": round(late.loc[f.loc[f["late"], "n_idle"] > 1, "others_idle"].mean(), 3),
        }
    )
    return pd.DataFrame(rows)


def hours(c: Calibration, skills: dict[str, tuple[str, ...]], f: pd.DataFrame) -> str:
    """Absence and what ``pickup`` puts back (agent-hours per Sunday-Thursday)."""
    r = c.records
    kw = {"interval_minutes": c.interval_minutes, "idle_gap": c.idle_gap}
    on = ag.availability(r, skills, wrap_cutoff=None, **kw)
    av = ag.availability(r, skills, **kw)
    late = ag.late_idle_arrivals(r, skills, idle_gap=c.idle_gap)
    back = ag.availability(r, skills, not_absence=late, **kw)
    wd = on["interval"].dt.day_of_week.isin(WORKDAYS).to_numpy()
    days = on.loc[wd, "interval"].dt.date.nunique()

    def h(d: pd.DataFrame) -> float:
        return float(d.loc[wd, "agents"].sum()) * c.interval_minutes / 60 / days

    w = f[f["waited"]]
    once = w["wait"].sum() / 3600 / days
    per_idle = (w["wait"] * w["n_idle"]).sum() / 3600 / days
    return (
        f"absence {h(on) - h(av):.2f} h/day of {h(on):.1f} on shift, pickup puts back "
        f"{h(back) - h(av):.2f}; late waits x 1 agent {once:.2f}, x the idle agents {per_idle:.2f}"
    )


def away_median(f: pd.DataFrame) -> float:
    """Kaplan-Meier median (s) of the time an idle-looking agent is away."""
    from statsmodels.duration.survfunc import SurvfuncRight

    w = f[f["waited"]]
    km = SurvfuncRight(w["wait"].to_numpy(float), (w["late"] & w["by_idle"]).to_numpy(int))
    return float(km.quantile(0.5))


def main() -> None:
    cals = {
        m: calibrate(read_anonymous_bank(raw_dir() / f"anonymous_bank_1999_{m}.txt.gz"))
        for m in MONTHS
    }
    jan = cals["january"]
    pd.set_option("display.width", 200)
    for m, c in cals.items():
        skills = {**ag.agent_skills(c.records, queues=jan.queues), **jan.agent_skills}
        f = late_calls(c, skills)
        print(f"== {m}")
        print(by_idle_count(f).to_string(index=False))
        print(f"{hours(c, skills, f)}; Kaplan-Meier median time away {away_median(f):.0f} s")


if __name__ == "__main__":
    main()
