"""Replay validation: calibrate on one month, simulate another month's days with their
observed arrivals and staffing, compare simulated with actual service.

For each replayed day and queue the simulator gets the day's observed calls per
interval (as expected arrivals, Poisson within the interval) and the observed agents
on shift per interval, with handle-time and patience distributions calibrated on the
*other* month. Simulated abandonment rate and share answered within the threshold
(``service_level``, threshold = the calibration's ``sl_threshold``) are compared with
what actually happened; errors are simulated minus actual, in percentage points.

Simulation validation, so it lives with the measures: it calibrates with
:mod:`forecasting.calibrate` and simulates with :func:`sim.measure.runner.simulate`
(``forecasting`` itself depends only on ``sim.config``). ``forecasting.replay`` and
``forecasting.replay_summary`` still work, resolved here on first use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecasting.calibrate import Calibration, calibrate
from sim.config.scenario import parse_scenario
from sim.measure.results import Result
from sim.measure.runner import simulate

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_BEHAVIOURS",
    "NEEDS",
    "checked_behaviours",
    "day_seed",
    "own_edits",
    "own_staffing",
    "replay",
    "replay_summary",
]

BEHAVIOURS = (
    "skills",
    "availability",
    "wrap_up",
    "proficiency",
    "routing",
    "absence",
    "segments",
    "agent_talk",
    "empirical_talk",
    "talk_by_hour",
    "aging",
    "readiness",
    "pickup",
    "pickup_as_absence",
    "pickup_daily",
    "pickup_by_queue",
    "pickup_answerer",
    "pickup_handoff",
    "pickup_by_idle",
)
"""What a replay can take from the records beyond arrivals, talk time and patience:

* ``skills``: one group per skill set of the agents (from the queues each answered),
  staffed with the day's observed agents of that group (else one group for all);
* ``availability``: an agent idle while a call they could take waits (beyond the
  after-call work) is not available (else on shift = available, the idle-gap heuristic);
* ``wrap_up``: after-call work per queue, from the agents' gaps between calls;
* ``proficiency``: each group's handle-time factor per queue (needs ``skills``);
* ``routing``: the order agents take queues in, from the calls they picked while
  another of their queues had a call waiting (else shortest mean wait first);
* ``absence`` (off by default; needs ``availability``): absence is seen only while a
  call waits; taking it as independent of the queue, an interval's seen absence is
  divided by the share of the interval a call of the agent's skills waited (at most
  the agent's idle time).
* ``segments`` (off by default): customer priority classes per queue from the records'
  ``priority`` (:mod:`forecasting.segments`): shares, the order agents serve them in,
  per class patience and (where it differs) handle time.
* ``agent_talk`` (off by default; needs ``proficiency``): talk time differs by agent,
  so a day's group factors follow the agents on shift that day: each agent's factor
  per queue from the calibration month (:func:`forecasting.agents.agent_talk_factors`,
  shrunk to their group's), the day's group factor their harmonic mean weighted by
  time on shift (:func:`forecasting.agents.day_talk_factors`), relative to the
  calibration month's.
* ``empirical_talk`` (off by default): each queue's handle times are the calibration
  records' own (:func:`forecasting.fits.handle_time_quantiles`, resampled) instead of
  the fitted family's shape (the fits keep the records' mean; before they did,
  January's PS lognormal had its maximum-likelihood mean, 212 s against the records'
  192 s).
* ``talk_by_hour`` (off by default): each queue's mean handle time by hour of arrival,
  relative to the queue's (:func:`forecasting.fits.handle_time_profile`, shrunk to the
  queue's mean), as ``channels.<q>.handle_time_means`` (January's NW calls take 76 s at
  8:00, 146 s at 11:00); a queue whose ``segments`` have handle times of their own
  keeps them instead.
* ``aging`` (off by default): agents take a queue before the ones ahead of it in their
  order once its oldest call has waited long enough (the age, per queue, at which the
  agents' overtaking picks in the records are matched; only queues whose fresh calls
  waited behind the ones ahead): ``shaping`` rules (``prioritise`` on ``oldest_over``).
