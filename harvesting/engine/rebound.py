"""The rebound model: will a loss that exists today have shrunk by the end of the wash-sale window?

Pure (no Django). Gradient-boosted trees (scikit-learn) on features of each stock's recent path and the
market's, predicting whether the price ``horizon`` trading days later (21 trading days, about the 30
calendar days of the wash-sale window) is above today's. A high probability means waiting tends to pay
(the loss tends to shrink); the policy weighs it against the tax value of harvesting now.

Everything is computed for the whole frame at once: ``closes`` is a wide frame (index: trading dates,
columns: symbols) of adjusted closes, ``market`` a series of index levels on the same dates. Feature
rows are indexed by (date, symbol) and use only prices up to and including that date. Training is
walk-forward: a training row is used only if its label window (date, date + horizon] ends strictly
before the test period starts, so no training label has seen a test-period price.
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
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.metrics import brier_score_loss, roc_auc_score  # type: ignore[import-untyped]

HORIZON = 21  # trading days: about the 30 calendar days of the wash-sale window
RETURN_HORIZONS = (5, 21, 63, 126, 252)
LOOKBACK = 252  # trading days of history a feature row needs (the longest return and the drawdown high)
CALIBRATION_BINS = 10

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

# Heavily regularized: the 21-day direction of a stock is a weak signal. Chosen over a deeper model
# (150 trees, depth 4, leaves of 200) by walk-forward comparison on seven 2-year test periods 2001-2022
# (lower Brier score in six of them).
HYPERPARAMETERS: dict[str, Any] = {
    "max_iter": 60,
    "learning_rate": 0.05,
    "max_leaf_nodes": 8,
    "max_depth": 3,
    "min_samples_leaf": 2000,
    "l2_regularization": 1.0,
    "early_stopping": False,
}


def _stack(wide: pd.DataFrame) -> pd.Series:
    """A date x symbol frame as a (date, symbol) series, NaNs kept (pandas 3 stack keeps them)."""
    stacked = wide.stack()
    stacked.index = stacked.index.set_names(["date", "symbol"])
    return stacked


def features(closes: pd.DataFrame, market: pd.Series) -> pd.DataFrame:
    """Feature rows indexed by (date, symbol), columns ``FEATURES``, using prices up to each date only.

    Rows exist for every (date, symbol) with a close; features needing more history than exists are NaN.
    """
    closes = closes.sort_index().astype(float)
    market = market.reindex(closes.index).astype(float)
    log_returns = np.log(closes / closes.shift(1))
    wide: dict[str, pd.DataFrame] = {}
    for h in RETURN_HORIZONS:
        wide[f"ret_{h}"] = closes / closes.shift(h) - 1.0
    wide["drawdown_252"] = closes / closes.rolling(LOOKBACK, min_periods=LOOKBACK).max() - 1.0
    for window in (21, 63):
        wide[f"vol_{window}"] = log_returns.rolling(window, min_periods=window).std() * np.sqrt(252.0)
    market_returns = {h: market / market.shift(h) - 1.0 for h in (21, 63)}
    for h in (21, 63):
        wide[f"rel_ret_{h}"] = wide[f"ret_{h}"].sub(market_returns[h], axis=0)
    market_drawdown = market / market.rolling(LOOKBACK, min_periods=LOOKBACK).max() - 1.0
    ones = pd.DataFrame(1.0, index=closes.index, columns=closes.columns)
    wide["mkt_ret_21"] = ones.mul(market_returns[21], axis=0)
    wide["mkt_drawdown_252"] = ones.mul(market_drawdown, axis=0)

    has_close = _stack(closes).notna()
    frame = pd.DataFrame({name: _stack(wide[name]) for name in FEATURES})
    frame = frame[has_close]
    return frame.replace([np.inf, -np.inf], np.nan)


def labels(closes: pd.DataFrame, horizon: int = HORIZON) -> pd.DataFrame:
    """1.0 where the close ``horizon`` trading days later is above today's (waiting pays), else 0.0.

    The label of a date looks at the window (date, date + horizon]; NaN where that close is unknown.
    """
    closes = closes.sort_index().astype(float)
    future = closes.shift(-horizon)
    result = (future > closes).astype(float)
    return result.where(future.notna() & closes.notna())


def walk_forward_split(
    dates: pd.Index | list[Any], test_start: Any, test_end: Any, horizon: int = HORIZON
) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """(training dates, test dates) over the trading calendar ``dates``.

    A training date's label window (date, date + horizon trading days] must end strictly before
    ``test_start``; test dates are the trading dates in [test_start, test_end]. A training date whose
    window runs past the end of the calendar is excluded (its label is unknown anyway).
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


@dataclass
class TrainedModel:
    """A fitted estimator with the feature names it expects, its windows and its out-of-sample metrics."""

    estimator: Any
    feature_names: list[str]
    horizon: int
    train_from: date
    train_to: date
    test_from: date
    test_to: date
    metrics: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


