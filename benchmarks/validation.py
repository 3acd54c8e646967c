"""Accuracy figures: the simulator against exact answers (``python -m benchmarks.validation``).

Prints, for the cases the test suite asserts, the simulated mean ± 95% CI half-width
next to the exact value: single queues against Erlang A / Erlang C, chat with
concurrency 3 against Erlang A with agents x 3 servers, and two channels with
redials and switching against a continuous-time Markov chain.
"""

from __future__ import annotations

import sim
from tests.helpers import ERLANG_CASES, ERLANG_KPIS, chat_erlang_case, erlang_case
from tests.test_journey_ctmc import exact as ctmc_exact
from tests.test_journey_ctmc import scenario as ctmc_scenario


def _row(res: sim.Result, channel: str, exact: dict[str, float]) -> str:
    cells = []
    for kpi in ERLANG_KPIS:
        m, c = res.kpi(channel, kpi)
        cells.append(f"{kpi} {m:.4f}±{c:.4f} ({exact[kpi]:.4f})")
    return "  ".join(cells)


def main() -> None:
    print("single queue: simulated (mean ± 95% CI) vs exact")
    for case in ERLANG_CASES:
        res, exact = erlang_case(case)
        print(f"  {case[0]:22s} " + _row(res, "voice", exact))
    print("chat, 10 agents x 3 sessions vs Erlang A with 30 servers")
    res, exact = chat_erlang_case()
    print("  " + _row(res, "chat", exact))
    print("two channels, redials and switching vs a Markov chain")
    res = sim.simulate(ctmc_scenario(48, 20))
    occ = res.groups.query("kpi == 'occupancy'").set_index("group")
    for key, value in ctmc_exact().items():
        where, kpi = key.split(".")
        if kpi.endswith("per_hour"):
            m, c = (x / 46 for x in res.kpi(where, kpi.removesuffix("_per_hour")))
        elif kpi == "occupancy":
            m, c = occ.loc[where, "mean"], occ.loc[where, "ci95"]
        else:
            m, c = res.kpi(where, kpi)
        print(f"  {key:26s} {m:9.4f} ± {c:.4f}   exact {value:.4f}")


if __name__ == "__main__":
    main()
