"""Run the backtest grid over cohorts and report it: terminal tables, CSV/JSON of every figure, a PNG.

Cohorts start on the first trading day of each January (default 1995-2017) and are held to the end
of the data (2022-12-28). For each cohort: the twin (never harvests) and every harvesting policy
under every replacement and switch-back rule asked for; each result is taxed under every rate set,
in both modes (``ample`` outside gains, the headline; ``standalone`` Schedule D), and with 0% rates
for the decomposition: pre-tax part = the 0%-rate alpha (the replacement's tracking difference plus
trading costs), tax part = tax alpha - pre-tax part.

What tuned what (walk-forward): nothing is tuned on the evaluated period. The loss threshold (10%),
the half-spread (5 bp), the index dividend yield (1.8%/yr), the volatility window (63 days), the
replacement look-back (252 days), the basket size (3), the tracking limit (5%) and the model's
cutoff (0.5) and hyperparameters are fixed a priori, not fitted to this data. The model's weights
for calendar year Y are fitted on labelled rows known before Y's first trading day (1991 onwards).
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from harvesting.backtest.data import load_market
from harvesting.backtest.simulate import (
    POLICY_NAMES,
    Config,
    Market,
    SimResult,
    WalkForwardModel,
    cohort_start,
    make_policy,
    simulate,
)
from harvesting.backtest.taxes import LITERATURE, MODES, TOP, Alpha, Rates, after_tax

METRICS = (
    "tax_alpha",
    "pre_tax",
    "tax_part",
    "harvested_losses_per_year",
    "harvests_per_year",
    "trades_per_year",
    "turnover",
    "tracking_error",
)


@dataclass
class Grid:
    cohorts: list[int] = field(default_factory=lambda: list(range(1995, 2018)))
    policies: list[str] = field(default_factory=lambda: list(POLICY_NAMES))
    replacements: list[str] = field(default_factory=lambda: ["index", "correlated", "basket"])
    switch_backs: list[str] = field(default_factory=lambda: ["31days", "no-st-gain", "tracking"])
    rates: list[Rates] = field(default_factory=lambda: [LITERATURE, TOP])
    config: Config = field(default_factory=Config)

    @property
    def headline(self) -> tuple[str, str]:
        return self.replacements[0], self.switch_backs[0]


def run_figures(result: SimResult, twin: SimResult, rates: Sequence[Rates]) -> list[dict]:
    """Every figure of one policy run against its twin: one row per rate set and tax mode."""
    years = result.years
    initial = result.config.initial_value
    during = [r for r in result.realized if r.kind != "liquidation"]
    harvested = -sum(r.gain for r in during if r.gain < 0)
    log_diff = np.diff(np.log(result.values)) - np.diff(np.log(twin.values))
    common = {
        "harvested_losses_per_year": harvested / initial / years,
        "harvests_per_year": result.harvests / years,
        "trades_per_year": result.trades / years,
        "turnover": sum(r.proceeds for r in during) / years / float(np.mean(result.values)),
        "tracking_error": float(np.std(log_diff) * np.sqrt(252.0)) if len(log_diff) else 0.0,
        "wash_sales": result.wash_sales,
        "blocked": result.blocked,
        "years": years,
    }
    rows = []
    for rate in rates:
        for mode in MODES:
            alpha = Alpha.of(result, twin, rate, mode)
            rows.append(
                {
                    "rates": rate.label,
                    "mode": mode,
                    "tax_alpha": alpha.tax_alpha,
                    "pre_tax": alpha.pre_tax,
                    "tax_part": alpha.tax_part,
                    "after_tax_return": after_tax(result, rate, mode).annualized,
                    **common,
                }
            )
    return rows


# --- the grid, in parallel over cohorts -------------------------------------------------------------

_STATE: dict = {}


def _probability() -> Callable | None:
    model = _STATE.get("model")
    return model.probability_of_recovery if model is not None else None


def run_cohort(year: int) -> list[dict]:
    market: Market = _STATE["market"]
    grid: Grid = _STATE["grid"]
    start = cohort_start(market, year)
    rows: list[dict] = []
    twin = simulate(market, start, make_policy("twin", grid.config), grid.config)
    for replacement in grid.replacements:
        for switch_back in grid.switch_backs:
            config = Config(**{**asdict(grid.config), "replacement": replacement, "switch_back": switch_back})
            for name in grid.policies:
                result = (
                    twin
                    if name == "twin"
                    else simulate(market, start, make_policy(name, config, _probability()), config)
                )
                for row in run_figures(result, twin, grid.rates):
                    rows.append(
                        {"cohort": year, "policy": name, "replacement": replacement, "switch_back": switch_back, **row}
                    )
    return rows


def run_grid(grid: Grid, market: Market | None = None, processes: int | None = None) -> dict:
    """Run every cohort of ``grid`` and return all figures (``cohorts`` rows, ``summary`` rows, notes)."""
    if market is None:
        stocks, index = load_market()
        market = Market.from_frames(stocks, index, grid.config.dividend_yield)
    model = None
    if "model" in grid.policies:
        model = WalkForwardModel(market, first_year=min(grid.cohorts))
    _STATE.update(market=market, grid=grid, model=model)
    processes = processes or min(os.cpu_count() or 1, len(grid.cohorts), 4)
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            per_cohort = pool.map(run_cohort, grid.cohorts)
    else:
        per_cohort = [run_cohort(year) for year in grid.cohorts]
    rows = [row for block in per_cohort for row in block]
    notes = {
        "settings": {
            **asdict(grid.config),
            "cohorts": grid.cohorts,
            "policies": grid.policies,
            "replacements": grid.replacements,
            "switch_backs": grid.switch_backs,
            "rates": [rate.label for rate in grid.rates],
            "headline": {"replacement": grid.headline[0], "switch_back": grid.headline[1], "mode": "ample"},
            "data": f"{market.dates[0]}..{market.dates[-1]}",
        },
        "tuning": (__doc__ or "").split("What tuned what (walk-forward): ")[1].strip(),
    }
    if model is not None:
        notes["model"] = {
            "out_of_sample_auc": model.out_of_sample_auc(),
            "fitted": {str(y): {"trained_through": str(d), "rows": n} for y, (d, n) in model.fitted_years.items()},
        }
    return {"notes": notes, "summary": summarize(rows), "cohorts": rows}


def summarize(rows: list[dict]) -> list[dict]:
    """Average every figure over cohorts per (policy, replacement, switch-back, rates, mode); the worst cohort."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(
            (row["policy"], row["replacement"], row["switch_back"], row["rates"], row["mode"]), []
        ).append(row)
    summary = []
    for (policy, replacement, switch_back, rates, mode), items in groups.items():
        worst = min(items, key=lambda r: r["tax_alpha"])
        summary.append(
            {
                "policy": policy,
                "replacement": replacement,
                "switch_back": switch_back,
                "rates": rates,
                "mode": mode,
                "cohorts": len(items),
                **{metric: float(np.mean([r[metric] for r in items])) for metric in METRICS},
                "worst_cohort": worst["cohort"],
                "worst_tax_alpha": worst["tax_alpha"],
                "wash_sales": sum(r["wash_sales"] for r in items),
            }
        )
    return summary


