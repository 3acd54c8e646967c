"""The journey map as Graphviz DOT: channels, outcomes and the flows between them.

Nodes are channels (boxes) and outcomes (resolved, lost, max attempts); an edge
``a -> b`` carries the mean number of journeys per replication that moved from a to
b (a redial is a loop). Edge widths grow with volume; hops made by accepting a
shaping rule's offer are dashed and labelled "offer". No streamlit here.
"""

from __future__ import annotations

import pandas as pd

from sim.engine.codes import JOURNEY_OUTCOMES, LOST, MAX_ATTEMPTS, RESOLVED
from sim.measure.paths import ARROW, OFFERED

__all__ = ["OFFER_COLOUR", "OUTCOME_COLOURS", "effort_caption", "flows_dot", "offer_flows"]

OUTCOME_COLOURS = {
    JOURNEY_OUTCOMES[RESOLVED]: "#2e7d32",
    JOURNEY_OUTCOMES[LOST]: "#c62828",
    JOURNEY_OUTCOMES[MAX_ATTEMPTS]: "#ef6c00",
}
"""Fill of each journey outcome's node (names as the engine's codes give them)."""
MIN_WIDTH, MAX_WIDTH = 1.0, 12.0  # pt


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


OFFER_COLOUR = "#8e44ad"
"""Colour of the dashed hops customers made by accepting a shaping rule's offer."""


OFFER_ROUNDING = 1e-9
"""Moves left after taking out the offered hops smaller than this are none."""


def offer_flows(paths: pd.DataFrame) -> pd.DataFrame:
    """Hops made by accepting an offer (cause ``offer``), from journey paths
    (:func:`sim.measure.paths.journey_paths`: ``voice → offer: chat → resolved``):
    columns ``from, to, mean`` (hops per replication), largest first."""
    counts: dict[tuple[str, str], float] = {}
    for path, n in zip(paths["path"], paths["journeys"], strict=True):
        steps = path.split(ARROW)[:-1]  # the last is the outcome
        for a, b in zip(steps, steps[1:], strict=False):
            if b.startswith(OFFERED):
                key = (a.removeprefix(OFFERED), b.removeprefix(OFFERED))
                counts[key] = counts.get(key, 0.0) + float(n)
    out = pd.DataFrame([(a, b, v) for (a, b), v in counts.items()], columns=["from", "to", "mean"])
    return out.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def flows_dot(
    flows: pd.DataFrame,
    channels: list[str],
    new: dict[str, float],
    caption: str | None = None,
    offers: pd.DataFrame | None = None,
) -> str:
    """DOT text of the journey map.

    Parameters
    ----------
    flows : ``Result.flows`` (columns ``from, to, mean``; mean = moves per replication).
    channels : channel names, in the scenario's order.
    new : new journeys per replication starting on each channel.
    caption : a line drawn under the map (e.g. :func:`effort_caption`), or None.
    offers : hops made by accepting a shaping rule's offer (:func:`offer_flows`):
        drawn dashed, labelled "offer", and taken out of the channel-to-channel
        moves of ``flows`` they are part of.

    Returns
    -------
    str
        A ``digraph`` drawn left to right: arrivals -> channels -> outcomes.
    """
    offered = (
        offers[offers["mean"] > 0]
        if offers is not None
        else pd.DataFrame(columns=["from", "to", "mean"])
    )
    taken = offered.set_index(["from", "to"])["mean"]
    rest = [
        v - float(taken.get((a, b), 0.0))
        for a, b, v in zip(flows["from"], flows["to"], flows["mean"], strict=True)
    ]
    flows = flows.assign(mean=rest)
    moves = flows[flows["mean"] > OFFER_ROUNDING]
    peak = max(
        [
            float(moves["mean"].max()) if len(moves) else 0.0,
            float(offered["mean"].max()) if len(offered) else 0.0,
            *new.values(),
            1e-9,
        ]
    )

    def width(v: float) -> str:
        return f"{MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * v / peak:.2f}"

    lines = [
        "digraph journeys {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=12];',
        '  edge [fontname="Helvetica", fontsize=10, color="#5c6b7a"];',
        '  arrivals [label="new journeys", shape=plaintext];',
    ]
    if caption:
        lines.append(f'  labelloc=b; fontname="Helvetica"; fontsize=11; label={_quote(caption)};')
    for ch in channels:
        lines.append(f'  {_quote(ch)} [shape=box, style="rounded,filled", fillcolor="#e3ecf7"];')
    outcomes = [o for o in OUTCOME_COLOURS if o in set(moves["to"])]
    for o in outcomes:
        label = o.replace("_", " ")
        lines.append(
            f"  {_quote(o)} [label={_quote(label)}, shape=ellipse, style=filled, "
            f'fillcolor="{OUTCOME_COLOURS[o]}", fontcolor=white];'
        )
    for ch in channels:
        v = new.get(ch, 0.0)
        if v > 0:
            lines.append(f'  arrivals -> {_quote(ch)} [penwidth={width(v)}, label="{v:,.0f}"];')
    for a, b, v in zip(moves["from"], moves["to"], moves["mean"], strict=True):
        colour = f', color="{OUTCOME_COLOURS[b]}"' if b in OUTCOME_COLOURS else ""
        lines.append(
            f'  {_quote(a)} -> {_quote(b)} [penwidth={width(v)}, label="{v:,.1f}"{colour}];'
        )
    for a, b, v in zip(offered["from"], offered["to"], offered["mean"], strict=True):
        lines.append(
            f"  {_quote(a)} -> {_quote(b)} [penwidth={width(v)}, style=dashed, "
            f'color="{OFFER_COLOUR}", fontcolor="{OFFER_COLOUR}", label="offer {v:,.1f}"];'
        )
    lines.append("}")
    return "\n".join(lines)


def effort_caption(journeys: pd.DataFrame, contacts: int, time: float) -> str:
    """One line summarising journey effort, from ``Result.journeys`` (kpi, mean).

    ``contacts`` and ``time`` (s) are the effort target the shares were measured
    against (``sim.measure.runner.effort_target``).
    """
    j = journeys.set_index("kpi")["mean"]
    minutes = time / 60

    def pct(kpi: str) -> str:
        v = float(j[kpi])
        return "-" if v != v else f"{v:.0%}"

    return (
        f"Effort per journey: {float(j['mean_attempts']):.2f} contacts on "
        f"{float(j['channels_used']):.2f} channels, {float(j['customer_time']) / 60:.1f} min "
        f"of customer time; resolved in {contacts} contact{'s' if contacts > 1 else ''}: "
        f"{pct('resolved_within_contacts')}, within {minutes:g} min: "
        f"{pct('resolved_within_time')}"
    )