def predict(model: TrainedModel, feature_rows: pd.DataFrame) -> np.ndarray:
    """The probability that the price ``model.horizon`` trading days later is above today's, per row."""
    if len(feature_rows) == 0:
        return np.empty(0, dtype=float)
    matrix = feature_rows.loc[:, model.feature_names].to_numpy(dtype=float)
    probabilities: np.ndarray = model.estimator.predict_proba(matrix)[:, 1]
    return probabilities


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
                "mean_predicted": float(y_prob[in_bin].mean()) if count else None,
                "observed": float(y_true[in_bin].mean()) if count else None,
            }
        )
    return table


def evaluate(y_true: np.ndarray, y_prob: np.ndarray) -> dict[str, Any]:
    """Out-of-sample AUC (None with a single class), Brier score, base rate and the calibration table."""
    y_true = np.asarray(y_true, dtype=float)
    y_prob = np.asarray(y_prob, dtype=float)
    two_classes = len(np.unique(y_true)) == 2
    return {
        "auc": float(roc_auc_score(y_true, y_prob)) if two_classes else None,
        "brier": float(brier_score_loss(y_true, y_prob)),
        "base_rate": float(y_true.mean()) if len(y_true) else None,
        "mean_predicted": float(y_prob.mean()) if len(y_prob) else None,
        "test_rows": len(y_true),
        "calibration": calibration_table(y_true, y_prob),
    }


def _rows(
    feature_frame: pd.DataFrame, label_frame: pd.DataFrame, dates: pd.DatetimeIndex
) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature rows on ``dates`` with every feature and the label known."""
    y = _stack(label_frame).rename("label")
    joined = feature_frame.join(y, how="inner")
    joined = joined[joined.index.get_level_values("date").isin(dates)]
    joined = joined.dropna(subset=[*FEATURES, "label"])
    return joined.loc[:, list(FEATURES)], joined["label"].to_numpy(dtype=float)


def _as_date(value: Any) -> date:
    result: date = pd.Timestamp(value).date()
    return result


def train(
    closes: pd.DataFrame,
    market: pd.Series,
    train_end: Any,
    test_start: Any,
    test_end: Any,
    seed: int = 0,
    *,
    horizon: int = HORIZON,
    train_start: Any = None,
) -> TrainedModel:
    """Fit on dates up to ``train_end`` whose label window ends before ``test_start``; score on the test period.

    Raises ValueError when either side has no usable rows or the training labels have a single class.
    """
    closes = closes.sort_index()
    feature_frame = features(closes, market)
    label_frame = labels(closes, horizon)
    train_dates, test_dates = walk_forward_split(closes.index, test_start, test_end, horizon)
    train_dates = train_dates[train_dates <= pd.Timestamp(train_end)]
    if train_start is not None:
        train_dates = train_dates[train_dates >= pd.Timestamp(train_start)]
    x_train, y_train = _rows(feature_frame, label_frame, train_dates)
    x_test, y_test = _rows(feature_frame, label_frame, test_dates)
    if len(y_train) == 0 or len(y_test) == 0:
        raise ValueError(f"no usable rows: {len(y_train)} training, {len(y_test)} test")
    if len(np.unique(y_train)) < 2:
        raise ValueError("the training labels have a single class")

    hyperparameters = dict(HYPERPARAMETERS)
    # Leaves of 2000 rows on the full history (~150,000 rows); proportionally smaller on a short history.
    hyperparameters["min_samples_leaf"] = min(HYPERPARAMETERS["min_samples_leaf"], max(20, len(y_train) // 75))
    estimator = HistGradientBoostingClassifier(random_state=seed, **hyperparameters)
    estimator.fit(x_train.to_numpy(dtype=float), y_train)
    train_days = x_train.index.get_level_values("date")
    test_days = x_test.index.get_level_values("date")
    model = TrainedModel(
        estimator=estimator,
        feature_names=list(FEATURES),
        horizon=horizon,
        train_from=_as_date(train_days.min()),
        train_to=_as_date(train_days.max()),
        test_from=_as_date(test_days.min()),
        test_to=_as_date(test_days.max()),
        hyperparameters=hyperparameters,
        seed=seed,
    )
    metrics = evaluate(y_test, predict(model, x_test))
    metrics["train_rows"] = len(y_train)
    metrics["train_base_rate"] = float(y_train.mean())
    # The skill bar: the Brier score of always forecasting the training base rate.
    metrics["brier_baseline"] = float(brier_score_loss(y_test, np.full(len(y_test), y_train.mean())))
    model.metrics = metrics
    return model


def save_model(model: TrainedModel, path: str | os.PathLike[str]) -> Path:
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


def load_model(path: str | os.PathLike[str]) -> TrainedModel:
    """Read a model written by ``save_model`` (a local file; never a URL)."""
    loaded = joblib.load(Path(path))
    if not isinstance(loaded, TrainedModel):
        raise TypeError(f"{path} does not hold a TrainedModel")
    return loaded
