"""Week scenarios: the calendar (weekdays, holidays, opening hours), shifts on weekdays,
results per day (issue 13, part 1). Answers are counted by hand."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import ScenarioError, parse_scenario
from sim.config.week import parse_weekdays
from sim.engine import MOVED
from sim.measure.runner import simulate

from .cli_helpers import ccsim


def _week(**calendar: Any) -> dict[str, Any]:
    """Seven days of hourly periods from Monday 00:00, one voice queue."""
    return {
        "name": "week",
        "interval_minutes": 60,
        "periods": 7 * 24,
        "start": "00:00",
        "replications": 2,
        "seed": 3,
        "calendar": {"first_weekday": "mon", **calendar},
        "channels": {
            "voice": {
                "arrivals": 20,
                "handle_time": {"distribution": "exponential", "mean": 180},
                "patience": {"distribution": "exponential", "mean": 120},
            },
            "email": {
                "mode": "deferred",
                "arrivals": 2,
                "handle_time": {"distribution": "exponential", "mean": 300},
            },
        },
        "groups": {
            "team": {
                "skills": ["voice", "email"],
                "shifts": [
                    {"start": "08:00", "end": "16:00", "count": 3, "days": ["mon-fri"]},
                    {"start": "22:00", "end": "06:00", "count": 2, "days": ["fri"]},
                ],
            }
        },
    }


def _errors(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    return str(err.value)


def test_weekday_names_and_ranges() -> None:
    assert parse_weekdays(["mon-fri", "sun"]) == (0, 1, 2, 3, 4, 6)
    assert parse_weekdays(["fri-mon"]) == (4, 5, 6, 0)  # a range may wrap
    assert parse_weekdays(["Saturday"]) == (5,)
    with pytest.raises(ValueError, match="repeats tue"):
        parse_weekdays(["mon-wed", "tue"])
    with pytest.raises(ValueError, match="unknown weekday 'funday'"):
        parse_weekdays(["funday"])


def test_shifts_run_on_their_weekdays_and_overnight_belongs_to_the_start_day() -> None:
    sc = parse_scenario(_week())
    agents = np.array(sc.scheduled("team")).reshape(7, 24)  # day x hour
    weekday_shift = np.zeros(24, dtype=int)
    weekday_shift[8:16] = 3
    for d in range(5):
        expect = weekday_shift.copy()
        if d == 4:
            expect[22:] += 2  # Friday night's shift starts at 22:00
        assert agents[d].tolist() == expect.tolist(), d
    saturday = np.zeros(24, dtype=int)
    saturday[:6] = 2  # ...and runs into Saturday until 06:00
    assert agents[5].tolist() == saturday.tolist()
    assert agents[6].tolist() == [0] * 24
    # Monday 00:00-06:00 has no agents: the overnight shift runs only from Friday
    assert agents[0, :6].tolist() == [0] * 6


def test_first_weekday_shifts_the_pattern() -> None:
    sc = parse_scenario(_week(first_weekday="sat"))  # day 0 = Saturday
    agents = np.array(sc.scheduled("team")).reshape(7, 24)
    assert agents[0, 8:16].tolist() == [0] * 8  # Saturday
    assert agents[2, 8:16].tolist() == [3] * 8  # Monday
    assert sc.day_labels() == ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"]
    assert sc.period_labels()[0] == "Sat 00:00" and sc.period_labels()[-1] == "Fri 23:00"


def test_holidays_close_lines_and_cancel_shifts() -> None:
    data = _week()
    data["calendar"] = {"start_date": "2026-12-21", "holidays": ["2026-12-25"]}  # Mon; Fri
    sc = parse_scenario(data)
    agents = np.array(sc.scheduled("team")).reshape(7, 24)
    assert agents[4].sum() == 0  # Christmas Friday: no shift, not even the night one
    assert agents[5, :6].tolist() == [0] * 6
    assert agents[3, 8:16].tolist() == [3] * 8  # Thursday as usual
    voice = np.array(sc.arrivals("voice")).reshape(7, 24)
    email = np.array(sc.arrivals("email")).reshape(7, 24)
    assert voice[4].sum() == 0 and voice[3].sum() == 20 * 24
    assert email[4].sum() == 2 * 24  # email keeps arriving on a holiday
    assert sc.day_labels()[4] == "Fri 2026-12-25"


def test_opening_hours_close_the_live_lines() -> None:
    sc = parse_scenario(_week(opening_hours={"mon-fri": ["08:00", "20:00"], "sat": "closed"}))
    voice = np.array(sc.arrivals("voice")).reshape(7, 24)
    assert voice[:5, 8:20].tolist() == [[20.0] * 12] * 5
    assert voice[:5, :8].sum() == 0 and voice[:5, 20:].sum() == 0
    assert voice[5:].sum() == 0  # Saturday closed, Sunday not named: closed
    assert np.array(sc.arrivals("email")).sum() == 2 * 7 * 24
    res = simulate(sc, replications=2)
    iv = res.intervals.query("channel == 'voice' and kpi == 'new'")
    closed = ~np.array(sc.open_periods())
    assert iv["mean"].to_numpy()[closed].sum() == 0  # no new journeys while closed


def test_redials_into_closed_lines_are_lost() -> None:
    data = _week(opening_hours={"mon-sun": ["08:00", "09:00"]})
    data["groups"]["team"]["shifts"] = [{"start": "08:00", "end": "09:00", "count": 0}]
    data["groups"]["team"]["skills"] = ["voice"]
    del data["channels"]["email"]
    data["journeys"] = {
        "transitions": [
            {
                "from": "voice",
                "on": "abandon",
                "to": "voice",
                "probability": 1.0,
                "delay": {"distribution": "fixed", "value": 3600},
            }
        ]
    }
    res = simulate(parse_scenario(data), replications=2)
    hops = res.intervals.query("channel == 'voice' and kpi == 'hops_in'")["mean"].to_numpy()
    # nobody answers, everyone abandons and redials an hour later, when the lines are shut
    assert hops.sum() == 0
    j = res.journeys.set_index("kpi")["mean"]
    assert j["lost"] == j["customers"]


def test_day_table_adds_up_to_the_intervals() -> None:
    sc = parse_scenario(_week(opening_hours={"mon-fri": ["08:00", "20:00"]}))
    res = simulate(sc, replications=2)
    assert res.day_reps is not None
    day_of = sc.day_of_period()
    for kpi in ("offered", "answered", "abandoned", "new", "hops_in"):
        per = res.interval_reps.pivot_table(
            index=["replication", "channel"], columns="period", values=kpi
        )
        want = np.stack([per.to_numpy()[:, day_of == d].sum(axis=1) for d in range(7)], axis=1)
        got = res.day_reps.pivot_table(index=["replication", "channel"], columns="day", values=kpi)
        assert np.array_equal(got.to_numpy(), want), kpi
    # a day's service level is its own ratio: answered within the threshold / offered
    days = res.days
    assert days is not None and set(days["date"]) == {
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    }
    totals = res.channel_reps.set_index(["replication", "channel"])["offered"]
    by_day = res.day_reps.groupby(["replication", "channel"])["offered"].sum()
    assert np.array_equal(totals.sort_index().to_numpy(), by_day.sort_index().to_numpy())


def test_json_and_out_dir_have_days(tmp_path: Any) -> None:
    path = tmp_path / "week.yaml"
    data = _week(opening_hours={"mon-fri": ["08:00", "20:00"]})
    path.write_text(json.dumps(data))
    done = ccsim("run", str(path), "--json", "-", "-r", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [d["label"] for d in result["days"]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert set(result["days"][0]["channels"]["voice"]["service_level"]) == {"mean", "ci95"}
    assert result["days"][6]["channels"]["voice"]["offered"]["mean"] == 0
    done = ccsim("run", str(path), "--out", str(tmp_path / "out"), "-r", "2")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "days.csv").read_text().startswith("day,date,channel,kpi")
    assert "day (offered · service level)" in done.stdout


def test_one_day_scenarios_have_no_day_table() -> None:
    data = _week()
    del data["calendar"]
    for sh in data["groups"]["team"]["shifts"]:
        del sh["days"]
    data["periods"] = 24
    res = simulate(parse_scenario(data), replications=2)
    assert res.day_reps is None and res.days is None and "days" not in res.to_dict()
    assert res.scenario.period_labels()[:2] == ["00:00", "01:00"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.pop("calendar"),
            "groups.team.shifts[0].days: needs a calendar",
        ),
        (
            lambda d: d["calendar"].update(holidays=["2026-12-25"]),
            "calendar.holidays: need start_date",
        ),
        (
            lambda d: d["calendar"].update(start_date="2026-12-07"),
            "calendar.first_weekday: give start_date or first_weekday, not both",
        ),
        (
            lambda d: d["calendar"].update(opening_hours={"mon": ["20:00", "08:00"]}),
            "calendar.opening_hours.mon: closes at 08:00, not after it opens at 20:00",
        ),
        (
            lambda d: d["calendar"].update(opening_hours={"mon-fri": "closed", "fri": "closed"}),
            "fri: fri already has opening hours",
        ),
        (
            lambda d: d["calendar"].update(opening_hours={"mon": ["08:30", "20:00"]}),
            "calendar.opening_hours.mon: 08:30 is not on the 60-minute interval grid",
        ),
        (
            lambda d: d["groups"]["team"]["shifts"][0].update(days=["mon", "funday"]),
            "groups.team.shifts[0].days: unknown weekday 'funday'",
        ),
        (
            lambda d: d["calendar"].update(first_weekday="someday"),
            "calendar.first_weekday: unknown weekday 'someday'",
        ),
    ],
)
def test_calendar_errors_name_the_field(change: Any, message: str) -> None:
    data = copy.deepcopy(_week())
    change(data)
    assert message in _errors(data)


def test_day_table_leaves_deflected_journeys_out_as_the_totals() -> None:
    """A deflect rule on a week scenario: deflected journeys are not offered on any
    table, so the days add up to the totals and each day keeps offered = answered +
    abandoned + moved_out."""
    data = _week(opening_hours={"mon-fri": ["08:00", "20:00"]})
    data["shaping"] = [
        {
            "name": "d",
            "when": {"between": ["09:00", "10:00"]},
            "do": {"deflect": "voice", "share": 1},
        }
    ]
    res = simulate(parse_scenario(data), replications=1)
    assert res.day_reps is not None
    totals = res.channel_reps.set_index("channel")
    assert totals.loc["voice", "deflected"] > 0
    by_day = res.day_reps.groupby("channel")[["offered", "deflected", "moved_out"]].sum()
    for kpi in ("offered", "deflected", "moved_out"):
        assert by_day[kpi].to_dict() == totals[kpi].to_dict(), kpi
    d = res.day_reps
    assert (d.offered == d.answered + d.abandoned + d.moved_out).all()


def test_no_offer_of_a_channel_whose_lines_are_closed() -> None:
    """Email arrives day and night; while 3 or more wait, its customers are offered a
    call (accept 1). Offered while the lines are closed, a taker's call would be lost
    at once: no offer is made then, so the emails that move to voice all arrived while
    the lines were open and every moved customer's call is made."""
    data = _week(opening_hours={"mon-fri": ["08:00", "20:00"]})
    data["shaping"] = [
        {
            "name": "call us",
            "when": {"channel": "email", "backlog_at_least": 3},
            "do": {"offer": "voice", "accept": 1},
        }
    ]
    sc = parse_scenario(data)
    res = simulate(sc, replications=1, keep_runs=True)
    (run,) = res.runs
    open_ = np.array(sc.open_periods())
    email = run.channel == list(sc.channels).index("email")
    moved = email & (run.outcome == MOVED)
    inside = run.arrival < sc.horizon_seconds
    period = np.minimum((run.arrival // sc.interval_seconds).astype(int), sc.periods - 1)
    assert (moved & inside & open_[period]).any()  # offers while the lines are open
    assert not (moved & inside & ~open_[period]).any()
    calls = np.isin(run.previous, np.flatnonzero(moved))
    assert calls.sum() == moved.sum()  # each taker calls