# --- output ---------------------------------------------------------------------------------------


def _pct(value: float, digits: int = 2) -> str:
    return f"{value * 100:+.{digits}f}%"


def terminal_tables(figures: dict) -> str:
    notes, summary, rows = figures["notes"], figures["summary"], figures["cohorts"]
    settings = notes["settings"]
    replacement, switch_back = settings["headline"]["replacement"], settings["headline"]["switch_back"]
    rates = settings["rates"]
    policies = list(settings["policies"])
    find = {(s["policy"], s["replacement"], s["switch_back"], s["rates"], s["mode"]): s for s in summary}
    lines = [
        f"Tax-loss harvesting backtest: {len(settings['cohorts'])} cohort(s) {settings['cohorts'][0]}-"
        f"{settings['cohorts'][-1]}, held to {settings['data'].split('..')[1]}; $"
        f"{settings['initial_value']:,.0f} equal-weight in 20 stocks; threshold {settings['threshold']:.0%}, "
        f"half-spread {settings['half_spread_bps']:g} bp, index yield {settings['dividend_yield']:.1%}.",
        f"Headline: replacement={replacement}, switch-back={switch_back}; tax alpha = annualized after-tax "
        "return minus the twin's, averaged over cohorts (pre-tax part = alpha at 0% rates; tax part = the rest).",
        "",
    ]
    header = f"{'policy':<10}" + "".join(f"{'alpha ' + r:>17}{'pre-tax':>9}{'tax':>8}{'standalone':>11}" for r in rates)
    header += f"{'harv/yr':>9}{'trades/yr':>10}{'turnover':>9}{'TE':>7}{'worst cohort':>20}"
    lines += [header, "-" * len(header)]
    for policy in policies:
        line = f"{policy:<10}"
        for rate in rates:
            a = find[(policy, replacement, switch_back, rate, "ample")]
            s = find[(policy, replacement, switch_back, rate, "standalone")]
            line += f"{_pct(a['tax_alpha']):>17}{_pct(a['pre_tax']):>9}{_pct(a['tax_part']):>8}"
            line += f"{_pct(s['tax_alpha']):>11}"
        a = find[(policy, replacement, switch_back, rates[0], "ample")]
        line += f"{_pct(a['harvested_losses_per_year'], 1):>9}{a['trades_per_year']:>10.1f}"
        line += f"{a['turnover'] * 100:>8.1f}%{a['tracking_error'] * 100:>6.1f}%"
        line += f"{a['worst_cohort']:>12} {_pct(a['worst_tax_alpha']):>7}"
        lines.append(line)
    lines += ["", f"Tax alpha by replacement x switch-back ({rates[0]}, ample; pre-tax part in brackets):"]
    combos = sorted({(s["replacement"], s["switch_back"]) for s in summary}, key=lambda c: (c[0], c[1]))
    header = f"{'replacement/switch-back':<25}" + "".join(f"{p:>19}" for p in policies if p != "twin")
    lines += [header, "-" * len(header)]
    for combo in combos:
        line = f"{combo[0] + '/' + combo[1]:<25}"
        for policy in policies:
            if policy == "twin":
                continue
            a = find[(policy, *combo, rates[0], "ample")]
            line += f"{_pct(a['tax_alpha']):>10} ({_pct(a['pre_tax']):>6})"
        lines.append(line)
    lines += ["", f"Tax alpha per cohort ({rates[0]}, ample, {replacement}/{switch_back}):"]
    header = f"{'cohort':<8}" + "".join(f"{p:>11}" for p in policies)
    lines += [header, "-" * len(header)]
    for year in settings["cohorts"]:
        line = f"{year:<8}"
        for policy in policies:
            match = [
                r
                for r in rows
                if r["cohort"] == year
                and r["policy"] == policy
                and r["replacement"] == replacement
                and r["switch_back"] == switch_back
                and r["rates"] == rates[0]
                and r["mode"] == "ample"
            ]
            line += f"{_pct(match[0]['tax_alpha']):>11}"
        lines.append(line)
    wash = sum(s["wash_sales"] for s in summary if s["mode"] == "ample" and s["rates"] == rates[0])
    lines += ["", f"Wash-sale violations found by the ledger engine in all simulated trades: {wash}"]
    if "model" in notes:
        lines.append(f"Model: out-of-sample AUC {notes['model']['out_of_sample_auc']:.3f} (refitted each January).")
    lines.append("Tuning: " + " ".join(notes["tuning"].split()))
    return "\n".join(lines)


