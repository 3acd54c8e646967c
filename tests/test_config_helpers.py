"""The configuration layer's single sources: clock times, per-period values, the frozen
file-model base, slots per agent, journey outcome names."""

from __future__ import annotations

import pydantic
import pytest

from sim.config import clock
from sim.config.clock import (
    MINUTES_PER_DAY,
    check_clock,
    clock_label,
    clock_labels,
    clock_minutes,
)
from sim.config.distributions import Exponential
from sim.config.frozen import Frozen
from sim.config.periods import per_period
from sim.config.scenario import Channel, parse_scenario
from sim.engine import JOURNEY_OUTCOMES, compile_scenario
from sim.measure.kpi import JOURNEY_KPIS
from sim.plan.shifts import ShiftTemplate
from sim.present.journey_map import OUTCOME_COLOURS
from sim.sweeps.spec import SweepSpec

from .helpers import single_queue


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("00:00", 0), ("7:05", 425), ("07:30", 450), ("23:59", 1439), ("24:00", 1440)],
)
def test_clock_minutes_reads_h_mm_and_hh_mm(text, minutes):
    assert clock_minutes(text) == minutes
    assert check_clock(text) == text


@pytest.mark.parametrize("text", ["7", "7:5", "07:60", "24:01", "25:00", "123:00", "", "a:bc"])
def test_clock_minutes_refuses_what_is_not_a_clock_time(text):
    with pytest.raises(ValueError, match=r"^must be a clock time HH:MM, got "):
        clock_minutes(text)


def test_midnight_as_the_end_of_a_day_only_when_allowed():
    assert clock_minutes("24:00") == MINUTES_PER_DAY
    with pytest.raises(ValueError, match="before 24:00, got '24:00'"):
        clock_minutes("24:00", before_midnight=True)
    assert clock_minutes("23:45", before_midnight=True) == 1425


def test_clock_labels_wrap_at_midnight_unless_the_end_of_a_day_is_meant():
    assert clock_label(0) == "00:00"
    assert clock_label(1500) == "01:00"
    assert clock_label(MINUTES_PER_DAY) == "00:00"
    assert clock_label(MINUTES_PER_DAY, wrap=False) == "24:00"
    assert clock_labels("23:30", 30, 3) == ["23:30", "00:00", "00:30"]
    assert all(clock_minutes(clock_label(m)) == m for m in range(0, MINUTES_PER_DAY, 7))
    assert clock.MINUTES_PER_HOUR * 24 == MINUTES_PER_DAY


def test_every_reader_of_clock_times_shares_the_parser():
    small = single_queue(per_interval=5, aht=60, agents=2, patience=None, warmup_minutes=0)
    sc = parse_scenario({**small, "start": "22:00", "periods": 6, "interval_minutes": 60})
    assert sc.period_labels() == ["22:00", "23:00", "00:00", "01:00", "02:00", "03:00"]
    assert compile_scenario(sc).start_minute == 22 * 60
    with pytest.raises(Exception, match="start: must be a clock time HH:MM before 24:00"):
        parse_scenario({**small, "start": "24:00"})
    with pytest.raises(pydantic.ValidationError, match="before 24:00"):
        ShiftTemplate(name="late", length_minutes=60, starts=("24:00",))


def test_per_period_repeats_one_number_and_keeps_a_list():
    assert per_period(3, 4) == (3, 3, 3, 3)
    assert per_period(0.25, 2) == (0.25, 0.25)
    assert per_period((1, 2, 3), 3) == (1, 2, 3)


def test_file_models_share_one_frozen_base():
    for model in (Channel, Exponential, ShiftTemplate, SweepSpec):
        assert issubclass(model, Frozen)
    d = Exponential(distribution="exponential", mean=30)
    with pytest.raises(pydantic.ValidationError):
        d.min = 1.0  # frozen
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        Exponential(distribution="exponential", mean=30, typo=1)
    assert Exponential(distribution="exponential", mean_value=30) == d  # name or alias


def _channel(**kw):
    base = {"arrivals": 1, "handle_time": {"distribution": "exponential", "mean": 60}}
    return Channel.model_validate({**base, **kw})


def test_slots_per_agent():
    assert _channel().slots_per_agent == 1
    assert _channel(mode="concurrent", concurrency=3).slots_per_agent == 3
    assert _channel(mode="deferred").slots_per_agent == 1


def test_outcome_names_come_from_the_engine_codes():
    names = list(JOURNEY_OUTCOMES.values())
    assert names == ["resolved", "lost", "max_attempts"]
    assert list(OUTCOME_COLOURS) == names
    assert [k for k in JOURNEY_KPIS if k in names] == names
