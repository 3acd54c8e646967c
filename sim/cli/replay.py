"""``ccsim replay TRAIN TEST``: calibrate on one month's call records, simulate another
month's days with their observed arrivals and agents, compare with what happened.

TRAIN and TEST are call-record files (a generic CSV, or an Anonymous Bank raw
``.txt.gz``) or a month name of the Anonymous Bank 1999 data (``january``,
``february``, ``october``: ``anonymous-bank-1999/raw/`` under ``$CCSIM_SHARED_DATA``,
else ``../shared/data``). Prints per queue the actual and simulated abandonment and
share answered within the threshold and the bias (simulated - actual, percentage
points), pooled over queues as ``all``; ``--ablation`` replays again without each
behaviour in turn (and with none) to show what each contributes.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

MONTHS = ("january", "february", "october")
"""Anonymous Bank 1999 months whose raw records can be named instead of a path."""
BANK_DIR = Path("anonymous-bank-1999") / "raw"


def _bad(msg: str) -> Exception:
    from sim.cli.io import BadInput

    return BadInput(msg)


def _shared_data() -> Path:
    env = os.environ.get("CCSIM_SHARED_DATA")
    return Path(env) if env else Path("..") / "shared" / "data"


def _source(text: str, what: str) -> Path:
    """The records file ``text`` names (a path, or a month name)."""
    if text.lower() in MONTHS:
        path = _shared_data() / BANK_DIR / f"anonymous_bank_1999_{text.lower()}.txt.gz"
        if not path.is_file():
            raise _bad(
                f"{what}: month {text!r} needs {path} (set CCSIM_SHARED_DATA to the data "
                "directory holding anonymous-bank-1999/)"
            )
        return path
    path = Path(text)
    if not path.is_file():
        raise _bad(f"{what}: no such file {text!r} (or a month: {', '.join(MONTHS)})")
    return path


def _records(path: Path) -> pd.DataFrame:
    from forecasting.calibrate import read_anonymous_bank, read_records

    if path.name.endswith(".txt.gz") or path.name.endswith(".txt"):
        return read_anonymous_bank(path)
    return read_records(path)


def _behaviours(without: list[str] | None, with_: list[str] | None) -> tuple[str, ...]:
    from sim.measure.replay import BEHAVIOURS, DEFAULT_BEHAVIOURS, NEEDS

    gone, added = set(without or ()), set(with_ or ())
    for option, names in (("--without", gone), ("--with", added)):
        bad = sorted(names - set(BEHAVIOURS))
        if bad:
            raise _bad(f"{option}: unknown {', '.join(bad)} (choose from {', '.join(BEHAVIOURS)})")
    wanted = (set(DEFAULT_BEHAVIOURS) | added) - gone
    use = tuple(b for b in BEHAVIOURS if b in wanted)
    kept = _needed(use)
    for name, needs, why in NEEDS:
        if name in added and needs not in use:
            fix = f"leave out --without {needs}" if needs in gone else f"add --with {needs}"
            raise _bad(f"--with {name}: needs {needs} ({why}); {fix}")
        if name in added and name not in kept:  # its need goes for want of its own
            missing = needs
            while missing in use:
                missing = _need()[missing]
            raise _bad(
                f"--with {name}: needs {needs} ({why}), which needs {missing}; leave out "
                f"--without {missing}"
            )
    return kept


def _need() -> dict[str, str]:
    """Behaviour -> the behaviour it needs (it is dropped without it)."""
    from sim.measure.replay import NEEDS

    return {name: needs for name, needs, _ in NEEDS}


def _needed(use: tuple[str, ...]) -> tuple[str, ...]:
    """``use`` less the behaviours whose need is missing (transitively: without
    ``skills`` no ``proficiency``, so no ``agent_talk``)."""
    need = _need()
    kept = list(use)
    while any(need.get(b, b) not in kept for b in kept):
        kept = [b for b in kept if need.get(b, b) in kept]
    return tuple(kept)


def _weekdays(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        days = tuple(int(d) for d in text.split(","))
    except ValueError:
        days = ()
    if not days or any(not 0 <= d <= 6 for d in days):
        raise _bad(f"--weekdays: must be comma-separated weekdays 0..6 (0 = Monday), got {text!r}")
    return days


def _ablation(run: Any, use: tuple[str, ...]) -> pd.DataFrame:
    """Pooled biases with ``use``, with each of its behaviours left out, and with none."""
    variants: list[tuple[str, tuple[str, ...]]] = [("all of: " + ", ".join(use), use)]
    for b in use:
        variants.append((f"without {b}", _needed(tuple(x for x in use if x != b))))
    variants.append(("none (one group, idle-gap staffing)", ()))
    rows = []
    for label, beh in variants:
        s = run(beh)
        for _, r in s.iterrows():
            rows.append({"variant": label, **r.to_dict()})
    return pd.DataFrame(rows)


def _chart(rep: pd.DataFrame, out: Path) -> None:
    """The per-day biases by queue, abandonment and within-threshold side by side."""
    import altair as alt

    long = rep.melt(
        id_vars=["date", "queue", "offered"],
        value_vars=["err_abandon_pp", "err_sl_pp"],
        var_name="measure",
        value_name="bias_pp",
    )
    long["measure"] = long["measure"].map(
        {"err_abandon_pp": "abandonment", "err_sl_pp": "answered within threshold"}
    )
    long["date"] = pd.to_datetime(long["date"])
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="replayed day"),
            y=alt.Y("bias_pp:Q", title="simulated - actual (pp)"),
            color="queue:N",
            tooltip=["date:T", "queue:N", "offered:Q", alt.Tooltip("bias_pp:Q", format=".1f")],
        )
        .properties(width=320, height=220)
        .facet(column=alt.Column("measure:N", title=None))
    )
    chart.save(str(out), format="html")


def cmd_replay(args: argparse.Namespace) -> int:
    from forecasting.calibrate import RecordsError, calibrate
    from sim.cli.io import STDOUT, check_output
    from sim.config.outputs import staged_outputs
    from sim.measure.replay import replay, replay_summary

    check_output(args.csv, option="--csv")
    check_output(args.chart, option="--chart")
    if args.json not in (None, STDOUT):
        check_output(args.json, option="--json")
    use = _behaviours(args.without, args.with_)
    weekdays = _weekdays(args.weekdays)
    train_path, test_path = _source(args.train, "TRAIN"), _source(args.test, "TEST")
    try:
        cal = calibrate(_records(train_path))
        test = _records(test_path)
    except RecordsError as exc:
        raise _bad(str(exc)) from None
    kw: dict[str, Any] = {
        "replications": args.replications,
        "seed": args.seed,
        "days": args.days,
        "talk_times": args.talk_times,
    }
    if weekdays is not None:
        kw["weekdays"] = weekdays

    def run(beh: tuple[str, ...]) -> pd.DataFrame:
        return replay_summary(replay(cal, test, behaviours=beh, **kw))

    rep, regimes = _replay(cal, test, use, kw, regimes=args.regimes)
    if rep.empty:
        raise _bad(f"TEST: no day to replay in {test_path} (check --weekdays)")
    summary = replay_summary(rep)
    ablation = _ablation(run, use) if args.ablation else None
    payload = (
        None
        if args.json is None
        else _payload(args, train_path, test_path, use, summary, rep, ablation, regimes)
    )
    with staged_outputs() as stage:  # --csv, --chart and --json: all, or none
        if args.csv:
            rep.to_csv(stage.file(args.csv), index=False, float_format="%.5f")
        if args.chart:
            _chart(rep, stage.file(args.chart))
        if payload is not None and args.json != STDOUT:
            stage.file(args.json).write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    if payload is not None and args.json == STDOUT:
        print(json.dumps(payload, indent=2))
        return 0
    _print(args, rep, summary, use, ablation, train_path, test_path)
    if regimes is not None:
        _print_regimes(regimes)
    return 0


def _payload(
    args: argparse.Namespace,
    train: Path,
    test: Path,
    use: tuple[str, ...],
    summary: pd.DataFrame,
    rep: pd.DataFrame,
    ablation: pd.DataFrame | None,
    regimes: pd.DataFrame | None,
) -> dict[str, Any]:
    """The ``--json`` document (``ablation`` and ``regimes`` where asked for)."""
    payload: dict[str, Any] = {
        "train": str(train),
        "test": str(test),
        "behaviours": list(use),
        "replications": args.replications,
        "seed": args.seed,
        "talk_times": args.talk_times,
        "summary": json.loads(summary.to_json(orient="records")),
        "days": json.loads(rep.assign(date=rep["date"].astype(str)).to_json(orient="records")),
    }
    for key, table in (("ablation", ablation), ("regimes", regimes)):
        if table is not None:
            payload[key] = json.loads(table.to_json(orient="records"))
    return payload


def _replay(
    cal: Any, test: pd.DataFrame, use: tuple[str, ...], kw: dict[str, Any], *, regimes: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The replay with ``use``, and with ``regimes`` its by-regime comparison."""
    if regimes:
        from sim.measure.replay_regimes import replay_regimes

        return replay_regimes(cal, test, behaviours=use, **kw)
    from sim.measure.replay import replay

    return replay(cal, test, behaviours=use, **kw), None


