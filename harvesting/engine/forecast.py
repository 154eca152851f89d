"""The forecast model: how likely a price is to fall further within the wash window, and how volatile it will be.

Why these two targets: over 2001-2022 walk-forward the *direction* of a stock's next 21 trading days is
not predictable from its path (AUC 0.51), but the chance that it falls ``DEPTH`` (5%) or more below today's
close at some point within the next 21 trading days is (AUC about 0.68), and so is the volatility of those
21 days (better than the trailing 63-day figure). Both are what the decision to harvest now or wait needs:
the chance the loss deepens and how far (``harvesting.engine.waiting``), and how big a loss is ordinary
for this stock (the volatility-scaled threshold).

Pure (no Django). Gradient-boosted trees (scikit-learn): a classifier for "deepens" and a regressor for the
log of the forward volatility, on features of each stock's recent path and the market's. ``closes`` is a
wide frame (index: trading dates, columns: symbols) of adjusted closes, ``market`` the index level on the
same dates; feature rows are indexed by (date, symbol) and use prices up to that date only. Training is
walk-forward: a training row is used only if its label window (date, date + horizon] ends strictly before
the test period starts. Every fit keeps its out-of-sample predictions, and its metrics are a function of
them alone (``metrics_from_predictions``), so anyone can recompute a version's record from its stored rows.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sklearn.ensemble import (  # type: ignore[import-untyped]
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.metrics import brier_score_loss, roc_auc_score  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

HORIZON = 21  # trading days: about the 30 calendar days of the wash-sale window
DEPTH = 0.05  # "deepens": the price falls this far below today's close within the horizon
RETURN_HORIZONS = (5, 21, 63, 126, 252)
LOOKBACK = 252  # trading days of history a feature row needs (the longest return and the drawdown high)
CALIBRATION_BINS = 10
TRADING_DAYS = 252.0

FEATURES: tuple[str, ...] = (
    "ret_5",
    "ret_21",
    "ret_63",
    "ret_126",
    "ret_252",
    "drawdown_252",
    "vol_21",
    "vol_63",
    "rel_ret_21",
    "rel_ret_63",
    "mkt_ret_21",
    "mkt_drawdown_252",
)

# The columns of a version's stored out-of-sample predictions.
PREDICTION_COLUMNS = ("date", "symbol", "deepened", "p_deepen", "log_vol", "log_vol_predicted", "log_vol_trailing")

# Regularized: these are weak signals in noisy rows that overlap 20 days in 21. Fixed a priori, not tuned on
# any test period.
HYPERPARAMETERS: dict[str, Any] = {
    "max_iter": 80,
    "learning_rate": 0.05,
    "max_leaf_nodes": 8,
    "max_depth": 3,
    "min_samples_leaf": 2000,
    "l2_regularization": 1.0,
    "max_bins": 63,
    "early_stopping": False,
}


def _stack(wide: pd.DataFrame) -> pd.Series:
    """A date x symbol frame as a (date, symbol) series, NaNs kept."""
    stacked = wide.stack()
    stacked.index = stacked.index.set_names(["date", "symbol"])
    return stacked


def feature_panel(closes: pd.DataFrame, market: pd.Series) -> dict[str, pd.DataFrame]:
    """Each feature as a wide date x symbol frame, using prices up to each date only (NaN while too short)."""
    closes = closes.sort_index().astype(float)
    market = market.reindex(closes.index).astype(float)
    log_returns = np.log(closes / closes.shift(1))
    wide: dict[str, pd.DataFrame] = {}
    for h in RETURN_HORIZONS:
        wide[f"ret_{h}"] = closes / closes.shift(h) - 1.0
    wide["drawdown_252"] = closes / closes.rolling(LOOKBACK, min_periods=LOOKBACK).max() - 1.0
    for window in (21, 63):
        wide[f"vol_{window}"] = log_returns.rolling(window, min_periods=window).std() * np.sqrt(TRADING_DAYS)
    market_returns = {h: market / market.shift(h) - 1.0 for h in (21, 63)}
    for h in (21, 63):
        wide[f"rel_ret_{h}"] = wide[f"ret_{h}"].sub(market_returns[h], axis=0)
    market_drawdown = market / market.rolling(LOOKBACK, min_periods=LOOKBACK).max() - 1.0
    ones = pd.DataFrame(1.0, index=closes.index, columns=closes.columns)
    wide["mkt_ret_21"] = ones.mul(market_returns[21], axis=0)
    wide["mkt_drawdown_252"] = ones.mul(market_drawdown, axis=0)
    return {name: wide[name].replace([np.inf, -np.inf], np.nan) for name in FEATURES}


def features(closes: pd.DataFrame, market: pd.Series) -> pd.DataFrame:
    """Feature rows indexed by (date, symbol), columns ``FEATURES``; a row for every (date, symbol) with a close."""
    wide = feature_panel(closes, market)
    has_close = _stack(closes.sort_index()).notna()
    frame = pd.DataFrame({name: _stack(wide[name]) for name in FEATURES})
    return frame[has_close]


def deepened(closes: pd.DataFrame, horizon: int = HORIZON, depth: float = DEPTH) -> pd.DataFrame:
    """1.0 where some close in (date, date + horizon] is at least ``depth`` below the date's close, else 0.0.

    NaN where the window runs past the data.
    """
    closes = closes.sort_index().astype(float)
    future_min = closes[::-1].rolling(horizon, min_periods=horizon).min()[::-1].shift(-1)
    result = (future_min <= closes * (1.0 - depth)).astype(float)
    return result.where(future_min.notna() & closes.notna())


def forward_return(closes: pd.DataFrame, horizon: int = HORIZON) -> pd.DataFrame:
    """The return from the date's close to the close ``horizon`` trading days later."""
    closes = closes.sort_index().astype(float)
    return closes.shift(-horizon) / closes - 1.0


