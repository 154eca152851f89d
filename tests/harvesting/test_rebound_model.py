"""The rebound model: point-in-time features, labels, walk-forward splits, training, versioning."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django_q.models import Schedule
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from harvesting import rebound_models
from harvesting.engine import rebound
from harvesting.models import ModelVersion


def synthetic_market(days: int = 700, symbols: int = 4, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    """Random-walk closes on a business-day calendar, with some short-term mean reversion to learn."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2010-01-04", periods=days)
    market_returns = rng.normal(0.0003, 0.01, days)
    returns = np.empty((days, symbols))
    for i in range(days):
        reversal = -0.1 * returns[i - 5 : i].sum(axis=0) if i >= 5 else 0.0
        returns[i] = market_returns[i] + rng.normal(0.0, 0.015, symbols) + reversal
    closes = pd.DataFrame(
        100.0 * np.exp(np.cumsum(returns, axis=0)), index=dates, columns=[f"S{k}" for k in range(symbols)]
    )
    market = pd.Series(1000.0 * np.exp(np.cumsum(market_returns)), index=dates, name="SP500")
    return closes, market


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, pd.Series]:
    return synthetic_market()


@pytest.fixture(scope="module")
def small_model(synthetic: tuple[pd.DataFrame, pd.Series]) -> rebound.TrainedModel:
    closes, market = synthetic
    return rebound.train(closes, market, "2012-01-31", "2012-02-01", "2012-09-28", seed=0)


# --- features ---------------------------------------------------------------------------------


def test_features_have_the_stable_names_and_a_row_per_date_and_symbol(
    synthetic: tuple[pd.DataFrame, pd.Series],
) -> None:
    closes, market = synthetic
    frame = rebound.features(closes, market)
    assert list(frame.columns) == list(rebound.FEATURES)
    assert frame.index.names == ["date", "symbol"]
    assert len(frame) == closes.size
    row = frame.loc[(closes.index[300], "S1")]
    assert row["ret_21"] == pytest.approx(closes["S1"].iloc[300] / closes["S1"].iloc[279] - 1)
    assert row["rel_ret_21"] == pytest.approx(row["ret_21"] - (market.iloc[300] / market.iloc[279] - 1))
    assert row["drawdown_252"] == pytest.approx(closes["S1"].iloc[300] / closes["S1"].iloc[49:301].max() - 1)
    # The 252-day features need 252 earlier closes.
    assert np.isnan(frame.loc[(closes.index[251], "S1"), "ret_252"])
    assert not np.isnan(frame.loc[(closes.index[252], "S1"), "ret_252"])


@pytest.mark.parametrize("cut", [260, 400, 650])
def test_changing_future_prices_does_not_change_todays_features(
    synthetic: tuple[pd.DataFrame, pd.Series], cut: int
) -> None:
    closes, market = synthetic
    before = rebound.features(closes, market)
    rng = np.random.default_rng(cut)
    closes2, market2 = closes.copy(), market.copy()
    closes2.iloc[cut + 1 :] *= rng.uniform(0.3, 3.0, size=closes2.iloc[cut + 1 :].shape)
    market2.iloc[cut + 1 :] *= 0.5
    after = rebound.features(closes2, market2)
    past = closes.index[: cut + 1]
    pd.testing.assert_frame_equal(before.loc[past], after.loc[past])
    assert not before.loc[closes.index[cut + 1 :]].equals(after.loc[closes.index[cut + 1 :]])


# --- labels ------------------------------------------------------------------------------------


def test_labels_compare_the_close_horizon_days_later_with_today() -> None:
    dates = pd.bdate_range("2024-01-01", periods=6)
    closes = pd.DataFrame(
        {"A": [10.0, 9.0, 11.0, 10.0, 10.0, 12.0], "B": [5.0, 5.0, 4.0, 6.0, np.nan, 3.0]}, index=dates
    )
    got = rebound.labels(closes, horizon=2)
    # A: 11>10 -> 1, 10>9 -> 1, 10>11 -> 0, 12>10 -> 1, then unknown; B: 4>5 -> 0, 6>5 -> 1, NaN future, 3>6 -> 0.
    expected = pd.DataFrame(
        {"A": [1.0, 1.0, 0.0, 1.0, np.nan, np.nan], "B": [0.0, 1.0, np.nan, 0.0, np.nan, np.nan]}, index=dates
    )
    pd.testing.assert_frame_equal(got, expected)


