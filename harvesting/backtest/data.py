"""Load the bundled market history (``data/market/``) into pandas.

``sp500_dataset.csv.gz``: daily adjusted closes (splits and dividends, i.e. total-return series) of
20 large US stocks; ``sp500_index.csv.gz``: the S&P 500 price index (no dividends). Both 1990-01-02
to 2022-12-28, from skfolio's bundled datasets (see ``data/market/PROVENANCE.md``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

MARKET_DIR = Path(__file__).resolve().parents[2] / "data" / "market"
INDEX = "SP500"


def load_stocks(directory: Path = MARKET_DIR) -> pd.DataFrame:
    """Adjusted closes, one column per stock, indexed by trading date."""
    return pd.read_csv(directory / "sp500_dataset.csv.gz", parse_dates=["Date"], index_col="Date").astype(float)


def load_index(directory: Path = MARKET_DIR) -> pd.Series:
    """The S&P 500 price index (without dividends), indexed by trading date."""
    return pd.read_csv(directory / "sp500_index.csv.gz", parse_dates=["Date"], index_col="Date")[INDEX].astype(float)


def index_fund_proxy(index: pd.Series, dividend_yield: float) -> pd.Series:
    """The price index with a stated dividend yield accrued daily (calendar days), as a total-return fund."""
    days = (index.index - index.index[0]).days.to_numpy(dtype=float)
    return index * np.power(1.0 + dividend_yield, days / 365.25)


def load_market(directory: Path = MARKET_DIR) -> tuple[pd.DataFrame, pd.Series]:
    """Stocks and index on their common dates."""
    stocks, index = load_stocks(directory), load_index(directory)
    common = stocks.index.intersection(index.index)
    return stocks.loc[common], index.loc[common]
