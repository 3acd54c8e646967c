"""Scenario files: the shipped ones load; every malformed one names its field."""

from __future__ import annotations

import copy
import re
import textwrap

import pytest

from sim.config.scenario import ScenarioError, load_scenario, parse_scenario, read_yaml

from .helpers import SCENARIO_FILES

GOOD = read_yaml(
    textwrap.dedent(
        """
        name: Two channels
        interval_minutes: 15
        periods: 4
        start: "08:00"
        channels:
          voice:
            arrivals: [10, 12, 14, 12]
            handle_time: {distribution: lognormal, mean: 300, cv: 0.8}
            patience: {distribution: exponential, mean: 150}
            service_level: {target: 0.8, threshold: 20}
          chat:
            arrivals: 5
            handle_time: {distribution: exponential, mean: 420}
        groups:
          phones:  {skills: [voice], agents: 4}
          digital: {skills: [chat, voice], agents: [2, 2, 3, 3]}
        journeys:
          max_attempts: 3
          resolution: {voice: 0.85}
          transitions:
            - {from: voice, on: abandon, to: chat, probability: 0.3,
               delay: {distribution: exponential, mean: 60}}
            - {from: voice, on: abandon, to: voice, probability: 0.4}
        """
    )
)


@pytest.mark.parametrize("path", SCENARIO_FILES)
def test_shipped_scenarios_load(path):
    sc = load_scenario(path)
    assert sc.channels and sc.groups


def test_good_scenario_parses_with_units():
    sc = parse_scenario(GOOD)
    assert sc.channels["chat"].arrivals_per_period(4) == (5.0,) * 4
    assert sc.scheduled("digital") == (2, 2, 3, 3)
    assert sc.journeys.transitions[0].source == "voice"  # the YAML key `on:` is no boolean
    assert sc.journeys.transitions[1].delay.mean == 0
    assert sc.period_labels() == ["08:00", "08:15", "08:30", "08:45"]
    assert sc.horizon_seconds == 3600


def test_round_trip_through_yaml():
    sc = parse_scenario(GOOD)
    assert parse_scenario(read_yaml(sc.to_yaml())) == sc


def test_updated_copies_and_validates():
    sc = parse_scenario(GOOD)
    new = sc.updated({"groups.phones.agents": 6, "journeys.transitions[0].probability": 0.1})
    assert new.groups["phones"].agents == 6
    assert new.journeys.transitions[0].probability == 0.1
    assert sc.groups["phones"].agents == 4  # the original is untouched
    with pytest.raises(ScenarioError, match=r"groups\.phones\.agents: must be >= 0"):
        sc.updated({"groups.phones.agents": -1})
    with pytest.raises(ScenarioError, match="no field 'nope'"):
        sc.updated({"groups.nope.agents": 1})


def _with(change):
    data = copy.deepcopy(GOOD)
    change(data)
    return data


def _set(path, value):
    def change(data):
        *parents, last = path
        node = data
        for p in parents:
            node = node[p]
        node[last] = value

    return change


def _delete(path):
    def change(data):
        *parents, last = path
        node = data
        for p in parents:
            node = node[p]
        del node[last]

    return change