def forward_volatility(closes: pd.DataFrame, horizon: int = HORIZON) -> pd.DataFrame:
    """Annualized volatility of the daily log returns in (date, date + horizon]; NaN past the data."""
    closes = closes.sort_index().astype(float)
    log_returns = np.log(closes / closes.shift(1))
    return log_returns.rolling(horizon, min_periods=horizon).std().shift(-horizon) * np.sqrt(TRADING_DAYS)


def walk_forward_split(
    dates: pd.Index | list[Any], test_start: Any, test_end: Any, horizon: int = HORIZON
) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """(training dates, test dates) over the trading calendar ``dates``.

    A training date's label window (date, date + horizon trading days] must end strictly before
    ``test_start``; test dates are the trading dates in [test_start, test_end].
    """
    calendar = pd.DatetimeIndex(sorted(set(pd.DatetimeIndex(dates))))
    start, end = pd.Timestamp(test_start), pd.Timestamp(test_end)
    positions = np.arange(len(calendar))
    window_end_positions = positions + horizon
    valid = window_end_positions < len(calendar)
    window_ends = np.full(len(calendar), np.datetime64("NaT"), dtype="datetime64[ns]")
    window_ends[valid] = calendar.values[window_end_positions[valid]]
    train_mask = valid & (window_ends < start.to_datetime64())
    test_mask = (calendar >= start) & (calendar <= end)
    return calendar[train_mask], calendar[test_mask]


@dataclass(frozen=True, slots=True)
class WaitingFacts:
    """What the training rows say about the 21 days after a date, for the value of waiting.

    ``deepening``: the mean 21-day fall of the rows that deepened (0.05 = 5% lower at the window's end; the
    lowest close on the way was lower still, but a harvest after waiting is made at the end, not the bottom);
    ``recovery``: the mean 21-day return of the rows that did not (positive: a loss shrinks);
    ``reference_volatility``: the median forward volatility, the "ordinary" level a threshold is scaled to.
    """

    depth: float
    deepening: float
    recovery: float
    reference_volatility: float


@dataclass
class Forecaster:
    """The two fitted estimators, the feature names they expect, their windows and out-of-sample record."""

    classifier: Any
    regressor: Any
    feature_names: list[str]
    horizon: int
    depth: float
    train_from: date
    train_to: date
    test_from: date
    test_to: date
    facts: WaitingFacts
    metrics: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


