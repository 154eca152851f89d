"""Run the backtest over many households and report it: terminal tables, CSV/JSON of every figure, a PNG.

A *run* is one household (a universe of stocks, equal weights, $1,000,000) started on one month's first
trading day and held ``Config.years`` years, under one policy; each policy's run is set against its twin
(the same household never harvesting) and the perfect-substitute ceiling of the same household. Universes:
all 20 stocks, and ``subsets`` random 10-stock subsets (seeded). Each result is taxed under every rate set,
in both modes (``ample`` outside gains, the headline; ``standalone`` Schedule D), and with 0% rates for the
decomposition: pre-tax part = the 0%-rate alpha (the replacement's tracking difference plus trading costs),
tax part = tax alpha - pre-tax part. Efficiency = a policy's tax part / the ceiling's tax part.

Uncertainty: households that start in the same year share most of their price path, so they are not
independent. Standard errors and paired t-statistics are computed over start-year clusters (each year's
households averaged first, across months and universes); even these overlap (10-year windows in 28 years of
data), so they overstate the evidence and are reported as such.

What tuned what (walk-forward): nothing is tuned on the evaluated period. The thresholds (10%, the ceiling's
2%), the minimum benefit ($100), the half-spread (5 bp), the index dividend yield (1.8%/yr), the correlation
window (400 calendar days), the forecast's depth (5%) and horizon (21 trading days) and its hyperparameters
are fixed a priori. The model deciding in calendar year Y is fitted on rows whose label window ended before
Y's first trading day (1991 onwards).
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harvesting.backtest.data import load_market
from harvesting.backtest.simulate import (
    Config,
    Market,
    SimResult,
    WalkForwardForecasts,
    cohort_start,
    policy_spec,
    simulate,
)
from harvesting.backtest.taxes import LITERATURE, MODES, TOP, Alpha, Rates
from harvesting.engine import forecast

BASELINE = "monthly"
DEFAULT_POLICIES = ("twin", "monthly", "daily", "volscaled", "model", "daily@5", "model@5", "ceiling")


def every_month(first: int, last: int) -> list[tuple[int, int]]:
    return [(year, month) for year in range(first, last + 1) for month in range(1, 13)]


@dataclass(frozen=True)
class Universe:
    name: str
    symbols: tuple[str, ...]


@dataclass
class Grid:
    starts: list[tuple[int, int]] = field(
        default_factory=lambda: [(y, m) for y in range(1995, 2013) for m in range(1, 13)]
    )
    subsets: int = 8
    subset_size: int = 10
    subset_starts: list[tuple[int, int]] | None = None  # default: two months a year, every month covered
    seed: int = 0
    policies: list[str] = field(default_factory=lambda: list(DEFAULT_POLICIES))
    rates: list[Rates] = field(default_factory=lambda: [LITERATURE, TOP])
    config: Config = field(default_factory=Config)

    def universes(self, symbols: Sequence[str]) -> list[Universe]:
        rng = random.Random(self.seed)
        found = [Universe("all", tuple(symbols))]
        for k in range(self.subsets):
            found.append(Universe(f"subset{k + 1}", tuple(sorted(rng.sample(list(symbols), self.subset_size)))))
        return found

    def starts_for(self, universe: Universe, k: int) -> list[tuple[int, int]]:
        if universe.name == "all":
            return self.starts
        if self.subset_starts is not None:
            return self.subset_starts
        years = sorted({y for y, _ in self.starts})
        months = {(k - 1) % 6 + 1, (k - 1) % 6 + 7}  # subset k starts in months k and k + 6
        return [(y, m) for y in years for m in sorted(months) if (y, m) in set(self.starts)] or self.starts


def run_figures(result: SimResult, twin: SimResult, ceiling: SimResult | None, rates: Sequence[Rates]) -> list[dict]:
    """Every figure of one run against its twin (and ceiling): one row per rate set and tax mode."""
    years = result.years
    initial = result.config.initial_value
    during = [r for r in result.realized if r.kind != "liquidation"]
    harvested = -sum(r.gain for r in during if r.gain < 0)
    log_diff = np.diff(np.log(result.growth)) - np.diff(np.log(twin.growth))
    common = {
        "harvested_losses_per_year": harvested / initial / years,
        "harvests_per_year": result.harvests / years,
        "switch_backs_per_year": result.switch_backs / years,
        "orders_per_year": result.orders / years,
        "waits": result.waits,
        "blocked": result.blocked,
        "tracking_error": float(np.std(log_diff) * np.sqrt(252.0)) if len(log_diff) else 0.0,
        "wash_sales": result.wash_sales,
        "years": years,
    }
    rows = []
    for rate in rates:
        for mode in MODES:
            alpha = Alpha.of(result, twin, rate, mode)
            ceiling_alpha = Alpha.of(ceiling, twin, rate, mode) if ceiling is not None else None
            rows.append(
                {
                    "rates": rate.label,
                    "mode": mode,
                    "tax_alpha": alpha.tax_alpha,
                    "pre_tax": alpha.pre_tax,
                    "tax_part": alpha.tax_part,
                    "ceiling_tax_part": ceiling_alpha.tax_part if ceiling_alpha else float("nan"),
                    **common,
                }
            )
    return rows


# --- the grid, in parallel over households ---------------------------------------------------------

_STATE: dict[str, Any] = {}


def run_household(job: tuple[str, int, int]) -> list[dict]:
    """Every policy for one household (universe, start year, start month)."""
    universe_name, year, month = job
    market: Market = _STATE["markets"][universe_name]
    grid: Grid = _STATE["grid"]
    forecasts: WalkForwardForecasts | None = _STATE["forecasts"]
    start = cohort_start(market, year, month)
    config = grid.config
    twin = simulate(market, start, policy_spec("twin", config), config)
    ceiling = simulate(market, start, policy_spec("ceiling", config), config)
    rows: list[dict] = []
    for name in grid.policies:
        if name == "twin":
            result = twin
        elif name == "ceiling":
            result = ceiling
        else:
            result = simulate(market, start, policy_spec(name, config), config, forecasts=forecasts)
        for row in run_figures(result, twin, ceiling, grid.rates):
            rows.append(
                {"universe": universe_name, "start": f"{year}-{month:02d}", "year": year, "policy": name, **row}
            )
    return rows


def run_grid(
    grid: Grid,
    stocks: pd.DataFrame | None = None,
    index: pd.Series | None = None,
    processes: int | None = None,
    forecasts: WalkForwardForecasts | None = None,
) -> dict:
    """Run every household of ``grid`` and return all figures (``runs`` rows, ``summary`` rows, notes)."""
    if stocks is None or index is None:
        stocks, index = load_market()
    config = grid.config
    universes = grid.universes(list(stocks.columns))
    markets = {
        u.name: Market.from_frames(
            stocks.loc[:, list(u.symbols)],
            index,
            config.index_yield,
            dividends=config.dividends,
            stock_yield=config.stock_yield,
        )
        for u in universes
    }
    first_year = min(y for y, _ in grid.starts)
    if forecasts is None and any(policy_spec(p, config).forecast for p in grid.policies):
        fund_yield = 0.0 if config.dividends else config.index_yield
        forecasts = WalkForwardForecasts(stocks, index, first_year, fund_yield=fund_yield)
    jobs = [(u.name, y, m) for k, u in enumerate(universes) for y, m in grid.starts_for(u, k)]
    _STATE.update(markets=markets, grid=grid, forecasts=forecasts)
    processes = processes or min(os.cpu_count() or 1, len(jobs), 4)
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            per_job = pool.map(run_household, jobs, chunksize=1)
    else:
        per_job = [run_household(job) for job in jobs]
    rows = [row for block in per_job for row in block]
    notes: dict[str, Any] = {
        "settings": {
            **asdict(config),
            "starts": [f"{y}-{m:02d}" for y, m in grid.starts],
            "universes": {u.name: list(u.symbols) for u in universes},
            "households": len(jobs),
            "policies": grid.policies,
            "rates": [rate.label for rate in grid.rates],
            "headline": {"rates": grid.rates[0].label, "mode": "ample"},
            "data": f"{markets['all'].dates[0]}..{markets['all'].dates[-1]}",
        },
        "tuning": (__doc__ or "").split("What tuned what (walk-forward): ")[1].strip(),
    }
    if forecasts is not None and len(forecasts.predictions):
        pooled = forecasts.predictions
        base = float(np.mean([r["train_base_rate"] for r in forecasts.records.values()]))
        notes["model"] = {
            "pooled_out_of_sample": {
                k: v for k, v in forecast.metrics_from_predictions(pooled, base).items() if k != "calibration"
            },
            "years": {str(y): record for y, record in forecasts.records.items()},
        }
    return {"notes": notes, "summary": summarize(rows), "runs": rows}


def _clustered(values: pd.Series, clusters: pd.Series) -> tuple[float, float, int]:
    """Mean, its standard error over cluster means, and the number of clusters."""
    means = values.groupby(clusters).mean()
    k = len(means)
    se = float(means.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan")
    return float(values.mean()), se, k


def summarize(rows: list[dict]) -> list[dict]:
    """Per (policy, rates, mode): means with clustered standard errors, efficiency, and the paired test."""
    frame = pd.DataFrame(rows)
    summary: list[dict] = []
    for (policy, rates, mode), group in frame.groupby(["policy", "rates", "mode"], sort=False):
        item: dict[str, Any] = {"policy": policy, "rates": rates, "mode": mode, "households": len(group)}
        for metric in ("tax_alpha", "pre_tax", "tax_part", "ceiling_tax_part"):
            mean, se, clusters = _clustered(group[metric], group["year"])
            item[metric], item[f"{metric}_se"] = mean, se
            item["clusters"] = clusters
        for metric in (
            "harvested_losses_per_year",
            "harvests_per_year",
            "switch_backs_per_year",
            "orders_per_year",
            "tracking_error",
        ):
            item[metric] = float(group[metric].mean())
        item["wash_sales"] = int(group["wash_sales"].sum())
        ceiling = item["ceiling_tax_part"]
        item["efficiency"] = item["tax_part"] / ceiling if ceiling else float("nan")
        item["alpha_efficiency"] = item["tax_alpha"] / ceiling if ceiling else float("nan")
        worst = group.loc[group["tax_alpha"].idxmin()]
        item["worst_start"], item["worst_universe"], item["worst_tax_alpha"] = (
            worst["start"],
            worst["universe"],
            float(worst["tax_alpha"]),
        )
        baseline = frame[(frame["policy"] == BASELINE) & (frame["rates"] == rates) & (frame["mode"] == mode)]
        if policy != BASELINE and len(baseline):
            keys = ["universe", "start"]
            paired = group.merge(baseline[[*keys, "tax_alpha", "year"]], on=keys, suffixes=("", "_base"))
            mean, se, _ = _clustered(paired["tax_alpha"] - paired["tax_alpha_base"], paired["year"])
            item["vs_monthly"], item["vs_monthly_se"] = mean, se
            item["vs_monthly_t"] = mean / se if se and np.isfinite(se) and se > 0 else float("nan")
        summary.append(item)
    return summary


# --- output ---------------------------------------------------------------------------------------


def _pct(value: float, digits: int = 2) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value * 100:+.{digits}f}%"


def _se(value: float) -> str:
    return "" if value is None or not np.isfinite(value) else f"±{value * 100:.2f}"


def terminal_tables(figures: dict) -> str:
    notes, summary = figures["notes"], figures["summary"]
    settings = notes["settings"]
    rates = settings["rates"]
    find = {(s["policy"], s["rates"], s["mode"]): s for s in summary}
    lines = [
        f"Tax-loss harvesting backtest: {settings['households']} households ({len(settings['universes'])} universes: "
        f"all 20 stocks and {len(settings['universes']) - 1} random subsets), each started on a month's first "
        f"trading day {settings['starts'][0]}..{settings['starts'][-1]} and held {settings['years']} years; "
        f"${settings['initial_value']:,.0f} equal-weight; the product's plan decides every trade.",
        f"Threshold {settings['threshold']:.0%}, minimum benefit ${settings['min_net_benefit']:,.0f}, half-spread "
        f"{settings['half_spread_bps']:g} bp, replacement {settings['replacement']}, switch-back "
        f"{settings['switch_back']}, wash-sale reading {settings['wash_sale_reading']}, contributions "
        f"{settings['contribution']:.1%}/month, dividends as new lots: {'yes' if settings['dividends'] else 'no'}.",
        "Tax alpha = annualized after-tax return minus the twin's; pre-tax part = the same at 0% rates; tax part = "
        "the rest; efficiency = tax part / the perfect-substitute ceiling's. ± is one standard error over "
        "start-year clusters.",
        "",
    ]
    for rate in rates:
        lines.append(f"Rates {rate} (short/long), ample outside gains:")
        header = (
            f"{'policy':<10}{'tax alpha':>16}{'pre-tax':>16}{'tax part':>16}{'efficiency':>11}"
            f"{'vs monthly (t)':>20}{'standalone':>11}{'harv/yr':>8}{'orders/yr':>10}{'TE':>7}"
        )
        lines += [header, "-" * len(header)]
        for policy in settings["policies"]:
            a = find.get((policy, rate, "ample"))
            s = find.get((policy, rate, "standalone"))
            if a is None or s is None:
                continue
            versus = ""
            if "vs_monthly" in a:
                versus = f"{_pct(a['vs_monthly'])} ({a['vs_monthly_t']:+.1f})"
            lines.append(
                f"{policy:<10}{_pct(a['tax_alpha']) + _se(a['tax_alpha_se']):>16}"
                f"{_pct(a['pre_tax']) + _se(a['pre_tax_se']):>16}{_pct(a['tax_part']) + _se(a['tax_part_se']):>16}"
                f"{a['efficiency'] * 100:>10.0f}%{versus:>20}{_pct(s['tax_alpha']):>11}"
                f"{a['harvests_per_year']:>8.1f}{a['orders_per_year']:>10.1f}{a['tracking_error'] * 100:>6.1f}%"
            )
        lines.append("")
    wash = sum(s["wash_sales"] for s in summary if s["mode"] == "ample" and s["rates"] == rates[0])
    lines.append(f"Wash sales found by the ledger engine and the independent check in all simulated trades: {wash}")
    if "model" in notes:
        pooled = notes["model"]["pooled_out_of_sample"]
        lines.append(
            f"Forecast model (walk-forward, refitted each January): out-of-sample AUC {pooled['auc']:.3f}, Brier "
            f"{pooled['brier']:.4f} (base rate {pooled['brier_baseline']:.4f}); volatility log R^2 "
            f"{pooled['volatility_r2']:.2f} (trailing 63-day {pooled['volatility_r2_trailing']:.2f})."
        )
    lines.append("Tuning: " + " ".join(notes["tuning"].split()))
    return "\n".join(lines)


def write_outputs(figures: dict, out: Path) -> list[Path]:
    """Write the CSVs, the JSON and (if matplotlib is installed) the PNG; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("runs", "summary"):
        path = out / f"backtest_{name}.csv"
        fields = list(dict.fromkeys(key for row in figures[name] for key in row))
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(figures[name])
        written.append(path)
    path = out / "backtest.json"
    path.write_text(json.dumps(figures, indent=1, default=str))
    written.append(path)
    chart = write_chart(figures, out / "tax_alpha_by_cohort.png")
    if chart is not None:
        written.append(chart)
    return written