def write_outputs(figures: dict, out: Path) -> list[Path]:
    """Write the CSVs, the JSON and (if matplotlib is installed) the PNG; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("cohorts", "summary"):
        path = out / f"backtest_{name}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(figures[name][0]))
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
    """Grouped bars: tax alpha by cohort and policy (headline replacement/switch-back, ample mode)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    settings = figures["notes"]["settings"]
    replacement, switch_back = settings["headline"]["replacement"], settings["headline"]["switch_back"]
    policies = [p for p in settings["policies"] if p != "twin"]
    cohorts = settings["cohorts"]
    rates = settings["rates"]
    fig, axes = plt.subplots(len(rates), 1, figsize=(max(8, len(cohorts) * 0.6), 3.5 * len(rates)), squeeze=False)
    width = 0.8 / max(len(policies), 1)
    for ax, rate in zip(axes[:, 0], rates, strict=True):
        for k, policy in enumerate(policies):
            values = {
                r["cohort"]: r["tax_alpha"] * 100
                for r in figures["cohorts"]
                if r["policy"] == policy
                and r["replacement"] == replacement
                and r["switch_back"] == switch_back
                and r["rates"] == rate
                and r["mode"] == "ample"
            }
            xs = np.arange(len(cohorts)) + (k - (len(policies) - 1) / 2) * width
            ax.bar(xs, [values[c] for c in cohorts], width, label=policy)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(np.arange(len(cohorts)), [str(c) for c in cohorts], rotation=45)
        ax.set_ylabel("tax alpha (%/yr)")
        ax.set_title(f"Tax alpha by cohort: rates {rate}, ample gains, replacement {replacement}, {switch_back}")
        ax.legend(ncol=len(policies), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
