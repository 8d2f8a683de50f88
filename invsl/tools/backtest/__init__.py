"""Backtests on a planner's own demand history (issue 13).

- ``replay``: the trace-driven replay of recorded demand through a sequence of plans, every
  SKU in parallel (docs/service-levels.md, "Backtest on a real history").
"""
