"""The forecast model's record for the Model page: every version's out-of-sample figures and a calibration chart.

A model version is platform data, trained on the bundled public price history and shared by every firm (no
client's holdings go into it), so every signed-in portal user may read every version: nothing here is scoped to
a firm. Each version's figures are recomputed from its stored predictions when the page is drawn
(``forecasting.verify_metrics``), so the page says whether the record still holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from harvesting.forecasting import verify_metrics
from harvesting.models import ModelVersion

CHART_PLOT = 320  # the calibration chart's square plot area, in SVG units
CHART_LEFT, CHART_TOP, CHART_RIGHT, CHART_BOTTOM = 56, 16, 20, 48  # margins for the axes' ticks and labels


@dataclass(frozen=True)
class ChartPoint:
    """One non-empty calibration bin: where it is drawn, and what it says."""

    x: float
    y: float
    radius: float
    label_x: float  # where its count is written (centred), above or below the dot
    label_y: float
    bin_lower: float
    bin_upper: float
    count: int
    mean_predicted: float
    observed: float


@dataclass(frozen=True)
class CalibrationChart:
    """Predicted against observed chance per bin, as SVG coordinates (the template writes the elements).

    Both axes run from 0 to ``top`` (the largest figure, rounded up to a tenth), so the diagonal, where the
    observed share equals the predicted chance, is the 45-degree line.
    """

    width: int
    height: int
    left: int  # the plot's edges
    right: int
    top_edge: int
    bottom: int
    top: float  # the largest value on either axis
    points: list[ChartPoint]
    line: str  # a path through the points, in bin order
    ticks: list[tuple[float, float, str]]  # (x on the x axis, y on the y axis, label) of each tick value

    @property
    def x_middle(self) -> int:
        return (self.left + self.right) // 2

    @property
    def y_label_x(self) -> int:
        """The y axis label's x: it is drawn a quarter turn anticlockwise, where x runs up the axis, negated."""
        return -((self.top_edge + self.bottom) // 2)


@dataclass(frozen=True)
class VersionRecord:
    """A model version and its out-of-sample record, as the Model page states it."""

    row: ModelVersion
    depth: float | None  # None: a version of an earlier model (not this forecast), kept as it was
    horizon: int | None
    auc: float | None
    brier: float | None
    brier_baseline: float | None
    base_rate: float | None
    train_base_rate: float | None
    mean_predicted: float | None
    test_rows: int | None
    train_rows: int | None
    volatility_r2: float | None
    volatility_r2_trailing: float | None
    facts: dict[str, float] | None
    calibration: list[dict[str, Any]]
    chart: CalibrationChart | None
    differs: list[str]  # the figures its stored predictions no longer give
    unverifiable: str  # why its predictions could not be read ("" when they were)

    @property
    def brier_gap(self) -> float | None:
        """How far the model's Brier score is from the base rate's, relative to it (0.07: 7% lower or higher)."""
        if self.brier is None or not self.brier_baseline:
            return None
        return abs(1.0 - self.brier / self.brier_baseline)

    @property
    def verified(self) -> bool:
        return not self.differs and not self.unverifiable


def model_records() -> list[VersionRecord]:
    """Every model version, newest first, each with its record checked against its stored predictions."""
    return [version_record(row) for row in ModelVersion.objects.order_by("-created_at", "-pk")]


def version_record(row: ModelVersion) -> VersionRecord:
    metrics: dict[str, Any] = row.metrics or {}
    differs: list[str] = []
    unverifiable = ""
    try:
        differs = sorted(verify_metrics(row))
    except (OSError, EOFError, KeyError, ValueError) as exc:
        unverifiable = str(exc) if isinstance(exc, ValueError) else f"its predictions file cannot be read ({exc})"
    calibration = list(metrics.get("calibration") or [])
    facts = metrics.get("facts")
    return VersionRecord(
        row=row,
        depth=metrics.get("depth"),
        horizon=metrics.get("horizon"),
        auc=metrics.get("auc"),
        brier=metrics.get("brier"),
        brier_baseline=metrics.get("brier_baseline"),
        base_rate=metrics.get("base_rate"),
        train_base_rate=metrics.get("train_base_rate"),
        mean_predicted=metrics.get("mean_predicted"),
        test_rows=metrics.get("test_rows"),
        train_rows=metrics.get("train_rows"),
        volatility_r2=metrics.get("volatility_r2"),
        volatility_r2_trailing=metrics.get("volatility_r2_trailing"),
        facts=facts if isinstance(facts, dict) else None,
        calibration=calibration,
        chart=calibration_chart(calibration),
        differs=differs,
        unverifiable=unverifiable,
    )


def calibration_chart(calibration: list[dict[str, Any]]) -> CalibrationChart | None:
    """Draw a calibration table's non-empty bins; None when every bin is empty."""
    filled = [b for b in calibration if b.get("count") and b.get("mean_predicted") is not None]
    if not filled:
        return None
    largest = max(max(b["mean_predicted"], b["observed"]) for b in filled)
    top = max(0.1, math.ceil(round(largest * 10, 6)) / 10)
    step = 0.1
    if top > 0.5:  # fewer, wider ticks, and the axes end on one
        step, top = 0.2, min(1.0, math.ceil(round(largest * 5, 6)) / 5)
    most = max(b["count"] for b in filled)
    right, bottom = CHART_LEFT + CHART_PLOT, CHART_TOP + CHART_PLOT

    def x(value: float) -> float:
        return round(CHART_LEFT + CHART_PLOT * value / top, 1)

    def y(value: float) -> float:
        return round(bottom - CHART_PLOT * value / top, 1)

    points = []
    for i, b in enumerate(filled):
        cx, cy, radius = x(b["mean_predicted"]), y(b["observed"]), round(3 + 6 * math.sqrt(b["count"] / most), 1)
        # Counts alternate above and below their dots, so neighbouring bins' numbers do not run into each other.
        point = ChartPoint(
            x=cx,
            y=cy,
            radius=radius,
            label_x=cx,
            label_y=round(cy - radius - 4 if i % 2 == 0 else cy + radius + 11, 1),
            bin_lower=b["bin_lower"],
            bin_upper=b["bin_upper"],
            count=b["count"],
            mean_predicted=b["mean_predicted"],
            observed=b["observed"],
        )
        points.append(point)
    values = [round(i * step, 6) for i in range(int(top / step + 1e-9) + 1)]
    return CalibrationChart(
        width=CHART_LEFT + CHART_PLOT + CHART_RIGHT,
        height=CHART_TOP + CHART_PLOT + CHART_BOTTOM,
        left=CHART_LEFT,
        right=right,
        top_edge=CHART_TOP,
        bottom=bottom,
        top=top,
        points=points,
        line="M" + " L".join(f"{p.x},{p.y}" for p in points),
        ticks=[(x(v), y(v), f"{v:.0%}") for v in values],
    )
