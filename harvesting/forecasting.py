"""Training, versioning and loading of the forecast model (the Django side of ``engine.forecast``).

The model is trained on the bundled price history (settings.MARKET_DATA_DIR) only; nothing is fetched
from the internet. Each training writes two files under MODEL_DIR (settings.MODEL_DIR, default
BASE_DIR/var/models): the model, and its out-of-sample predictions (a gzipped CSV whose SHA-256 the row
keeps). The ``ModelVersion`` row holds the windows, features, the waiting facts and the metrics computed
from those predictions (``verify_metrics`` recomputes them), and becomes the current version. Scans call
``current_model()``.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import logging
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import transaction

from harvesting.engine import forecast
from harvesting.models import ModelVersion

logger = logging.getLogger(__name__)

RETRAIN_SCHEDULE_NAME = "Retrain the forecast model"
RETRAIN_TASK = "harvesting.forecasting.retrain_model_task"
DEFAULT_TEST_YEARS = 2

_cache: dict[str, tuple[ModelVersion, forecast.Forecaster]] = {}
_cache_lock = threading.Lock()


def model_dir() -> Path:
    """Where model files live: settings.MODEL_DIR if set, else BASE_DIR/var/models."""
    configured = getattr(settings, "MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "models"


def load_market_history(data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The bundled adjusted closes (date x symbol) and the S&P 500 index, from the local gzip CSVs."""
    directory = Path(data_dir or settings.MARKET_DATA_DIR)
    closes = pd.read_csv(directory / "sp500_dataset.csv.gz", parse_dates=["Date"], index_col="Date")
    index = pd.read_csv(directory / "sp500_index.csv.gz", parse_dates=["Date"], index_col="Date")
    closes = closes.sort_index()
    market = index["SP500"].sort_index().reindex(closes.index).ffill()
    closes.index.name = market.index.name = "date"
    return closes, market


def _version_name(model: forecast.Forecaster, data_end: date) -> str:
    """forecast-<data end>-<8 hex>: a hash of the windows, features, settings and the training time."""
    fingerprint = json.dumps(
        {
            "train": [model.train_from.isoformat(), model.train_to.isoformat()],
            "test": [model.test_from.isoformat(), model.test_to.isoformat()],
            "features": model.feature_names,
            "hyperparameters": model.hyperparameters,
            "seed": model.seed,
            "trained_at_ns": time.time_ns(),
        },
        sort_keys=True,
    )
    return f"forecast-{data_end.isoformat()}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:8]}"


def model_train(
    *,
    as_of: date | None = None,
    test_years: int = DEFAULT_TEST_YEARS,
    train_years: int | None = None,
    seed: int = 0,
) -> ModelVersion:
    """Train on the bundled history up to ``as_of`` (default: its end), save, record and make current.

    The test period is the last ``test_years`` years of data; training uses every earlier date whose
    21-day label window ends before the test period starts (``train_years`` limits it to the most
    recent years). Prices after ``as_of`` are never read.
    """
    closes, market = load_market_history()
    if as_of is not None:
        keep = closes.index <= pd.Timestamp(as_of)
        closes, market = closes[keep], market[keep]
    if closes.empty:
        raise ValueError(f"no market data on or before {as_of}")
    data_end = pd.Timestamp(closes.index.max())
    test_start = data_end - pd.DateOffset(years=test_years)
    train_start = test_start - pd.DateOffset(years=train_years) if train_years else None
    model, predictions = forecast.train(
        closes, market, test_start, test_start, data_end, seed=seed, train_start=train_start
    )

    version = _version_name(model, data_end.date())
    directory = model_dir()
    relative = f"{version}.joblib"
    predictions_relative = f"{version}.predictions.csv.gz"
    forecast.save_model(model, directory / relative)
    digest = _write_predictions(predictions, directory / predictions_relative)
    try:
        with transaction.atomic():
            ModelVersion.objects.select_for_update().filter(is_current=True).update(is_current=False)
            row = ModelVersion.objects.create(
                version=version,
                path=relative,
                predictions_path=predictions_relative,
                predictions_sha256=digest,
                trained_from=model.train_from,
                trained_to=model.train_to,
                tested_from=model.test_from,
                tested_to=model.test_to,
                features=model.feature_names,
                metrics={
                    **model.metrics,
                    "horizon": model.horizon,
                    "depth": model.depth,
                    "facts": dataclasses.asdict(model.facts),
                    "data_end": data_end.date().isoformat(),
                    "seed": model.seed,
                    "hyperparameters": model.hyperparameters,
                },
                is_current=True,
            )
    except BaseException:
        (directory / relative).unlink(missing_ok=True)
        (directory / predictions_relative).unlink(missing_ok=True)
        raise
    with _cache_lock:
        _cache.clear()
        _cache[version] = (row, model)
    logger.info("trained forecast model %s (AUC %s, Brier %.4f)", version, model.metrics["auc"], model.metrics["brier"])
    return row


