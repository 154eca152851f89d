"""Walk-forward tax-loss-harvesting backtest on the bundled daily history (pure Python, no Django).

``data`` loads the prices, ``simulate`` runs one cohort under one policy, ``taxes`` turns its
realized gains into after-tax wealth, ``report`` aggregates cohorts into tables, CSV/JSON and a chart.
"""