def _print_regimes(regimes: pd.DataFrame) -> None:
    """The by-regime comparison, the larger queues first."""
    print(
        "by what a call found on arrival (share of the queue's calls; waited, answered "
        "within threshold, abandoned: actual / simulated)"
    )
    order = regimes.groupby("queue")["calls"].sum().sort_values(ascending=False).index
    for q in order:
        for _, r in regimes[regimes["queue"] == q].iterrows():
            cells = "  ".join(
                f"{k} {r[k]:.3f} / {r['sim_' + k]:.3f}" for k in ("waited", "within", "abandoned")
            )
            print(
                f"  {q:4s} {r['regime']:16s} {int(r['calls']):6d} calls, share "
                f"{r['share']:.3f} / {r['sim_share']:.3f}  {cells}"
            )


def _print(
    args: argparse.Namespace,
    rep: pd.DataFrame,
    summary: pd.DataFrame,
    use: tuple[str, ...],
    ablation: pd.DataFrame | None,
    train: Path,
    test: Path,
) -> None:
    def three(x: float) -> str:
        return f"{x:.3f}"

    print(
        f"replay: calibrated on {train.name}, {rep['date'].nunique()} days of {test.name}, "
        f"{args.replications} replications each, seed {args.seed}; behaviours: "
        f"{', '.join(use) or 'none'}; talk times of {args.talk_times.upper()}; "
        "bias = simulated - actual, percentage points"
    )
    with pd.option_context("display.width", 200):
        print(summary.to_string(index=False, float_format=three))
        pooled = summary[summary["queue"] == "all"].iloc[0]
        print(
            f"pooled: abandonment bias {pooled['abandon_bias_pp']:+.2f} pp, answered within "
            f"threshold bias {pooled['sl_bias_pp']:+.2f} pp"
        )
        if args.per_day:
            cols = ["date", "queue", "offered", "err_abandon_pp", "err_sl_pp"]
            print(rep[cols].to_string(index=False, float_format=three))
        if ablation is not None:
            print("ablation (pooled and per-queue bias, pp)")
            wide = ablation.pivot_table(
                index="variant",
                columns="queue",
                values=["abandon_bias_pp", "sl_bias_pp"],
                sort=False,
            )
            wide.columns = [
                f"{'ab' if str(c[0]).startswith('abandon') else 'sl'}_{c[1]}" for c in wide.columns
            ]
            print(wide.to_string(float_format=lambda x: f"{x:+.1f}"))


