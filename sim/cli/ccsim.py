"""``ccsim``: the command line, a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (a message naming the field, no traceback, no
output files written), 1 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import __version__
from sim.cli.io import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    STDOUT,
    BadInput,
    check_output,
    check_outputs_in,
    emit_json,
    non_negative_int,
    positive_int,
    staged_outputs,
)
from sim.config.outputs import OutputPathError
from sim.config.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:  # the commands import pandas and the simulator on use (fast start-up)
    import pandas as pd

    from sim.measure.results import Result
    from sim.measure.runner import Progress


def _progress_bar(total_label: str) -> tuple[Progress | None, Callable[[], None]]:
    """A tqdm bar on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=total_label, unit="rep", file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


def _run(
    sc: Scenario, args: argparse.Namespace, label: str, path: str, option: bool = False
) -> Result:
    """Simulate with the bar; first refuse what cannot fit in memory, naming ``path``
    (and ``--replications`` when ``option`` says the count came from it)."""
    from sim.measure.runner import simulate
    from sim.measure.workload import check, estimate, long_work_notice

    work = estimate(sc, args.replications)
    check(work, source=path, replications_from="--replications" if option else "replications")
    notice = long_work_notice(f"{path}: {work.describe()}", work.seconds)
    if notice:  # long work is announced; on a terminal the bar with its ETA follows
        print(notice, file=sys.stderr)
    progress, close = _progress_bar(label)
    try:
        return simulate(sc, replications=args.replications, seed=args.seed, progress=progress)
    finally:
        close()


RUN_OUT_TABLES = {
    "summary.csv": "channels",
    "intervals.csv": "intervals",
    "groups.csv": "groups",
    "group_intervals.csv": "group_intervals",
    "journeys.csv": "journeys",
    "flows.csv": "flows",
}
"""The CSVs `ccsim run --out DIR` writes: file name -> the Result table it holds."""

RUN_OUT_SEGMENT_TABLES = {
    "segments.csv": "segments",
    "segment_intervals.csv": "segment_intervals",
}
"""The CSVs `ccsim run --out DIR` writes too when the scenario has customer segments."""

RUN_OUT_JSON = "result.json"
"""The JSON result `ccsim run --out DIR` writes beside the CSVs."""

RUN_OUT_FILES = (*RUN_OUT_TABLES, RUN_OUT_JSON)
"""Every file `ccsim run --out DIR` writes in DIR."""

RUN_OUT_DAYS = "days.csv"
"""Per day per channel KPIs, written beside the others when the periods span days."""

RUN_OUT_COSTS = "costs.csv"
"""The cost KPIs (``Result.costs``) `ccsim run --out DIR` also writes, for scenarios
with ``costs`` only."""

RUN_OUT_RULE_TABLES = {"rules.csv": "rules", "rule_intervals.csv": "rule_intervals"}
"""The CSVs `ccsim run --out DIR` writes too when the scenario has shaping rules."""


def _has_segments(sc: Scenario) -> bool:
    return any(ch.segments for ch in sc.channels.values())


def _check_output_targets(
    args: argparse.Namespace, rules: bool = False, sc: Scenario | None = None
) -> None:
    """Refuse bad --json / --out locations before simulating (exit 2, nothing written);
    ``rules``: the rule tables are written too; ``sc``: its segment tables too."""
    check_output(getattr(args, "json", None), option="--json", allow_stdout=True)
    extra = (RUN_OUT_DAYS, RUN_OUT_COSTS)  # written only when there are days / costs
    segments = tuple(RUN_OUT_SEGMENT_TABLES) if sc is not None and _has_segments(sc) else ()
    names = (*RUN_OUT_FILES, *extra, *(RUN_OUT_RULE_TABLES if rules else ()), *segments)
    check_outputs_in(getattr(args, "out", None), names, option="--out")


TABLE_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa",
    "abandon_rate",
    "aht",
    "redialled",
    "switched_out",
)
"""Channel KPIs in the table `ccsim run` prints."""


