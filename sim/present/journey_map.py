"""The journey map as Graphviz DOT: channels, outcomes and the flows between them.

Nodes are channels (boxes) and outcomes (resolved, lost, max attempts); an edge
``a -> b`` carries the mean number of journeys per replication that moved from a to
b (a redial is a loop). Edge widths grow with volume. No streamlit here.
"""

from __future__ import annotations

import pandas as pd

from sim.engine.codes import JOURNEY_OUTCOMES, LOST, MAX_ATTEMPTS, RESOLVED

__all__ = ["OUTCOME_COLOURS", "effort_caption", "flows_dot"]

OUTCOME_COLOURS = {
    JOURNEY_OUTCOMES[RESOLVED]: "#2e7d32",
    JOURNEY_OUTCOMES[LOST]: "#c62828",
    JOURNEY_OUTCOMES[MAX_ATTEMPTS]: "#ef6c00",
}
"""Fill of each journey outcome's node (names as the engine's codes give them)."""
MIN_WIDTH, MAX_WIDTH = 1.0, 12.0  # pt


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flows_dot(
    flows: pd.DataFrame,
    channels: list[str],
    new: dict[str, float],
    caption: str | None = None,
) -> str:
    """DOT text of the journey map.

    Parameters
    ----------
    flows : ``Result.flows`` (columns ``from, to, mean``; mean = moves per replication).
    channels : channel names, in the scenario's order.
    new : new journeys per replication starting on each channel.
    caption : a line drawn under the map (e.g. :func:`effort_caption`), or None.

    Returns
    -------
    str
        A ``digraph`` drawn left to right: arrivals -> channels -> outcomes.
    """
    moves = flows[flows["mean"] > 0]
    peak = max([float(moves["mean"].max()) if len(moves) else 0.0, *new.values(), 1e-9])

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