def add_replay_parser(sub: Any) -> None:
    """Register ``replay`` on ccsim's subparsers."""
    from sim.cli.io import positive_int

    p = sub.add_parser(
        "replay",
        help="calibrate on one month of call records, replay another's days, compare",
    )
    p.add_argument("train", help=f"records to calibrate on: a file or {'/'.join(MONTHS)}")
    p.add_argument("test", help="records of the days to replay: a file or a month name")
    p.add_argument("--days", type=positive_int, default=None, help="replay only the first N days")
    p.add_argument("--replications", "-r", type=positive_int, default=10, help="per day")
    p.add_argument("--seed", "-s", type=int, default=1)
    p.add_argument(
        "--weekdays",
        default=None,
        metavar="D,D,...",
        help="weekdays to replay, 0 = Monday (default 6,0,1,2,3: Sunday-Thursday)",
    )
    p.add_argument(
        "--without",
        action="append",
        metavar="BEHAVIOUR",
        help="leave a behaviour out (skills, availability, wrap_up, proficiency, routing, "
        "readiness, pickup, pickup_daily, pickup_by_queue, pickup_handoff, pickup_by_idle)",
    )
    p.add_argument(
        "--with",
        dest="with_",
        action="append",
        metavar="BEHAVIOUR",
        help=(
            "add a behaviour that is off by default (absence, segments, agent_talk, "
            "empirical_talk, talk_by_hour, aging, pickup_as_absence, pickup_answerer)"
        ),
    )
    p.add_argument(
        "--talk-times",
        choices=["train", "test"],
        default="train",
        help="test: use TEST's own handle times (a diagnostic of talk-time drift)",
    )
    p.add_argument("--ablation", action="store_true", help="also replay without each behaviour")
    p.add_argument("--per-day", action="store_true", help="print the per-day, per-queue errors")
    p.add_argument(
        "--regimes",
        action="store_true",
        help="also compare calls by what they found on arrival (no call waiting, or a queue)",
    )
    p.add_argument("--json", metavar="-|PATH", default=None, help="write the result as JSON")
    p.add_argument("--csv", metavar="OUT.csv", default=None, help="write per-day, per-queue rows")
    p.add_argument("--chart", metavar="OUT.html", default=None, help="per-day bias chart (Altair)")
    p.set_defaults(func=cmd_replay)
