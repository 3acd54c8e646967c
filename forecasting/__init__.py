"""ccsim forecasting: volume forecasts from history and calibration from call records.

Everything that fits a statistical model lives here (statsmodels, scipy); the simulator
(``sim``) only reads the scenarios this package writes. Never imports streamlit.

::

    import forecasting as fc
    hist = fc.read_history("calls.csv", interval_minutes=15)
    fc.forecast(hist, model="auto", horizon_days=5)          # tidy DataFrame
    fc.accuracy(fc.backtest(hist, ["snaive_week", "dow_ssm"], n_windows=20))
    cal = fc.calibrate(fc.read_anonymous_bank("january.txt.gz"))
    cal.fragment()                                           # a scenario the simulator reads
"""

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
from .models import (
    MODELS,
    Auto,
    DayOfWeekStateSpace,
    MSTLForecaster,
    SeasonalNaive,
    SeriesForecast,
    TopDown,
    get_model,
)
from .replay import replay, replay_summary

__all__ = [
    "FORECAST_COLUMNS",
    "MODELS",
    "Auto",
    "Calendar",
    "Calibration",
    "CleaningReport",
    "ColumnMap",
    "DayMatrix",
    "DayOfWeekStateSpace",
    "ForecastCoverage",
    "History",
    "HistoryError",
    "MSTLForecaster",
    "PatienceObservations",
    "RecordsError",
    "SeasonalNaive",
    "SeriesForecast",
    "TopDown",
    "accuracy",
    "backtest",
    "backtest_matrix",
    "calibrate",
    "fit_handle_time",
    "fit_patience",
    "forecast",
    "forecast_coverage",
    "forecast_series",
    "get_model",
    "load_anonymous_bank_history",
    "read_anonymous_bank",
    "read_history",
    "read_records",
    "replay",
    "replay_summary",
    "scenario_with_forecast",
    "seasonal_naive_scale",
]
