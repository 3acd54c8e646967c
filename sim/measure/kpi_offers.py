"""KPIs of offers: call-backs per channel, and what each shaping rule did.

Only scenarios with call-backs or shaping rules have these (their runs carry an
:class:`~sim.engine.shaping.OfferRecord`); every other result keeps exactly the KPIs it
had. Counted like the channel KPIs: by the offered contact's arrival, in the window.

Per channel, with call-backs (:data:`CALLBACK_KPIS`):

callback_offered, callback_accepted
    offered contacts told a wait above ``offer_after`` and offered a call-back / who
    took it.
callbacks_made
    calls agents made to accepted call-backs (retries included).
time_to_callback
    mean time (s) from the request (the arrival) to the agent's first call, over
    accepted call-backs an agent called.
abandon_avoided
    accepted call-backs whose drawn patience was shorter than their time to call-back:
    customers who would have abandoned had they waited on the line.

Per channel, with shaping rules (:data:`SHAPING_CHANNEL_KPIS`): ``moved_out``
(contacts that took a channel a rule offered; counted in offered, neither answered
nor abandoned: offered = answered + abandoned + moved_out) and ``deflected`` (new
journeys a rule kept from starting; not offered, and not counted as customers).

Per rule (:data:`RULE_KPIS`, totals over the window and per interval of the event
time): ``fired`` (times the condition held where it mattered: a contact about to wait,
a new journey, an agent taking work), ``offered``, ``accepted``, ``deflected`` and
``reprioritised_minutes`` (agent-minutes of work a prioritise rule took ahead of the
group's own skill order), ``carried`` (later contacts that arrived with the journey's
context under a carry_context rule) and ``minutes_saved`` (agent-minutes of handle
time the carried context saved: the drawn time x (factor - 1)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.engine import DEFLECTED, MOVED, Model, RawRun
from sim.engine.raw import offers_of
from sim.engine.shaping import ACCEPTED, CARRIED, DEFLECTED_EVENT, FIRED, OFFERED

__all__ = [
    "CALLBACK_KPIS",
    "RULE_KPIS",
    "SHAPING_CHANNEL_KPIS",
    "OfferFacts",
    "deflected_contacts",
    "offer_channel_kpis",
    "offer_facts",
    "rule_columns",
]

CALLBACK_KPIS = (
    "callback_offered",
    "callback_accepted",
    "callbacks_made",
    "time_to_callback",
    "abandon_avoided",
)
SHAPING_CHANNEL_KPIS = ("moved_out", "deflected")
RULE_KPIS = (
    "fired",
    "offered",
    "accepted",
    "deflected",
    "reprioritised_minutes",
    "carried",
    "minutes_saved",
)

Count = Callable[[np.ndarray | None, np.ndarray | None], np.ndarray]
"""``count(mask, weights)``: the (weighted) count of selected contacts per key."""


@dataclass(frozen=True)
class OfferFacts:
    """Per contact facts of the offer KPIs (``callbacks`` / ``rules``: which KPIs)."""

    callbacks: bool
    rules: bool
    cb_offered: np.ndarray
    cb_accepted: np.ndarray
    cb_calls: np.ndarray
    cb_called: np.ndarray
    cb_time: np.ndarray
    cb_avoided: np.ndarray
    moved: np.ndarray


def deflected_contacts(run: RawRun) -> np.ndarray | None:
    """Mask of deflected contacts, or None when the run cannot have any."""
    if offers_of(run) is None:
        return None
    return run.outcome == DEFLECTED


def offer_facts(m: Model, run: RawRun) -> OfferFacts | None:
    """The per contact facts, or None for a run without offers."""
    rec = offers_of(run)
    if rec is None:
        return None
    n = len(run.outcome)
    k = rec.cb_contact

    def flag(mask: np.ndarray) -> np.ndarray:
        out = np.zeros(n, bool)
        out[k[mask]] = True
        return out

    offered = flag(np.ones(len(k), bool))
    accepted = flag(rec.cb_accepted)
    calls = np.zeros(n)
    calls[k] = rec.cb_calls
    called_rows = rec.cb_accepted & ~np.isnan(rec.cb_first_call)
    called = flag(called_rows)
    time = np.zeros(n)
    time[k[called_rows]] = rec.cb_first_call[called_rows] - run.arrival[k[called_rows]]
    avoided = np.zeros(n, bool)
    avoided[k[called_rows]] = rec.cb_patience[called_rows] < time[k[called_rows]]
    return OfferFacts(
        callbacks=any(cb is not None for cb in m.shaping.callbacks),
        rules=bool(m.shaping.rules),
        cb_offered=offered,
        cb_accepted=accepted,
        cb_calls=calls,
        cb_called=called,
        cb_time=time,
        cb_avoided=avoided,
        moved=run.outcome == MOVED,
    )


def offer_channel_kpis(f: OfferFacts, count: Count, deflected: np.ndarray) -> dict[str, np.ndarray]:
    """The offer KPIs of the selected contacts per key (``deflected``: per key)."""
    out: dict[str, np.ndarray] = {}
    if f.callbacks:
        called = count(f.cb_called, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            ttc = np.where(
                called > 0, count(f.cb_called, f.cb_time) / np.maximum(called, 1), np.nan
            )
        out.update(
            callback_offered=count(f.cb_offered, None).astype(float),
            callback_accepted=count(f.cb_accepted, None).astype(float),
            callbacks_made=count(None, f.cb_calls),
            time_to_callback=ttc,
            abandon_avoided=count(f.cb_avoided, None).astype(float),
        )
    if f.rules:
        out.update(moved_out=count(f.moved, None).astype(float), deflected=deflected)
    return out


def rule_columns(
    m: Model, run: RawRun, warmup: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per rule KPIs over the window, and per rule per period (by event time)."""
    rec = offers_of(run)
    R, P = len(m.shaping.rules), m.periods
    names = np.array([r.name for r in m.shaping.rules], dtype=object)
    tot: dict[str, np.ndarray] = {k: np.zeros(R) for k in RULE_KPIS}
    per: dict[str, np.ndarray] = {k: np.zeros(R * P) for k in RULE_KPIS}
    if rec is not None and len(rec.rule):
        inside = rec.time < m.horizon
        period = np.minimum((rec.time // m.interval).astype(np.int64), P - 1)
        window = inside & (rec.time >= warmup)
        kinds = {"fired": FIRED, "offered": OFFERED, "accepted": ACCEPTED}
        kinds["deflected"] = DEFLECTED_EVENT
        kinds["carried"] = CARRIED
        for name, kind in kinds.items():
            mine = rec.kind == kind
            tot[name] = np.bincount(rec.rule[mine & window], minlength=R).astype(float)
            sel = mine & inside
            per[name] = np.bincount(rec.rule[sel] * P + period[sel], minlength=R * P).astype(float)
        moved = rec.kind == FIRED
        minutes = rec.amount / 60.0
        sel = moved & window
        tot["reprioritised_minutes"] = np.bincount(rec.rule[sel], minutes[sel], minlength=R)
        sel = moved & inside
        per["reprioritised_minutes"] = np.bincount(
            rec.rule[sel] * P + period[sel], minutes[sel], minlength=R * P
        )
        saved = (rec.kind == CARRIED) & window
        tot["minutes_saved"] = np.bincount(rec.rule[saved], minutes[saved], minlength=R)
        saved = (rec.kind == CARRIED) & inside
        per["minutes_saved"] = np.bincount(
            rec.rule[saved] * P + period[saved], minutes[saved], minlength=R * P
        )
    tot_cols = {"rule": names, **tot}
    per_cols = {"period": np.tile(np.arange(P), R), "rule": np.repeat(names, P), **per}
    return tot_cols, per_cols
