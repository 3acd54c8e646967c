"""The journey map as Graphviz DOT: channels, outcomes and the flows between them.

Nodes are channels (boxes) and outcomes (resolved, lost, max attempts); an edge
``a -> b`` carries the mean number of journeys per replication that moved from a to
b (a redial is a loop). Edge widths grow with volume. No streamlit here.
"""

from __future__ import annotations

import pandas as pd

from sim.engine.codes import JOURNEY_OUTCOMES, LOST, MAX_ATTEMPTS, RESOLVED

__all__ = ["OUTCOME_COLOURS", "flows_dot"]

OUTCOME_COLOURS = {
    JOURNEY_OUTCOMES[RESOLVED]: "#2e7d32",
    JOURNEY_OUTCOMES[LOST]: "#c62828",
    JOURNEY_OUTCOMES[MAX_ATTEMPTS]: "#ef6c00",
}
"""Fill of each journey outcome's node (names as the engine's codes give them)."""
MIN_WIDTH, MAX_WIDTH = 1.0, 12.0  # pt


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flows_dot(flows: pd.DataFrame, channels: list[str], new: dict[str, float]) -> str:
    """DOT text of the journey map.

    Parameters
    ----------
    flows : ``Result.flows`` (columns ``from, to, mean``; mean = moves per replication).
    channels : channel names, in the scenario's order.
    new : new journeys per replication starting on each channel.

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