BAD = [
    (
        _set(("channels", "voice", "handle_time", "cv"), 0),
        "channels.voice.handle_time.cv: must be > 0",
    ),
    (_set(("channels", "voice", "handle_time", "cv"), "high"), "channels.voice.handle_time.cv:"),
    (_set(("channels", "voice", "colour"), "red"), "channels.voice.colour: unknown key"),
    (_set(("colour",), "red"), "colour: unknown key"),
    (_set(("groups", "phones", "agents"), -3), "groups.phones.agents: must be >= 0"),
    (
        _set(("groups", "phones", "agents"), [4, 4, -1, 4]),
        "groups.phones.agents: item 2 must be >= 0",
    ),
    (_set(("groups", "phones", "agents"), 2.5), "groups.phones.agents: must be a whole number"),
    (
        _set(("groups", "phones", "agents"), [4, 4]),
        "groups.phones.agents: has 2 values, expected one per period (4)",
    ),
    (_set(("channels", "voice", "arrivals"), [1, 2, 3]), "channels.voice.arrivals: has 3 values"),
    (
        _set(("channels", "voice", "arrivals"), [1, 2, "x", 4]),
        "channels.voice.arrivals: item 2 must be a number",
    ),
    (
        _set(("groups", "phones", "skills"), ["voice", "fax"]),
        "groups.phones.skills[1]: unknown channel 'fax'",
    ),
    (
        _set(("groups", "phones", "skills"), ["voice", "voice"]),
        "groups.phones.skills: lists voice more than once",
    ),
    (
        _set(("journeys", "transitions", 0, "to"), "fax"),
        "journeys.transitions[0].to: unknown channel 'fax'",
    ),
    (
        _set(("journeys", "transitions", 0, "from"), "fax"),
        "journeys.transitions[0].from: unknown channel 'fax'",
    ),
    (
        _set(("journeys", "transitions", 0, "probability"), 0.7),
        "probabilities from (voice, abandon) sum to 1.1",
    ),
    (
        _set(("journeys", "transitions", 0, "probability"), 1.5),
        "journeys.transitions[0].probability: must be <= 1",
    ),
    (_set(("journeys", "transitions", 0, "on"), "bored"), "journeys.transitions[0].on:"),
    (
        _set(("journeys", "transitions", 0, "delay"), {"distribution": "poisson", "mean": 3}),
        "journeys.transitions[0].delay:",
    ),
    (
        _set(("journeys", "resolution", "fax"), 0.5),
        "journeys.resolution.fax: unknown channel 'fax'",
    ),
    (_set(("journeys", "resolution", "voice"), 1.5), "journeys.resolution: must be probabilities"),
    (_set(("journeys", "max_attempts"), 0), "journeys.max_attempts: must be >= 1"),
    (_set(("interval_minutes",), 7.5), "interval_minutes:"),
    (_set(("interval_minutes",), 90), "interval_minutes: must be <= 60"),
    (_set(("start",), "25:00"), "start: must be a clock time HH:MM"),
    (_set(("warmup_minutes",), 60), "warmup_minutes: 60 leaves no counted time"),
    (_set(("channels", "voice", "mode"), "carrier-pigeon"), "channels.voice.mode:"),
    (
        _set(("channels", "voice", "patience"), {"mean": 5}),
        "channels.voice.patience: needs a 'distribution' key",
    ),
    (_delete(("channels", "voice", "handle_time")), "channels.voice.handle_time: required"),
    (_delete(("periods",)), "periods: required"),
    (_set(("channels",), {}), "channels: must not be empty"),
    (_set(("groups", "digital", "skills"), ["chat"]), None),  # still valid: voice has phones
    (_set(("groups", "phones", "skills"), ["chat"]), None),  # digital still takes voice
]


@pytest.mark.parametrize("change,expected", BAD)
def test_malformed_scenarios_name_the_field(change, expected):
    data = _with(change)
    if expected is None:
        parse_scenario(data)
        return
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(data)
    text = str(exc.value)
    assert expected in text, text
    assert "Traceback" not in text


def test_channel_nobody_serves():
    data = _with(_set(("groups", "digital", "skills"), ["voice"]))
    with pytest.raises(ScenarioError, match="channels.chat: no group has this channel"):
        parse_scenario(data)


def test_not_a_mapping_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match="must be a mapping"):
        parse_scenario([1, 2])
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nchannels: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"line \d+, column \d+: not valid YAML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "missing.yaml")


def test_every_problem_reported_at_once():
    data = _with(_set(("groups", "phones", "agents"), -1))
    data["channels"]["voice"]["handle_time"]["cv"] = -2
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(data)
    assert len(exc.value.problems) == 2
    assert all(re.match(r"^[\w.\[\]]+: ", p) for p in exc.value.problems)