def write_chart(figures: dict, path: Path) -> Path | None:
    """Two panels by start year (every household of that year, all universes, averaged; headline rates, ample):
    each policy's tax alpha, and each policy's tax part against the perfect-substitute ceiling's."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    settings = figures["notes"]["settings"]
    rate = settings["rates"][0]
    frame = pd.DataFrame(figures["runs"])
    frame = frame[(frame["rates"] == rate) & (frame["mode"] == "ample")]
    if frame.empty:
        return None
    policies = [p for p in settings["policies"] if p not in ("twin", "ceiling")]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7.5), sharex=True)
    for policy in policies:
        by_year = frame[frame["policy"] == policy].groupby("year")
        top.plot(by_year["tax_alpha"].mean().index, by_year["tax_alpha"].mean() * 100, marker="o", ms=3, label=policy)
        bottom.plot(by_year["tax_part"].mean().index, by_year["tax_part"].mean() * 100, marker="o", ms=3, label=policy)
    ceiling = frame[frame["policy"] == policies[0]].groupby("year")["ceiling_tax_part"].mean() * 100
    bottom.plot(
        ceiling.index, ceiling, color="black", linestyle="--", linewidth=1.2, label="ceiling (perfect substitute)"
    )
    from matplotlib.ticker import MaxNLocator

    for ax in (top, bottom):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.grid(axis="y", linewidth=0.3)
    top.set_ylabel("tax alpha, % a year")
    top.set_title(
        f"After-tax return minus never harvesting, by start year ({settings['households']} households held "
        f"{settings['years']} years; rates {rate}, ample gains)",
        fontsize=10,
    )
    bottom.set_ylabel("tax part, % a year")
    bottom.set_title("Its tax part (tax alpha less the same run at 0% tax) and the ceiling's", fontsize=10)
    bottom.set_xlabel("start year (households started every month of it, all universes, averaged)")
    top.legend(ncol=4, fontsize=8)
    bottom.legend(ncol=4, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