def test_an_unchanged_price_is_not_a_rebound() -> None:
    closes = pd.DataFrame({"A": [10.0, 10.0]}, index=pd.bdate_range("2024-01-01", periods=2))
    assert rebound.labels(closes, horizon=1)["A"].iloc[0] == 0.0


# --- walk-forward split ------------------------------------------------------------------------

CALENDAR = pd.bdate_range("2000-01-03", periods=400)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=399),
    length=st.integers(min_value=0, max_value=200),
    horizon=st.integers(min_value=1, max_value=40),
    offset_days=st.integers(min_value=0, max_value=3),
)
def test_no_training_label_window_overlaps_the_test_period(
    start: int, length: int, horizon: int, offset_days: int
) -> None:
    # Test starts may fall on a weekend (offset_days), between trading dates.
    test_start = CALENDAR[start] + pd.Timedelta(days=offset_days)
    test_end = CALENDAR[min(start + length, 399)] + pd.Timedelta(days=offset_days)
    train, test = rebound.walk_forward_split(CALENDAR, test_start, test_end, horizon)
    positions = {d: i for i, d in enumerate(CALENDAR)}
    for d in train:
        window = CALENDAR[positions[d] + 1 : positions[d] + horizon + 1]
        assert len(window) == horizon  # the whole label window is known
        assert window.max() < test_start  # and ends before the test period
    assert set(train).isdisjoint(test)
    assert all(test_start <= d <= test_end for d in test)
    # Nothing usable is left out: the next trading date's window would reach the test period.
    expected_train = [
        d for i, d in enumerate(CALENDAR) if i + horizon < len(CALENDAR) and CALENDAR[i + horizon] < test_start
    ]
    assert list(train) == expected_train
    assert list(test) == [d for d in CALENDAR if test_start <= d <= test_end]


def test_trained_model_training_rows_end_before_the_test_period(small_model: rebound.TrainedModel) -> None:
    calendar = synthetic_market()[0].index
    last_train = calendar.get_loc(pd.Timestamp(small_model.train_to))
    assert calendar[last_train + rebound.HORIZON] < pd.Timestamp(small_model.test_from)


# --- training and metrics ---------------------------------------------------------------------


def test_training_reports_out_of_sample_metrics(small_model: rebound.TrainedModel) -> None:
    metrics = small_model.metrics
    assert metrics["auc"] is not None
    assert 0.0 <= metrics["auc"] <= 1.0
    assert 0.0 <= metrics["brier"] <= 1.0
    assert len(metrics["calibration"]) == 10
    assert sum(b["count"] for b in metrics["calibration"]) == metrics["test_rows"] > 0
    for b in metrics["calibration"]:
        if b["count"]:
            assert b["bin_lower"] <= b["mean_predicted"] <= b["bin_upper"]
            assert 0.0 <= b["observed"] <= 1.0
    assert small_model.test_from >= date(2012, 2, 1)
    assert small_model.test_to <= date(2012, 9, 28)
    assert small_model.feature_names == list(rebound.FEATURES)


def test_training_learns_a_planted_mean_reversion_signal() -> None:
    # Log prices pulled back to a constant level: a stock below its level tends to rise within 21 days.
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2010-01-04", periods=900)
    log_prices = np.zeros((900, 6))
    for i in range(1, 900):
        log_prices[i] = 0.95 * log_prices[i - 1] + rng.normal(0.0, 0.02, 6)
    closes = pd.DataFrame(100.0 * np.exp(log_prices), index=dates, columns=[f"S{k}" for k in range(6)])
    market = pd.Series(1000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 900))), index=dates)
    metrics = rebound.train(closes, market, "2012-06-29", "2012-07-02", "2013-06-28").metrics
    assert metrics["auc"] > 0.65
    assert metrics["brier"] < metrics["brier_baseline"]


def test_training_is_reproducible_with_a_seed(
    synthetic: tuple[pd.DataFrame, pd.Series], small_model: rebound.TrainedModel
) -> None:
    closes, market = synthetic
    again = rebound.train(closes, market, "2012-01-31", "2012-02-01", "2012-09-28", seed=0)
    assert again.metrics == small_model.metrics