* ``readiness`` (needs ``skills``): an agent takes a queue they only
  take on the side (no agent's main queue) for part of their time only: idle, they
  took its calls at once at this share of the rate they took their main queue's
  (training month; the switch's choice among idle agents allowed for). Each agent's
  available time is shared out among skill sets with and without such queues (and the
  groups' handle-time factors follow their members).
* ``pickup``: agents who look free do not always answer at once: of
  the training month's calls that arrived while an agent skilled for them was idle and
  available (:func:`forecasting.agents.idle_arrivals`), the share answered after more
  than 2 s and those waits (empirical), pooled over each group's queues, as
  ``groups.<g>.pickup``. With ``availability``, the test month's calls that arrived to
  such an agent and waited are left out of the waits absence is seen in (the same idle
  seconds are not counted twice);
* ``pickup_as_absence`` (off by default; needs ``pickup``): keeps them in (double counted: the
  ablation).
* ``pickup_daily`` (needs ``pickup``): each test day's pick-up share
  follows that day's absence instead of being the training month's throughout: on the
  log-odds scale, the training month's days' late shares fitted on their absence
  (agents away while calls waited, taken as independent of the queue, the pick-up
  waits left out: :func:`forecasting.agents.day_absence`), each group's share moved
  by the slope times the test day's absence less the training month's
  (:func:`forecasting.agents.shifted_share`).
* ``pickup_by_queue`` (needs ``pickup``): each queue with enough such calls gets its
  own share and delays (``groups.<g>.pickup.channels``), the calls that abandoned
  counted as censored delays (:func:`forecasting.agents.queue_pickups`; January's NW
  0.320 delayed against 0.262 leaving them out, PS 0.238 against 0.228).
* ``pickup_answerer`` (off by default; needs ``pickup``): the test month's late idle
  arrivals are left out of absence for the agent who answered each only (the one agent a simulated
  pick-up reserves), not for every idle agent of their skills: in the records the
  other idle agents let such a call wait too, and calls arriving meanwhile mostly
  waited (February PS: 66% with two or more other agents idle past their after-call
  work, against 27% when no call waited).
* ``pickup_handoff`` (needs ``pickup``): a delayed call is not held
  for the idle agent it was routed to but queues for whoever frees up first while that
  agent is away for the delay (``groups.<g>.pickup.handoff``; share and delays as
  ``pickup``'s), as the records show: of those calls 22% were answered by an agent
  idle at their arrival, 60% by one who was serving then, 5 s (median) after that
  call ended (January; :mod:`benchmarks.pickup_mech`).
* ``pickup_by_idle`` (needs ``pickup``): the share depends on how many
  agents able to take the call were idle at its arrival (January 40%, 26%, 17%, 7% with
  1, 2, 3, 4 or more), as ``groups.<g>.pickup.share_by_idle``
  (:func:`forecasting.agents.pickup_idle_counts`); with ``pickup_daily`` each entry is
  moved as the share is. It replaces every share, ``pickup_by_queue``'s per-queue ones
  included (abandoned calls are not censored here): of ``pickup_by_queue`` only the
  queues' own delays then remain.
"""
DEFAULT_BEHAVIOURS = (
    *BEHAVIOURS[:5],
    "readiness",
    "pickup",
    "pickup_daily",
    "pickup_by_queue",
    "pickup_handoff",
    "pickup_by_idle",
)
"""What :func:`replay` uses unless told: skills, availability, wrap_up, proficiency,
routing, readiness and the pick-up delay with its refinements (pickup_daily,
pickup_by_queue, pickup_handoff, pickup_by_idle). January -> February, seeds 1-3, pooled
abandonment / within 60 s: +1.6 / +0.8, +1.5 / +1.1, +1.5 / +0.8 (NW within 60 s +3.6
to +3.8), against +0.6 / +2.8, +0.6 / +3.0, +0.5 / +2.7 (NW +8.6 to +8.7) without the
pick-up; the others stay off (README, Replay validation)."""


def _staffing(
    cal: Calibration, test: Calibration, behaviours: frozenset[str]
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]] | None, dict[str, Any] | None]:
    """The test days' staffing for the scenarios, per group the skills and (with
    ``readiness``) the groups' handle-time factors."""
    if not behaviours & {"skills", "availability"}:
        return test.staffing, None, None
    from forecasting import agents as ag

    skills = {**ag.agent_skills(test.records, queues=cal.queues), **cal.agent_skills}
    cutoff = None if "availability" not in behaviours else test_cutoff()
    parts = None
    if "readiness" in behaviours:
        parts = ag.readiness_parts(skills, cal.readiness)
    not_absence = None
    if cutoff is not None and "pickup" in behaviours and "pickup_as_absence" not in behaviours:
        not_absence = ag.late_idle_arrivals(test.records, skills, idle_gap=test.idle_gap)
    avail = ag.availability(
        test.records,
        skills,
        interval_minutes=test.interval_minutes,
        idle_gap=test.idle_gap,
        wrap_cutoff=cutoff,
        extrapolate="absence" in behaviours,
        parts=parts,
        not_absence=not_absence,
        answerer_only="pickup_answerer" in behaviours,
    )
    if "skills" not in behaviours:
        pooled = avail.groupby("interval")["agents"].sum().reset_index()
        return pooled, None, None
    if parts is None:
        return avail, ag.skill_groups(skills), None
    groups = {ag.group_name(sub): sub for pieces in parts.values() for sub, _ in pieces}
    factors = ag.part_handle_time_factors(cal.records, parts)
    return avail, dict(sorted(groups.items())), factors


def test_cutoff() -> float:
    """The after-call work cutoff (s) the availability rule uses."""
    from forecasting.agents import WRAP_CUTOFF

    return WRAP_CUTOFF


def replay(
    train: Calibration | pd.DataFrame,
    test_records: pd.DataFrame,
    *,
    weekdays: Sequence[int] = (6, 0, 1, 2, 3),
    replications: int = 10,
    seed: int = 1,
    days: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    behaviours: Iterable[str] = DEFAULT_BEHAVIOURS,
    talk_times: Literal["train", "test"] = "train",
    on_day: Callable[[Any, Result], None] | None = None,
) -> pd.DataFrame:
    """Simulate each test day with its observed arrivals and staffing.

    Parameters
    ----------
    train : a calibration (or records to calibrate on), e.g. January.
    test_records : the records of the days to replay, e.g. February.
    weekdays : which weekdays to replay (0 = Monday; default Sunday to Thursday, the
        Anonymous Bank's full working days).
    replications : simulation replications per day.
    days : replay only the first ``days`` of them (for quick checks).
    behaviours : which of :data:`BEHAVIOURS` to use (default
        :data:`DEFAULT_BEHAVIOURS`; ``()`` is the
        replay of one group staffed by the idle-gap heuristic, without wrap-up).
    talk_times : ``"test"`` replaces the calibration's handle-time distributions by
        the test records' own (a diagnostic, not a forecast: how much of the bias is
        talk time drifting between the months), the segments' too.
    on_day : called with each replayed day (``datetime.date``) and its simulation
        :class:`~sim.measure.results.Result`, whose ``runs`` then hold every contact
        (e.g. :func:`sim.measure.replay_regimes.replay_regimes`).

    Returns
    -------
    pandas.DataFrame
        Per day and queue: ``date, queue, offered, actual_abandon, sim_abandon,
        actual_sl, sim_sl, err_abandon_pp, err_sl_pp``.
    """
    use = _checked(behaviours)
    cal = train if isinstance(train, Calibration) else calibrate(train)
    test = calibrate(
        test_records,
        interval_minutes=cal.interval_minutes,
        sl_threshold=cal.sl_threshold,
        idle_gap=cal.idle_gap,
    )
    if talk_times == "test":
        cal = dataclasses.replace(
            cal,
            distributions={
                q: {**d, "handle_time": test.distributions[q]["handle_time"]}
                if q in test.distributions
                else d
                for q, d in cal.distributions.items()
            },
        )
    elif talk_times != "train":
        raise ValueError(f"talk_times: must be 'train' or 'test', got {talk_times!r}")
    staffing, groups, factors = _staffing(cal, test, use)
    edit = _day_edits(cal, test, use, talk_times)
    arrivals = test.arrivals()
    actual = test.observed(by_day=True)
    dates = sorted(d for d in actual["date"].unique() if d.weekday() in set(weekdays))
    if days is not None:
        dates = dates[:days]
    rows = []
    for k, day in enumerate(dates):
        data = cal.scenario_for_day(
            day,
            arrivals=arrivals[arrivals["queue"].isin(cal.queues)],
            staffing=staffing,
            replications=replications,
            seed=day_seed(seed, day),
            groups=groups,
            wrap_up="wrap_up" in use,
            proficiency="proficiency" in use,
            routing="routing" in use,
            segments="segments" in use,
            aging="aging" in use,
            factors=factors,
        )
        edit(data, day)
        res = _simulate_day(data, day, on_day)
        ch: dict[Any, dict[Any, Any]] = res.channels.pivot(
            index="channel", columns="kpi", values="mean"
        ).to_dict("index")
        act: dict[Any, dict[Any, Any]] = (
            actual[actual["date"] == day].set_index("queue").to_dict("index")
        )
        for q in cal.queues:
            if q not in act:
                continue
            a, s = act[q], ch[q]
            rows.append(
                {
                    "date": day,
                    "queue": q,
                    "offered": int(a["offered"]),
                    "actual_abandon": float(a["abandon_rate"]),
                    "sim_abandon": float(s["abandon_rate"]),
                    "actual_sl": float(a["service_level"]),
                    "sim_sl": float(s["service_level"]),
                    "sim_abandoned": float(s["abandoned"]),
                    "sim_offered": float(s["offered"]),
                    "sim_answered_sl": float(s["service_level"] * s["offered"]),
                }
            )
        if progress is not None:
            progress(k + 1, len(dates))
    out = pd.DataFrame(rows)
    out["err_abandon_pp"] = 100 * (out["sim_abandon"] - out["actual_abandon"])
    out["err_sl_pp"] = 100 * (out["sim_sl"] - out["actual_sl"])
    return out


def day_seed(seed: int, day: dt.date) -> int:
    """The scenario seed of one replayed ``day``: ``seed`` and the day mixed by
    :class:`numpy.random.SeedSequence` (a non-negative 32-bit integer).

    Each day gets streams of its own: with ``seed`` itself on every day, replication
    ``r`` drew the same customers' patience and talk times on all of them, so the days'
    errors moved together (January -> February, default: the pooled share within 60 s
    of a (seed, replication) correlated 0.39 between days) and a month's bias varied
    by 0.62 pp (sd) over seeds at 10 replications instead of the 0.24 pp independent
    days give.
    """
    return int(np.random.SeedSequence([seed, day.toordinal()]).generate_state(1)[0])


NEEDS = (
    ("proficiency", "skills", "its factors are per skill group"),
    ("absence", "availability", "it extends availability"),
    ("agent_talk", "proficiency", "it refines proficiency's factors"),
    ("readiness", "skills", "it splits the skill groups"),
    ("pickup_as_absence", "pickup", "it is pickup's ablation"),
    ("pickup_daily", "pickup", "it moves pickup's share"),
    ("pickup_by_queue", "pickup", "it refines pickup's entries"),
    ("pickup_answerer", "pickup", "it narrows what pickup leaves out of absence"),
    ("pickup_handoff", "pickup", "it hands pickup's delayed calls off"),
    ("pickup_by_idle", "pickup", "it splits pickup's share"),
)
"""(behaviour, the behaviour it needs, why)."""


def _checked(behaviours: Iterable[str]) -> frozenset[str]:
    """The behaviours as a set; ValueError for an unknown one or one without its need."""
    use = frozenset(behaviours)
    unknown = sorted(use - set(BEHAVIOURS))
    if unknown:
        raise ValueError(
            f"behaviours: unknown {', '.join(unknown)} (choose from {', '.join(BEHAVIOURS)})"
        )
    for name, needs, why in NEEDS:
        if name in use and needs not in use:
            raise ValueError(f"behaviours: {name} needs {needs} ({why})")
    return use


def _day_edits(
    cal: Calibration, test: Calibration, use: frozenset[str], talk_times: str
) -> Callable[[dict[str, Any], Any], None]:
    """What changes each day's scenario after :meth:`Calibration.scenario_for_day`: the
    segments' test talk times, ``agent_talk``'s day factors, ``empirical_talk``'s
    handle times (the test month's with ``talk_times="test"``)."""
    ready = cal.readiness if "readiness" in use else None  # the groups are parts
    day_factors = _agent_talk(cal, test, ready=ready) if "agent_talk" in use else None
    samples = (
        _empirical_talk(test if talk_times == "test" else cal) if "empirical_talk" in use else {}
    )

    profiles = _talk_by_hour(cal) if "talk_by_hour" in use else {}
    pickup = _pickup_entries(cal, use)
    daily = _pickup_daily(cal, test) if "pickup_daily" in use else None
    by_queue = _queue_pickups(cal) if "pickup_by_queue" in use else {}

    def edit(data: dict[str, Any], day: Any) -> None:
        if pickup is not None:
            _set_pickups(data, day, pickup, by_queue, daily)
        if talk_times == "test" and "segments" in use:
            _segment_talk_times(data, test)
        if day_factors is not None:
            _scale_group_factors(data, day_factors(day))
        for q, entry in samples.items():
            if q in data["channels"]:
                data["channels"][q]["handle_time"] = entry
        for q, prof in profiles.items():
            ch = data["channels"].get(q)
            own = ch is not None and any(
                "handle_time" in g for g in ch.get("segments", {}).values()
            )
            if ch is not None and not own:  # segments' own handle times are not scaled
                mean = _distribution_mean(ch["handle_time"])
                ch["handle_time_means"] = [round(mean * f, 2) for f in prof]

    return edit


def _set_pickups(
    data: dict[str, Any],
    day: Any,
    pickup: Callable[[tuple[str, ...]], dict[str, Any] | None],
    by_queue: Mapping[str, dict[str, Any]],
    daily: Callable[[Any, float], float] | None,
) -> None:
    """Give each group of a day's scenario its ``pickup`` entry (by its skills), with
    ``by_queue``'s entries of its queues as ``channels`` and, with ``daily``
    (``pickup_daily``), every share moved to the day."""
    for g in data["groups"].values():
        entry = pickup(tuple(g["skills"]))
        if entry is None:
            continue
        mine = {q: dict(by_queue[q]) for q in g["skills"] if q in by_queue}
        if daily is not None:
            entry = _daily_entry(entry, day, daily)
            for own in mine.values():
                own["share"] = daily(day, own["share"])
        g["pickup"] = {**entry, "channels": mine} if mine else entry


def _agent_talk(
    cal: Calibration,
    test: Calibration,
    *,
    ready: Mapping[str, Mapping[str, float]] | None = None,
) -> Callable[[Any], dict[str, dict[str, float]]]:
    """Per test day, group -> queue -> the day's talk-time multiplier: the harmonic mean
    of the on-shift agents' factors (the calibration month's, shrunk to their group's)
    over the same for the calibration month's agents; agents the calibration month does
    not know are left out (as are their time on shift). With ``ready``
    (:attr:`Calibration.readiness`, the ``readiness`` behaviour) the groups are the
    agents' parts (:func:`forecasting.agents.readiness_parts`), in both months."""
    from forecasting.agents import (
        agent_skills,
        agent_talk_factors,
        day_talk_factors,
        on_shift_seconds,
        readiness_parts,
    )

    factors = agent_talk_factors(cal.records, cal.agent_skills)
    skills = {**agent_skills(test.records, queues=cal.queues), **cal.agent_skills}
    month_parts = day_parts = None
    if ready is not None:
        month_parts = readiness_parts(cal.agent_skills, ready)
        day_parts = readiness_parts(skills, ready)
    month = day_talk_factors(
        factors,
        on_shift_seconds(cal.records, idle_gap=cal.idle_gap),
        cal.agent_skills,
        parts=month_parts,
    )
    on = on_shift_seconds(test.records, idle_gap=test.idle_gap)

    def for_day(day: Any) -> dict[str, dict[str, float]]:
        f = day_talk_factors(factors, on[on["date"] == day], skills, parts=day_parts)
        return {
            g: {q: v / month[g][q] for q, v in fq.items() if month.get(g, {}).get(q, 0) > 0}
            for g, fq in f.items()
        }

    return for_day


def _pickup(cal: Calibration) -> Callable[[tuple[str, ...]], dict[str, Any] | None]:
    """A group's ``pickup`` entry by its skills, from the calibration month's calls that
    arrived to an idle, available agent (:func:`forecasting.agents.pickup_waits`)."""
    from forecasting.agents import pickup_of, pickup_waits

    waits = pickup_waits(cal.records, cal.agent_skills, idle_gap=cal.idle_gap)
    cache: dict[tuple[str, ...], dict[str, Any] | None] = {}

    def of(skills: tuple[str, ...]) -> dict[str, Any] | None:
        if skills not in cache:
            cache[skills] = pickup_of(waits, skills)
        return cache[skills]

    return of


def _pickup_entries(
    cal: Calibration, use: frozenset[str]
) -> Callable[[tuple[str, ...]], dict[str, Any] | None] | None:
    """The groups' ``pickup`` entries by skills (:func:`_pickup`, handed off with
    ``pickup_handoff``: :func:`_pickup_handoff`); None without ``pickup``."""
    if "pickup" not in use:
        return None
    of = _pickup_handoff(cal) if "pickup_handoff" in use else _pickup(cal)
    return _pickup_by_idle(cal, of) if "pickup_by_idle" in use else of


def _pickup_by_idle(
    cal: Calibration, of: Callable[[tuple[str, ...]], dict[str, Any] | None]
) -> Callable[[tuple[str, ...]], dict[str, Any] | None]:
    """``of``'s entries with ``share_by_idle``: the calibration month's late share by
    the idle agents at the arrival (:func:`forecasting.agents.pickup_idle_counts`)."""
    from forecasting.agents import pickup_by_idle_of, pickup_idle_counts

    counts = pickup_idle_counts(cal.records, cal.agent_skills, idle_gap=cal.idle_gap)

    def by(skills: tuple[str, ...]) -> dict[str, Any] | None:
        entry = of(skills)
        shares = pickup_by_idle_of(counts, skills)
        return entry if entry is None or shares is None else {**entry, "share_by_idle": shares}

    return by


def _daily_entry(
    entry: dict[str, Any], day: Any, daily: Callable[[Any, float], float]
) -> dict[str, Any]:
    """A ``pickup`` entry with its share (and each of ``share_by_idle``) moved to the
    day (``pickup_daily``)."""
    out = {**entry, "share": daily(day, entry["share"])}
    if "share_by_idle" in entry:
        out["share_by_idle"] = [daily(day, v) for v in entry["share_by_idle"]]
    return out


def _pickup_handoff(cal: Calibration) -> Callable[[tuple[str, ...]], dict[str, Any] | None]:
    """A group's ``pickup`` entry by its skills as :func:`_pickup` gives it, handing
    the delayed call off (``handoff: true``): it queues for whoever frees up first while
    the chosen agent is away for the delay."""
    held = _pickup(cal)

    def of(skills: tuple[str, ...]) -> dict[str, Any] | None:
        entry = held(skills)
        return None if entry is None else {**entry, "handoff": True}

    return of


def _pickup_daily(cal: Calibration, test: Calibration) -> Callable[[Any, float], float]:
    """``(day, share) ->`` the day's pick-up share: ``share`` (the calibration month's)
    moved by the slope of the calibration days' late shares on their absence times the
    test day's absence less the calibration month's (:func:`forecasting.agents.
    pickup_absence_fit`, :func:`~forecasting.agents.shifted_share`); the share as it is
    where there is no fit or the day has no absence figure. Both months' absence leaves
    their pick-up waits out (:func:`forecasting.agents.late_idle_arrivals`)."""
    from forecasting import agents as ag

    def absence(c: Calibration, skills: Mapping[str, tuple[str, ...]]) -> pd.Series:
        late = ag.late_idle_arrivals(c.records, skills, idle_gap=c.idle_gap)
        return ag.day_absence(
            c.records,
            skills,
            interval_minutes=c.interval_minutes,
            idle_gap=c.idle_gap,
            not_absence=late,
        )

    days = ag.pickup_days(cal.records, cal.agent_skills, idle_gap=cal.idle_gap)
    days = days.join(absence(cal, cal.agent_skills), how="inner")
    fit = ag.pickup_absence_fit(days)
    skills = {**ag.agent_skills(test.records, queues=cal.queues), **cal.agent_skills}
    on_day = absence(test, skills).to_dict() if fit is not None else {}

    def share_of(day: Any, share: float) -> float:
        if fit is None or day not in on_day:
            return share
        return round(ag.shifted_share(share, fit[0], fit[1], float(on_day[day])), 4)

    return share_of


def _queue_pickups(cal: Calibration) -> dict[str, dict[str, Any]]:
    """Per queue, its own ``pickup`` entry from the calibration month (abandoned calls
    as censored delays: :func:`forecasting.agents.queue_pickups`)."""
    from forecasting.agents import queue_pickups

    return queue_pickups(cal.records, cal.agent_skills, idle_gap=cal.idle_gap)


def _empirical_talk(cal: Calibration) -> dict[str, dict[str, Any]]:
    """Per queue of ``cal``, the empirical handle-time entry of its answered calls."""
    from forecasting.fits import handle_time_quantiles

    a = cal.records[cal.records["answered"]]
    return {
        q: handle_time_quantiles(a.loc[a["queue"] == q, "handle_time"].to_numpy(float))
        for q in cal.queues
    }


def _talk_by_hour(cal: Calibration) -> dict[str, list[float]]:
    """Per queue of ``cal``, per interval of the day: its calls' mean handle time by hour
    of arrival over the queue's (each hour's factor repeated over its intervals)."""
    from forecasting.fits import handle_time_profile

    a = cal.records[cal.records["answered"]]
    tod = (a["arrival"] - a["arrival"].dt.normalize()).dt.total_seconds().to_numpy()
    per_hour = 60 // cal.interval_minutes if 60 % cal.interval_minutes == 0 else 0
    out = {}
    for q in cal.queues:
        mine = (a["queue"] == q).to_numpy()
        if per_hour:
            f = handle_time_profile(tod[mine], a["handle_time"].to_numpy(float)[mine])
            out[q] = [float(v) for v in np.repeat(f, per_hour)]
        else:  # intervals that do not divide an hour: one bin per interval
            f = handle_time_profile(
                tod[mine], a["handle_time"].to_numpy(float)[mine], bin_minutes=cal.interval_minutes
            )
            out[q] = [float(v) for v in f]
    return out


def _distribution_mean(entry: dict[str, Any]) -> float:
    """The mean (s) of a scenario distribution entry."""
    from pydantic import TypeAdapter

    from sim.config.distributions import Distribution

    return float(TypeAdapter(Distribution).validate_python(entry).mean)


def _scale_group_factors(data: dict[str, Any], mult: dict[str, dict[str, float]]) -> None:
    """Multiply each group's handle-time factor on a queue (1 where it has none) by the
    day's multiplier for it."""
    for name, g in data["groups"].items():
        m = mult.get(name, {})
        f = dict(g.get("handle_time_factor", {}))
        for q in g["skills"]:
            if q in m:
                f[q] = round(f.get(q, 1.0) * m[q], 4)
        if f:
            g["handle_time_factor"] = f


def _simulate_day(
    data: dict[str, Any], day: Any, on_day: Callable[[Any, Result], None] | None
) -> Result:
    """Simulate one replayed day's scenario; with ``on_day``, keep the runs and call it."""
    res = simulate(parse_scenario(data, source=f"replay {day}"), keep_runs=on_day is not None)
    if on_day is not None:
        on_day(day, res)
    return res


def _segment_talk_times(data: dict[str, Any], test: Calibration) -> None:
    """With the test month's talk times, each segment's handle time is the test
    records' own for that class (or the channel's, the test month's, where they show
    no difference)."""
    for q, ch in data["channels"].items():
        mine = test.segments.get(q, {})
        for name, seg in ch.get("segments", {}).items():
            seg.pop("handle_time", None)
            if "handle_time" in mine.get(name, {}):
                seg["handle_time"] = mine[name]["handle_time"]


def replay_summary(rep: pd.DataFrame) -> pd.DataFrame:
    """Per queue (and ``all``, pooling every queue's calls per day): days, mean offered
    per day, actual and simulated rates over the month (pooled), and per-day errors in
    percentage points: mean (bias) and mean absolute."""
    rep = rep.copy()
    rep["actual_abandoned"] = rep["actual_abandon"] * rep["offered"]
    rep["actual_answered_sl"] = rep["actual_sl"] * rep["offered"]
    day_all = rep.groupby("date")[
        [
            "offered",
            "actual_abandoned",
            "actual_answered_sl",
            "sim_offered",
            "sim_abandoned",
            "sim_answered_sl",
        ]
    ].sum()
    day_all["actual_abandon"] = day_all["actual_abandoned"] / day_all["offered"]
    day_all["sim_abandon"] = day_all["sim_abandoned"] / day_all["sim_offered"]
    day_all["actual_sl"] = day_all["actual_answered_sl"] / day_all["offered"]
    day_all["sim_sl"] = day_all["sim_answered_sl"] / day_all["sim_offered"]
    day_all["err_abandon_pp"] = 100 * (day_all["sim_abandon"] - day_all["actual_abandon"])
    day_all["err_sl_pp"] = 100 * (day_all["sim_sl"] - day_all["actual_sl"])
    both = pd.concat([rep, day_all.reset_index().assign(queue="all")], ignore_index=True)
    rows = []
    for q, g in both.groupby("queue", sort=False):
        rows.append(
            {
                "queue": q,
                "days": len(g),
                "offered_per_day": g["offered"].mean(),
                "actual_abandon": (g["actual_abandon"] * g["offered"]).sum() / g["offered"].sum(),
                "sim_abandon": (g["sim_abandon"] * g["sim_offered"]).sum() / g["sim_offered"].sum(),
                "abandon_bias_pp": g["err_abandon_pp"].mean(),
                "abandon_mae_pp": g["err_abandon_pp"].abs().mean(),
                "actual_sl": (g["actual_sl"] * g["offered"]).sum() / g["offered"].sum(),
                "sim_sl": (g["sim_sl"] * g["sim_offered"]).sum() / g["sim_offered"].sum(),
                "sl_bias_pp": g["err_sl_pp"].mean(),
                "sl_mae_pp": g["err_sl_pp"].abs().mean(),
            }
        )
    return pd.DataFrame(rows).sort_values("offered_per_day", ascending=False, ignore_index=True)


def checked_behaviours(behaviours: Iterable[str]) -> frozenset[str]:
    """``behaviours`` as a set; ValueError (naming ``behaviours``) for an unknown one or
    one without the behaviour it needs (:data:`NEEDS`)."""
    return _checked(behaviours)


def own_staffing(
    cal: Calibration, behaviours: Iterable[str]
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]] | None, dict[str, Any] | None]:
    """``cal``'s own staffing per interval as :func:`replay` reads a test month's (the
    month as its own test month): ``interval, agents`` or, with ``skills``,
    ``interval, group, agents``; the groups' skills and (with ``readiness``) their
    handle-time factors (e.g. :func:`sim.measure.typical_day.typical_day`)."""
    return _staffing(cal, cal, checked_behaviours(behaviours))


def own_edits(cal: Calibration, behaviours: Iterable[str]) -> Callable[[dict[str, Any], Any], None]:
    """What :func:`replay` changes in a day's scenario (pick-up entries, talk times),
    with ``cal`` as its own test month and the calibration's talk times."""
    return _day_edits(cal, cal, checked_behaviours(behaviours), "train")