OFFER_TABLE_KPIS = (
    "callback_offered",
    "callback_accepted",
    "callbacks_made",
    "time_to_callback",
    "abandon_avoided",
    "moved_out",
    "deflected",
)
"""Channel KPIs `ccsim run` also prints when the scenario has them (call-backs, rules)."""


def _shown(df: pd.DataFrame) -> tuple[str, ...]:
    """TABLE_KPIS and the OFFER_TABLE_KPIS the summary ``df`` has."""
    return (*TABLE_KPIS, *(k for k in OFFER_TABLE_KPIS if (df["kpi"] == k).any()))


def _cells(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`_shown` KPIs with their formatted ``value``."""
    rows = df[df["kpi"].isin(_shown(df))]
    return rows.assign(
        value=[
            _fmt(k, m, c) for k, m, c in zip(rows["kpi"], rows["mean"], rows["ci95"], strict=True)
        ]
    )


def _segment_table(res: Result) -> list[str]:
    """The per segment section of the `ccsim run` table (none without segments)."""
    if res.segments is None:
        return []
    order = [f"{c}/{s}" for c, ch in res.scenario.channels.items() for s in ch.segments or {}]
    cells = _cells(res.segments)
    cells = cells.assign(segment=cells["channel"] + "/" + cells["segment"])
    table = cells.pivot(index="segment", columns="kpi", values="value")
    return ["", table.reindex(index=order, columns=list(_shown(res.segments))).to_string()]


def _fmt_table(res: Result) -> str:
    cells = _cells(res.channels)
    table = cells.pivot(index="channel", columns="kpi", values="value")
    table = table.reindex(index=list(res.scenario.channels), columns=list(_shown(res.channels)))
    occ = res.groups[res.groups["kpi"] == "occupancy"]
    lines = [
        f"{res.scenario.name}: {res.replications} replications, seed {res.seed} "
        "(mean ± 95% CI half-width)",
        table.to_string(),
        *_segment_table(res),
        "",
        "occupancy  "
        + "   ".join(
            f"{g}: {_fmt('share', m, c)}"
            for g, m, c in zip(occ["group"], occ["mean"], occ["ci95"], strict=True)
        ),
    ]
    j = res.journeys.set_index("kpi")["mean"]
    lines.append(
        f"journeys   customers {j['customers']:.0f}, resolved {j['resolved']:.0f}, "
        f"lost {j['lost']:.0f}, max attempts {j['max_attempts']:.0f}, "
        f"contacts per journey {j['mean_attempts']:.3f}"
    )
    lines.append(_fmt_effort(res))
    if res.costs is not None:
        lines.append(_fmt_money(res))
    lines.extend(_rule_lines(res))
    if res.days is not None:
        lines += ["", _fmt_days(res)]
    return "\n".join(lines)


def _money(value: float, ci: float | None = None, currency: str = "") -> str:
    """An amount with two decimals and thousands separators (± the CI when given)."""
    import math

    if not math.isfinite(value):
        return "-"
    unit = f" {currency}" if currency else ""
    tail = "" if ci is None or not math.isfinite(ci) else f" ±{ci:,.2f}"
    return f"{value:,.2f}{unit}{tail}"


def _fmt_money(res: Result) -> str:
    """The money line of `ccsim run` (scenarios with costs)."""
    assert res.costs is not None and res.scenario.costs is not None
    c = res.costs.set_index("kpi")
    mean, ci = c["mean"].astype(float), c["ci95"].astype(float)
    cur = res.scenario.costs.currency
    parts = [
        f"{label} {_money(mean[k], ci[k], cur)}"
        for k, label in (
            ("cost", "cost"),
            ("wages", "wages"),
            ("cost_of_abandonment", "cost of abandonment"),
            ("cost_per_contact", "cost per contact"),
            ("net", "net"),
        )
        if k in c.index
    ]
    return f"money      {', '.join(parts)}, paid agent-hours {mean['agent_hours']:,.1f}"


def _fmt_effort(res: Result) -> str:
    """The journey effort line of `ccsim run`: channels, customer time, resolution time
    and the shares resolved within the effort target."""
    from sim.measure.runner import effort_target

    j = res.journeys.set_index("kpi")
    mean, ci = j["mean"].astype(float), j["ci95"].astype(float)
    contacts, time = effort_target(res.scenario)

    def cell(kpi: str, kind: str | None = None) -> str:
        return _fmt(kind or kpi, mean[kpi], ci[kpi])

    return (
        f"effort     channels per journey {mean['channels_used']:.3f}, "
        f"customer time {cell('customer_time')}, "
        f"time to resolution {cell('time_to_resolution')}, "
        f"resolved in {contacts} contact{'s' if contacts > 1 else ''} "
        f"{cell('resolved_within_contacts', 'share')}, "
        f"within {_fmt('customer_time', time, float('nan'))} of customer time "
        f"{cell('resolved_within_time', 'share')}"
    )


def _fmt_days(res: Result) -> str:
    """Per day and channel: new contacts offered and the service level."""
    days = res.days
    assert days is not None
    mean = days.set_index(["day", "channel", "kpi"])["mean"].to_dict()
    labels = res.scenario.day_labels()
    rows = {}
    for d, label in enumerate(labels):
        cells = {}
        for c in res.scenario.channels:
            offered = float(mean[(d, c, "offered")])
            sl = float(mean[(d, c, "service_level")])
            cells[c] = f"{offered:,.0f} · " + ("-" if math.isnan(sl) else f"{sl:.1%}")
        rows[label] = cells
    import pandas as pd

    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "day (offered · service level)"
    return table.to_string()


def _rule_lines(res: Result) -> list[str]:
    """One line per shaping rule: what it did per replication (none without rules)."""
    if res.rules is None:
        return []
    means = res.rules.set_index(["rule", "kpi"])["mean"]
    out = []
    for r in res.scenario.shaping or ():
        v = means[r.name]
        out.append(
            f"rule       {r.name}: fired {v['fired']:.1f}, offered {v['offered']:.1f}, "
            f"accepted {v['accepted']:.1f}, deflected {v['deflected']:.1f}, "
            f"re-prioritised {v['reprioritised_minutes']:.1f} agent-min"
            + (
                f", context carried {v['carried']:.1f} (saved {v['minutes_saved']:.1f} agent-min)"
                if r.do.carry_context
                else ""
            )
        )
    return out


def _fmt(kpi: str, mean: float, ci: float) -> str:
    """One cell of the KPI table: shares in %, durations (s) in s, min or h by size."""
    import pandas as pd

    from sim.measure.kpi import DURATION_KPIS
    from sim.present.display import duration

    if pd.isna(mean):
        return "-"
    ci_s = "" if pd.isna(ci) else ci
    if kpi in ("service_level", "abandon_rate", "share", "occupancy"):
        return f"{mean:.1%}" + ("" if ci_s == "" else f" ±{ci:.1%}")
    if kpi in DURATION_KPIS:
        return duration(mean, None if ci_s == "" else ci)
    return f"{mean:.1f}" + ("" if ci_s == "" else f" ±{ci:.1f}")


def cmd_validate(args: argparse.Namespace) -> int:
    sc = load_scenario(args.file)
    print(
        f"{args.file}: ok ({sc.name}: {len(sc.channels)} channels, {len(sc.groups)} groups, "
        f"{sc.periods} periods of {sc.interval_minutes} min)"
    )
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    sc = load_scenario(args.file)
    _check_output_targets(args, bool(sc.shaping), sc)
    res = _run(sc, args, sc.name, args.file, args.replications is not None)
    text = res.to_json()
    with staged_outputs() as stage:  # --out DIR and --json PATH: all written, or none
        if args.out:
            out = Path(args.out)
            segment_tables = RUN_OUT_SEGMENT_TABLES if res.segments is not None else {}
            for name, table in {**RUN_OUT_TABLES, **segment_tables}.items():
                getattr(res, table).to_csv(stage.file(out / name), index=False)
            if res.days is not None:
                res.days.to_csv(stage.file(out / RUN_OUT_DAYS), index=False)
            if res.rules is not None:
                for name, table in RUN_OUT_RULE_TABLES.items():
                    getattr(res, table).to_csv(stage.file(out / name), index=False)
            stage.file(out / RUN_OUT_JSON).write_text(text + "\n", encoding="utf-8")
            if res.costs is not None:
                res.costs.to_csv(stage.file(out / RUN_OUT_COSTS), index=False)
        if args.json and args.json != STDOUT:
            stage.file(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json == STDOUT:
        print(text)
    else:
        print(_fmt_table(res))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.measure.runner import compare, compare_costs, compare_journeys, compare_segments

    base_sc = load_scenario(args.base)
    what_sc = load_scenario(args.whatif)
    _check_output_targets(args)
    seed = base_sc.seed if args.seed is None else args.seed
    option = args.replications is not None
    reps = base_sc.replications if args.replications is None else args.replications
    args.seed, args.replications = seed, reps
    base = _run(base_sc, args, f"baseline {base_sc.name}", args.base, option)
    whatif = _run(what_sc, args, f"what-if {what_sc.name}", args.whatif, option)
    table = compare(base, whatif)
    journeys = compare_journeys(base, whatif)
    both_costed = base.cost_reps is not None and whatif.cost_reps is not None
    money = compare_costs(base, whatif) if both_costed else None
    by_segment = compare_segments(base, whatif)
    if args.json:
        channels: dict[str, dict[str, Any]] = {}
        payload: dict[str, Any] = {
            "base": base_sc.name,
            "whatif": what_sc.name,
            "seed": seed,
            "replications": reps,
            "channels": channels,
        }
        for _, r in table.iterrows():
            channels.setdefault(r["channel"], {})[r["kpi"]] = {
                k: (None if pd.isna(r[k]) else float(r[k]))
                for k in ("base", "whatif", "delta", "ci95")
            }
        payload["journeys"] = {
            r["kpi"]: {
                k: (None if pd.isna(r[k]) else float(r[k]))
                for k in ("base", "whatif", "delta", "ci95")
            }
            for _, r in journeys.iterrows()
        }
        if money is not None:
            payload["costs"] = {
                r["kpi"]: {
                    k: (None if pd.isna(r[k]) else float(r[k]))
                    for k in ("base", "whatif", "delta", "ci95")
                }
                for _, r in money.iterrows()
            }
        if by_segment is not None:
            segments: dict[str, dict[str, dict[str, Any]]] = {}
            payload["segments"] = segments
            for _, r in by_segment.iterrows():
                segments.setdefault(r["channel"], {}).setdefault(r["segment"], {})[r["kpi"]] = {
                    k: (None if pd.isna(r[k]) else float(r[k]))
                    for k in ("base", "whatif", "delta", "ci95")
                }
        emit_json(json.dumps(payload, indent=2, allow_nan=False), args.json)
    if args.json != STDOUT:
        kpis = args.kpi or ["service_level", "asa", "abandon_rate", "offered", "abandoned"]
        shown = table[table["kpi"].isin(kpis)]
        print(
            f"what-if {what_sc.name} vs baseline {base_sc.name}: {reps} paired replications, "
            f"seed {seed}"
        )
        print(_significant(shown).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        if by_segment is not None:
            shown = by_segment[by_segment["kpi"].isin(kpis)]
            print("\nsegments")
            print(_significant(shown).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        effort = journeys[journeys["kpi"].isin(COMPARE_JOURNEY_KPIS)]
        print("\njourneys (journeys whose first contact is counted, per replication)")
        print(_significant(effort).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        if money is not None:
            cur = base_sc.costs.currency if base_sc.costs else ""
            print(f"\nmoney{f' ({cur})' if cur else ''}, per replication")
            print(_significant(money).to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
        print("* the 95% interval of the paired difference excludes 0")
    return EXIT_OK


COMPARE_JOURNEY_KPIS = (
    "resolved",
    "mean_attempts",
    "time_to_resolution",
    "channels_used",
    "customer_time",
    "resolved_within_contacts",
    "resolved_within_time",
)
"""Journey KPIs in the table `ccsim compare` prints (the JSON has every one)."""


def _significant(table: Any) -> Any:
    """``table`` with a column marking deltas whose paired 95% interval excludes 0."""
    return table.assign(
        significant=(table["delta"].abs() > table["ci95"]).map({True: "*", False: ""})
    )


# Commands registered by other modules: command -> (module, function adding its parsers).
# A command line loads only its own command's module, so `ccsim validate` starts fast;
# `ccsim --help` (or no command) loads them all.
COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "forecast": ("sim.cli.forecast", "add_commands"),
    "backtest": ("sim.cli.forecast", "add_commands"),
    "calibrate": ("sim.cli.forecast", "add_commands"),
    "staff": ("sim.cli.staff", "add_staff_commands"),
    "report": ("sim.cli.staff", "add_staff_commands"),
    "sweep": ("sim.cli.sweep", "add_sweep_parser"),
    "app": ("sim.cli.app", "add_app_parser"),
    "roster": ("sim.cli.roster", "add_roster_parser"),
    "capacity": ("sim.cli.capacity", "add_capacity_parser"),
    "replay": ("sim.cli.replay", "add_replay_parser"),
}
OWN_COMMANDS = ("run", "compare", "validate")


VERSION = "--version"
"""The option printing ``ccsim <version>``; asked before any command, it loads no module."""


def _command_word(argv: Sequence[str]) -> str | None:
    """The subcommand of a command line (its first word that is not an option), or
    ``--version`` when that comes before any."""
    for a in argv:
        if a == VERSION or not a.startswith("-"):
            return a
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``ccsim`` parser; with ``command``, only the parsers that command needs."""
    p = argparse.ArgumentParser(
        prog="ccsim",
        description="Omnichannel contact-centre simulator: customers hop between channels.",
    )
    p.add_argument(VERSION, action="version", version=f"ccsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def sim_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--replications",
            "-r",
            type=positive_int,
            default=None,
            help="replications (default: the scenario's)",
        )
        sp.add_argument(
            "--seed",
            "-s",
            type=non_negative_int,
            default=None,
            help="random seed (default: the scenario's)",
        )
        sp.add_argument(
            "--json",
            metavar="-|PATH",
            default=None,
            help="write the JSON result to PATH, or stdout with -",
        )

    run = sub.add_parser("run", help="simulate a scenario and print its KPIs")
    run.add_argument("file", help="scenario YAML file")
    sim_opts(run)
    run.add_argument("--out", metavar="DIR", help="write summary and per-interval CSVs here")
    run.set_defaults(func=cmd_run)

    cmp_ = sub.add_parser("compare", help="paired what-if vs baseline deltas per channel KPI")
    cmp_.add_argument("base", help="baseline scenario YAML")
    cmp_.add_argument("whatif", help="what-if scenario YAML")
    sim_opts(cmp_)
    cmp_.add_argument("--kpi", action="append", help="KPI to show (repeatable)")
    cmp_.set_defaults(func=cmd_compare)

    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("file")
    val.set_defaults(func=cmd_validate)

    if command in OWN_COMMANDS or command == VERSION:
        wanted = []
    elif command in COMMAND_MODULES:
        wanted = [COMMAND_MODULES[command]]
    else:
        wanted = list(dict.fromkeys(COMMAND_MODULES.values()))
    for module, function in wanted:
        getattr(importlib.import_module(module), function)(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command_word(words)).parse_args(words)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (BadInput, OutputPathError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("CCSIM_DEBUG"):
            raise
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