NEW_KEYS = [
    (
        {"channels.chat.mode": "concurrent"},
        "channels.chat.concurrency: required when mode is 'concurrent'",
    ),
    (
        {"channels.voice.stretch": 0.2},
        "channels.voice.stretch: only allowed when mode is 'concurrent'",
    ),
    (
        {
            "channels.chat.mode": "concurrent",
            "channels.chat.concurrency": 3,
            "channels.chat.stretch": 0.2,
            "channels.chat.handle_time_by_sessions": [400, 500],
        },
        "channels.chat.stretch: give either stretch or handle_time_by_sessions",
    ),
    ({"channels.chat.concurrency": 40}, "channels.chat.concurrency: must be <= 12"),
    (
        {"channels.chat.mode": "deferred", "channels.chat.balking": {"threshold": 60}},
        "channels.chat.balking: only for live",
    ),
    (
        {"channels.voice.balking": {"threshold": -1}},
        "channels.voice.balking.threshold: must be >= 0",
    ),
    (
        {"channels.voice.arrival_paths": [[1, 2, 3]]},
        "channels.voice.arrival_paths: row 0 has 3 values",
    ),
    (
        {"channels.voice.arrival_paths": [[1, "x", 3, 4]]},
        "channels.voice.arrival_paths: row 0: item 1 must be a number",
    ),
    (
        {"channels.voice.overdispersion": {"day_cv": -0.1}},
        "channels.voice.overdispersion.day_cv: must be >= 0",
    ),
    (
        {
            "channels.voice.handle_time": {
                "distribution": "exponential",
                "mean": 100,
                "min": 500,
                "max": 100,
            }
        },
        "channels.voice.handle_time: min (500) must be below max (100)",
    ),
    (
        {"channels.voice.handle_time": {"distribution": "empirical", "file": "nope.csv"}},
        "channels.voice.handle_time: cannot read",
    ),
    (
        {"groups.phones.shifts": [{"start": "08:00", "end": "09:00", "count": 2}]},
        "groups.phones.agents: give either agents or shifts",
    ),
    (
        {
            "groups.phones.agents": None,
            "groups.phones.shifts": [{"start": "08:10", "end": "09:00", "count": 2}],
        },
        "groups.phones.shifts[0].start: 08:10 is not on the 15-minute interval grid",
    ),
    (
        {
            "groups.phones.agents": None,
            "groups.phones.shifts": [
                {
                    "start": "08:00",
                    "end": "09:00",
                    "count": 2,
                    "breaks": [{"start": "09:00", "end": "09:15"}],
                }
            ],
        },
        "groups.phones.shifts[0].breaks[0]: 09:00-09:15 is outside the shift",
    ),
    (
        {
            "groups.phones.agents": None,
            "groups.phones.shifts": [{"start": "8am", "end": "09:00", "count": 2}],
        },
        "groups.phones.shifts[0].start: must be a clock time HH:MM",
    ),
    ({"groups.phones.shrinkage": 1.2}, "groups.phones.shrinkage: must be below 1"),
    ({"groups.phones.shrinkage": [0.1, 0.2]}, "groups.phones.shrinkage: has 2 values"),
    (
        {"journeys.transitions[0].on": "chase"},
        "journeys.transitions[0].after: required for 'chase'",
    ),
    (
        {"journeys.transitions[0].on": "chase", "journeys.transitions[0].after": 60},
        "journeys.transitions[0].from: 'chase' starts from a deferred channel",
    ),
    (
        {"journeys.transitions[0].on": "balk"},
        "journeys.transitions[0].from: 'balk' transitions need channels.voice.balking",
    ),
    (
        {"journeys.transitions[0].withdraw": True},
        "journeys.transitions[0].after: 'after' and 'withdraw' only apply",
    ),
]


@pytest.mark.parametrize("changes,expected", NEW_KEYS)
def test_new_keys_are_validated(changes, expected):
    data = copy.deepcopy(GOOD)
    for path, value in changes.items():
        node = data
        *parents, last = path.replace("[0]", ".0").split(".")
        for p in parents:
            node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(data, base_dir=".")
    assert expected in str(exc.value), str(exc.value)


def test_empirical_samples_from_a_csv(tmp_path):
    (tmp_path / "aht.csv").write_text("call,seconds\n1,100\n2,300\n3,200\n")
    data = copy.deepcopy(GOOD)
    data["channels"]["voice"]["handle_time"] = {
        "distribution": "empirical",
        "file": "aht.csv",
        "column": "seconds",
        "max": 250,
    }
    sc = parse_scenario(data, base_dir=tmp_path)
    d = sc.channels["voice"].handle_time
    assert d.samples == (100.0, 300.0, 200.0) and d.mean == 150.0
    (tmp_path / "bad.csv").write_text("seconds\n100\nabc\n")
    data["channels"]["voice"]["handle_time"] = {"distribution": "empirical", "file": "bad.csv"}
    with pytest.raises(
        ScenarioError, match=r"bad.csv, column 'seconds', row 3: 'abc' is not a duration"
    ):
        parse_scenario(data, base_dir=tmp_path)
