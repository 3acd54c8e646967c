"""ccsim forecasting: volume forecasts from history and calibration from call records.

Everything that fits a statistical model lives here (statsmodels, scipy); the simulator
(``sim``) only reads the scenarios this package writes. Never imports streamlit.

::

    import forecasting as fc
    hist = fc.read_history("calls.csv", interval_minutes=15)
    fc.forecast(hist, model="auto", horizon_days=5)          # tidy DataFrame
    fc.reforecast(hist, "2024-03-05 10:00")                  # rest of the day, intraday
    fc.accuracy(fc.backtest(hist, ["snaive_week", "dow_ssm"], n_windows=20))
    cal = fc.calibrate(fc.read_anonymous_bank("january.txt.gz"))
    cal.fragment()                                           # a scenario the simulator reads

Of the simulator this package uses only its configuration layer (``sim.config``: the
scenario model it writes and checks). ``replay`` and ``replay_summary`` (calibrate on one
month, simulate another) are simulation validation and live in :mod:`sim.measure.replay`;
``fc.replay`` and ``fc.replay_summary`` keep working: :func:`__getattr__` imports them
from there on first use, so ``import forecasting`` does not load the simulator.
"""

from typing import Any

from .backtest import accuracy, backtest, backtest_matrix, seasonal_naive_scale
from .calibrate import (
    Calibration,
    PatienceObservations,
    RecordsError,
    calibrate,
    fit_handle_time,
    fit_patience,
    read_anonymous_bank,
    read_records,
)
from .data import load_anonymous_bank_history
from .forecast import (
    FORECAST_COLUMNS,
    ForecastCoverage,
    forecast,
    forecast_coverage,
    forecast_series,
    scenario_with_forecast,
)
from .history import (
    Calendar,
    CleaningReport,
    ColumnMap,
    DayMatrix,
    History,
    HistoryError,
    read_history,
)
from .intraday import (
    LevelPrior,
    fit_prior,
    intraday_backtest,
    reforecast,
    reforecast_series,
    scenario_with_reforecast,
)
from .intraday_bounds import hindsight_level, poisson_mad, rest_of_day_bounds
from .models import (
    MODELS,
    Auto,
    CalendarStateSpace,
    DayOfWeekStateSpace,
    DriftingStateSpace,
    MSTLForecaster,
    SeasonalNaive,
    SeriesForecast,
    TopDown,
    WeekdayChoiceStateSpace,
    get_model,
)
from .special_days import public_holidays, with_holidays, with_special_days

__all__ = [
    "FORECAST_COLUMNS",
    "MODELS",
    "Auto",
    "Calendar",
    "CalendarStateSpace",
    "Calibration",
    "CleaningReport",
    "ColumnMap",
    "DayMatrix",
    "DayOfWeekStateSpace",
    "DriftingStateSpace",
    "ForecastCoverage",
    "History",
    "HistoryError",
    "LevelPrior",
    "MSTLForecaster",
    "PatienceObservations",
    "RecordsError",
    "SeasonalNaive",
    "SeriesForecast",
    "TopDown",
    "WeekdayChoiceStateSpace",
    "accuracy",
    "backtest",
    "backtest_matrix",
    "calibrate",
    "fit_handle_time",
    "fit_patience",
    "fit_prior",
    "forecast",
    "forecast_coverage",
    "forecast_series",
    "get_model",
    "hindsight_level",
    "intraday_backtest",
    "load_anonymous_bank_history",
    "poisson_mad",
    "public_holidays",
    "read_anonymous_bank",
    "read_history",
    "read_records",
    "reforecast",
    "reforecast_series",
    "replay",
    "replay_summary",
    "rest_of_day_bounds",
    "scenario_with_forecast",
    "scenario_with_reforecast",
    "seasonal_naive_scale",
    "with_holidays",
    "with_special_days",
]


_FROM_SIM = ("replay", "replay_summary")
"""Names kept here for compatibility that live in the simulator (:mod:`sim.measure.replay`)."""


def __getattr__(name: str) -> Any:
    """``fc.replay`` and ``fc.replay_summary``: the compatibility names, imported from
    :mod:`sim.measure.replay` on first use (the one import of ``forecasting`` from the
    simulator outside ``sim.config``)."""
    if name not in _FROM_SIM:
        raise AttributeError(f"module 'forecasting' has no attribute {name!r}")
    from sim.measure import replay as module

    value = getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM_SIM))