def forecast(model: Forecaster, feature_rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(chance of deepening, forecast annualized volatility) per row."""
    if len(feature_rows) == 0:
        return np.empty(0, dtype=float), np.empty(0, dtype=float)
    matrix = feature_rows.loc[:, model.feature_names].to_numpy(dtype=float)
    return forecast_matrix(model, matrix)


def forecast_matrix(model: Forecaster, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``forecast`` on a bare (rows x features) matrix in ``model.feature_names`` order.

    One thread: a scan scores a handful of rows, and OpenMP threads on a busy machine cost far more.
    """
    with threadpool_limits(1):
        probabilities: np.ndarray = model.classifier.predict_proba(matrix)[:, 1]
        volatility: np.ndarray = np.exp(model.regressor.predict(matrix))
    return probabilities, volatility


def calibration_table(y_true: np.ndarray, y_prob: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict[str, Any]]:
    """Equal-width probability bins: mean predicted probability, observed frequency and count per bin."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(y_prob, edges[1:-1], right=False), 0, bins - 1)
    table: list[dict[str, Any]] = []
    for b in range(bins):
        in_bin = index == b
        count = int(in_bin.sum())
        table.append(
            {
                "bin_lower": round(float(edges[b]), 10),
                "bin_upper": round(float(edges[b + 1]), 10),
                "count": count,
                "mean_predicted": round(float(y_prob[in_bin].mean()), 6) if count else None,
                "observed": round(float(y_true[in_bin].mean()), 6) if count else None,
            }
        )
    return table


def _r_squared(actual: np.ndarray, predicted: np.ndarray) -> float:
    residual = float(np.sum((actual - predicted) ** 2))
    total = float(np.sum((actual - actual.mean()) ** 2))
    return 1.0 - residual / total if total else 0.0


def metrics_from_predictions(predictions: pd.DataFrame, train_base_rate: float) -> dict[str, Any]:
    """A version's out-of-sample record, from its stored predictions (``PREDICTION_COLUMNS``) alone.

    AUC and Brier score of the chance of deepening, the Brier score of always forecasting the training
    base rate (the bar to beat), the calibration table; R^2 of the log forward volatility for the model
    and for the trailing 63-day figure (the bar to beat). Rounded to 6 places, so a recomputation from
    the stored rows gives the same numbers.
    """
    y = predictions["deepened"].to_numpy(dtype=float)
    p = predictions["p_deepen"].to_numpy(dtype=float)
    actual = predictions["log_vol"].to_numpy(dtype=float)
    two_classes = len(np.unique(y)) == 2
    return {
        "auc": round(float(roc_auc_score(y, p)), 6) if two_classes else None,
        "brier": round(float(brier_score_loss(y, p)), 6),
        "brier_baseline": round(float(brier_score_loss(y, np.full(len(y), train_base_rate))), 6),
        "base_rate": round(float(y.mean()), 6),
        "train_base_rate": round(float(train_base_rate), 6),
        "mean_predicted": round(float(p.mean()), 6),
        "test_rows": len(y),
        "calibration": calibration_table(y, p),
        "volatility_r2": round(_r_squared(actual, predictions["log_vol_predicted"].to_numpy(dtype=float)), 6),
        "volatility_r2_trailing": round(_r_squared(actual, predictions["log_vol_trailing"].to_numpy(dtype=float)), 6),
    }


def _as_date(value: Any) -> date:
    result: date = pd.Timestamp(value).date()
    return result


def _labelled(closes: pd.DataFrame, market: pd.Series, horizon: int, depth: float) -> pd.DataFrame:
    """Feature rows joined with their targets (deepened, log forward volatility) and the waiting facts' inputs."""
    frame = features(closes, market)
    frame["deepened"] = _stack(deepened(closes, horizon, depth))
    with np.errstate(divide="ignore"):  # a flat stretch of an old, coarsely priced series has zero volatility
        frame["log_vol"] = np.log(_stack(forward_volatility(closes, horizon)))
    frame["forward_return"] = _stack(forward_return(closes, horizon))
    frame = frame.replace([np.inf, -np.inf], np.nan)
    return frame.dropna(subset=[*FEATURES, "deepened", "log_vol", "forward_return"])


def train(
    closes: pd.DataFrame,
    market: pd.Series,
    train_end: Any,
    test_start: Any,
    test_end: Any,
    seed: int = 0,
    *,
    horizon: int = HORIZON,
    depth: float = DEPTH,
    train_start: Any = None,
    labelled: pd.DataFrame | None = None,
) -> tuple[Forecaster, pd.DataFrame]:
    """Fit on dates up to ``train_end`` whose label window ends before ``test_start``; predict the test period.

    Returns the model and its out-of-sample predictions (``PREDICTION_COLUMNS``). ``labelled`` (from a
    previous call's ``labelled_rows``) saves recomputing the rows when fitting many windows of one history.
    Raises ValueError when either side has no usable rows or the training labels have a single class.
    """
    rows = labelled if labelled is not None else labelled_rows(closes, market, horizon, depth)
    train_dates, test_dates = walk_forward_split(closes.index, test_start, test_end, horizon)
    train_dates = train_dates[train_dates <= pd.Timestamp(train_end)]
    if train_start is not None:
        train_dates = train_dates[train_dates >= pd.Timestamp(train_start)]
    day = rows.index.get_level_values("date")
    training = rows[day.isin(train_dates)]
    testing = rows[day.isin(test_dates)]
    if len(training) == 0 or len(testing) == 0:
        raise ValueError(f"no usable rows: {len(training)} training, {len(testing)} test")
    y_train = training["deepened"].to_numpy(dtype=float)
    if len(np.unique(y_train)) < 2:
        raise ValueError("the training labels have a single class")

    hyperparameters = dict(HYPERPARAMETERS)
    # Leaves of 2000 rows on the full history (~150,000 rows); proportionally smaller on a short history.
    hyperparameters["min_samples_leaf"] = min(HYPERPARAMETERS["min_samples_leaf"], max(20, len(y_train) // 75))
    x_train = training.loc[:, list(FEATURES)].to_numpy(dtype=float)
    classifier = HistGradientBoostingClassifier(random_state=seed, **hyperparameters)
    regressor = HistGradientBoostingRegressor(random_state=seed, **hyperparameters)
    with threadpool_limits(1):  # OpenMP threads are slower than one on a busy 2-core machine
        classifier.fit(x_train, y_train)
        regressor.fit(x_train, training["log_vol"].to_numpy(dtype=float))
    went_deeper = training["deepened"] == 1.0
    facts = WaitingFacts(
        depth=depth,
        deepening=round(-float(training.loc[went_deeper, "forward_return"].mean()), 6) if went_deeper.any() else depth,
        recovery=round(float(training.loc[~went_deeper, "forward_return"].mean()), 6) if (~went_deeper).any() else 0.0,
        reference_volatility=round(float(np.exp(training["log_vol"].median())), 6),
    )
    train_days = training.index.get_level_values("date")
    test_days = testing.index.get_level_values("date")
    model = Forecaster(
        classifier=classifier,
        regressor=regressor,
        feature_names=list(FEATURES),
        horizon=horizon,
        depth=depth,
        train_from=_as_date(train_days.min()),
        train_to=_as_date(train_days.max()),
        test_from=_as_date(test_days.min()),
        test_to=_as_date(test_days.max()),
        facts=facts,
        hyperparameters=hyperparameters,
        seed=seed,
    )
    p, volatility = forecast(model, testing)
    predictions = pd.DataFrame(
        {
            "date": [d.date().isoformat() for d in test_days],
            "symbol": testing.index.get_level_values("symbol").astype(str),
            "deepened": testing["deepened"].to_numpy(dtype=int),
            "p_deepen": np.round(p, 6),
            "log_vol": np.round(testing["log_vol"].to_numpy(dtype=float), 6),
            "log_vol_predicted": np.round(np.log(volatility), 6),
            "log_vol_trailing": np.round(np.log(np.maximum(testing["vol_63"].to_numpy(dtype=float), 1e-6)), 6),
        },
        columns=list(PREDICTION_COLUMNS),
    )
    model.metrics = metrics_from_predictions(predictions, float(y_train.mean())) | {"train_rows": len(y_train)}
    return model, predictions


def labelled_rows(
    closes: pd.DataFrame, market: pd.Series, horizon: int = HORIZON, depth: float = DEPTH
) -> pd.DataFrame:
    """Every usable feature row of a history with its targets: compute once, fit many windows (``train``)."""
    return _labelled(closes.sort_index(), market, horizon, depth)


def save_model(model: Forecaster, path: str | os.PathLike[str]) -> Path:
    """Write the model to a local file (atomically: a temporary file renamed into place)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(model, temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes it owner-only; the web and worker processes read it
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load_model(path: str | os.PathLike[str]) -> Forecaster:
    """Read a model written by ``save_model`` (a local file; never a URL)."""
    loaded = joblib.load(Path(path))
    if not isinstance(loaded, Forecaster):
        raise TypeError(f"{path} does not hold a Forecaster")
    return loaded