def current_model() -> tuple[ModelVersion, forecast.Forecaster] | None:
    """The current version and its loaded model (cached per process by version); None if there is none.

    A current row whose file is missing or unreadable is logged and treated as no model.
    """
    row = ModelVersion.objects.filter(is_current=True).first()
    if row is None:
        return None
    with _cache_lock:
        cached = _cache.get(row.version)
        if cached is not None:
            return cached
    path = model_dir() / row.path
    try:
        model = forecast.load_model(path)
    except (OSError, TypeError, ValueError, EOFError):
        logger.exception("forecast model %s: cannot load %s", row.version, path)
        return None
    with _cache_lock:
        _cache.clear()
        _cache[row.version] = (row, model)
    return row, model


def retrain_model_task() -> str:
    """django-q2 task: retrain on the bundled history and make the result current; returns the version."""
    return model_train().version


def ensure_retraining_schedule() -> object:
    """Create (or repair) the monthly django-q2 schedule that retrains the model; idempotent."""
    from django_q.models import Schedule

    schedule, created = Schedule.objects.get_or_create(
        name=RETRAIN_SCHEDULE_NAME,
        defaults={"func": RETRAIN_TASK, "schedule_type": Schedule.MONTHLY, "repeats": -1},
    )
    if not created and (schedule.func != RETRAIN_TASK or schedule.schedule_type != Schedule.MONTHLY):
        schedule.func = RETRAIN_TASK
        schedule.schedule_type = Schedule.MONTHLY
        schedule.repeats = -1
        schedule.save()
    return schedule


def _write_predictions(predictions: pd.DataFrame, path: Path) -> str:
    """Write the out-of-sample predictions as a gzipped CSV (atomically); return its SHA-256."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:
        handle.write(predictions.to_csv(index=False).encode())
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o644)
    temporary.replace(path)
    return hashlib.sha256(data).hexdigest()


def stored_predictions(row: ModelVersion) -> pd.DataFrame:
    """A version's stored out-of-sample predictions, checked against the digest its row keeps.

    Raises ValueError when the file is missing, altered or the row has none.
    """
    if not row.predictions_path:
        raise ValueError(f"{row.version} has no stored predictions")
    try:
        data = (model_dir() / row.predictions_path).read_bytes()
    except OSError as exc:
        raise ValueError(f"{row.version}: cannot read its predictions file ({exc.strerror})") from exc
    if hashlib.sha256(data).hexdigest() != row.predictions_sha256:
        raise ValueError(f"{row.version}: the predictions file does not match its recorded SHA-256")
    return pd.read_csv(io.BytesIO(gzip.decompress(data)), dtype={"symbol": str, "date": str})


def verify_metrics(row: ModelVersion) -> dict[str, object]:
    """Recompute a version's metrics from its stored predictions; return the ones that differ (empty: none)."""
    recomputed = forecast.metrics_from_predictions(stored_predictions(row), float(row.metrics["train_base_rate"]))
    return {key: value for key, value in recomputed.items() if row.metrics.get(key) != value}
