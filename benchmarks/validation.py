"""Accuracy figures: the simulator against exact answers (``python -m benchmarks.validation``).

Prints, for the cases the test suite asserts, the simulated mean ± 95% CI half-width
next to the exact value: single queues against Erlang A / Erlang C, chat with
concurrency 3 against Erlang A with agents x 3 servers, and two channels with
redials and switching against a continuous-time Markov chain.
"""

from __future__ import annotations

import sim
from tests.helpers import single_queue
from tests.test_erlang_agreement import CASES
from tests.test_journey_ctmc import exact as ctmc_exact
from tests.test_journey_ctmc import scenario as ctmc_scenario

KPIS = ("service_level", "asa", "p_wait", "abandon_rate")


def main() -> None:
    print("single queue: simulated (mean ± 95% CI) vs exact")
    for name, per_min, aht, agents, patience, hours, reps in CASES:
        sc = sim.parse_scenario(
            single_queue(
                per_interval=per_min * 30,
                aht=aht,
                agents=agents,
                patience=patience,
                periods=hours * 2,
                warmup_minutes=60,
                replications=reps,
            )
        )
        res = sim.simulate(sc)
        lam = per_min / 60
        ex = (
            sim.erlang_a(lam, aht, patience, agents, 20)
            if patience
            else sim.erlang_c(lam, aht, agents, 20)
        )
        want = dict(zip(KPIS, (ex.service_level, ex.asa, ex.p_wait, ex.p_abandon), strict=True))
        cells = []
        for kpi in KPIS:
            m, c = res.kpi("voice", kpi)
            cells.append(f"{kpi} {m:.4f}±{c:.4f} ({want[kpi]:.4f})")
        print(f"  {name:22s} " + "  ".join(cells))
    chat = sim.parse_scenario(
        {
            "name": "chat",
            "interval_minutes": 30,
            "periods": 96,
            "warmup_minutes": 60,
            "seed": 2,
            "replications": 16,
            "channels": {
                "chat": {
                    "mode": "concurrent",
                    "concurrency": 3,
                    "arrivals": 120,
                    "handle_time": {"distribution": "exponential", "mean": 420},
                    "patience": {"distribution": "exponential", "mean": 240},
                    "service_level": {"target": 0.9, "threshold": 30},
                }
            },
            "groups": {"digital": {"skills": ["chat"], "agents": 10}},
        }
    )
    res = sim.simulate(chat)
    ex = sim.erlang_a(120 / 1800, 420, 240, 30, 30)
    want = dict(zip(KPIS, (ex.service_level, ex.asa, ex.p_wait, ex.p_abandon), strict=True))
    print("chat, 10 agents x 3 sessions vs Erlang A with 30 servers")
    print(
        "  "
        + "  ".join(
            f"{k} {res.kpi('chat', k)[0]:.4f}±{res.kpi('chat', k)[1]:.4f} ({want[k]:.4f})"
            for k in KPIS
        )
    )
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