def test_training_without_rows_is_refused(synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    closes, market = synthetic
    with pytest.raises(ValueError, match="no usable rows"):
        rebound.train(closes, market, "2010-06-01", "2010-06-01", "2010-12-31")


def test_calibration_bins_include_the_edges() -> None:
    table = rebound.calibration_table(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.1, 1.0]))
    assert [b["count"] for b in table] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_save_and_load_round_trip_predicts_the_same(
    tmp_path: Path, synthetic: tuple[pd.DataFrame, pd.Series], small_model: rebound.TrainedModel
) -> None:
    closes, market = synthetic
    rows = rebound.features(closes, market).loc[closes.index[-50:]]
    path = rebound.save_model(small_model, tmp_path / "models" / "m.joblib")
    loaded = rebound.load_model(path)
    np.testing.assert_array_equal(rebound.predict(loaded, rows), rebound.predict(small_model, rows))
    assert loaded.metrics == small_model.metrics
    assert (loaded.train_from, loaded.test_to) == (small_model.train_from, small_model.test_to)
    assert list(tmp_path.joinpath("models").iterdir()) == [path]  # no temporary file left behind


def test_predict_accepts_rows_with_missing_history(small_model: rebound.TrainedModel) -> None:
    closes, market = synthetic_market(days=30)
    probabilities = rebound.predict(small_model, rebound.features(closes, market))
    assert probabilities.shape == (closes.size,)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_load_model_refuses_other_objects(tmp_path: Path) -> None:
    import joblib

    joblib.dump({"not": "a model"}, tmp_path / "x.joblib")
    with pytest.raises(TypeError):
        rebound.load_model(tmp_path / "x.joblib")


# --- Django: versions, the current model, the command and the schedule ---------------------------


@pytest.fixture
def model_env(settings: Settings, tmp_path: Path, recent_market_data: Path) -> Path:
    """Real bundled prices from 2018-12 on, and model files in a temporary directory."""
    settings.MARKET_DATA_DIR = recent_market_data
    settings.MODEL_DIR = tmp_path / "models"
    rebound_models._cache.clear()
    return tmp_path / "models"


@pytest.mark.django_db
def test_model_train_creates_a_current_version_and_a_second_replaces_it(model_env: Path) -> None:
    first = rebound_models.model_train()
    first.refresh_from_db()
    assert first.is_current
    assert first.version.startswith("rebound-2022-12-28-")
    assert first.features == list(rebound.FEATURES)
    assert 0.0 <= first.metrics["auc"] <= 1.0
    assert 0.0 <= first.metrics["brier"] <= 1.0
    assert sum(b["count"] for b in first.metrics["calibration"]) == first.metrics["test_rows"]
    assert first.trained_from < first.trained_to < first.tested_from <= first.tested_to <= date(2022, 12, 28)
    assert first.tested_from >= date(2020, 12, 28)
    loaded = rebound.load_model(model_env / first.path)
    assert loaded.metrics["auc"] == first.metrics["auc"]

    rebound_models._cache.clear()
    row, model = rebound_models.current_model()  # type: ignore[misc]
    assert row.pk == first.pk
    assert model.metrics == loaded.metrics

    second = rebound_models.model_train(as_of=date(2022, 6, 30))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_current
    assert not first.is_current
    assert second.version.startswith("rebound-2022-06-30-")
    assert second.tested_to <= date(2022, 6, 30)
    assert ModelVersion.objects.filter(is_current=True).count() == 1
    current = rebound_models.current_model()
    assert current is not None
    assert current[0].pk == second.pk


@pytest.mark.django_db
def test_current_model_is_none_without_a_version_or_a_file(model_env: Path) -> None:
    assert rebound_models.current_model() is None
    ModelVersion.objects.create(
        version="rebound-missing",
        path="missing.joblib",
        trained_from=date(2020, 1, 1),
        trained_to=date(2020, 6, 1),
        tested_from=date(2020, 7, 1),
        tested_to=date(2020, 12, 1),
        features=list(rebound.FEATURES),
        metrics={},
        is_current=True,
    )
    assert rebound_models.current_model() is None


@pytest.mark.django_db
def test_train_model_command_prints_metrics_and_schedules_retraining(
    model_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("train_model", "--as-of", "2022-12-28", "--schedule")
    out = capsys.readouterr().out
    row = ModelVersion.objects.get(is_current=True)
    assert row.version in out
    for heading in ("AUC", "Brier", "calibration", "trained", "tested"):
        assert heading in out
    call_command("train_model", "--schedule")  # the schedule is ensured idempotently
    schedules = Schedule.objects.filter(func=rebound_models.RETRAIN_TASK)
    assert schedules.count() == 1
    assert schedules.get().schedule_type == Schedule.MONTHLY


@pytest.mark.django_db
def test_retrain_task_makes_a_new_current_version(model_env: Path) -> None:
    version = rebound_models.retrain_model_task()
    assert ModelVersion.objects.get(is_current=True).version == version
