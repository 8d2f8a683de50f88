"""Portfolio optimisation: where should the stock money go across many SKUs?

:func:`optimize_portfolio` chooses the reorder point of every SKU of a continuous-review
(s, Q) portfolio to maximise an aggregate service level under a budget on the value of
stock, or (inverse mode) to reach an aggregate service target at the least value of stock.
See docs/portfolio.md for the mathematics.
"""

from invsl.tools.portfolio.optimize import PortfolioResult, optimize_portfolio

__all__ = ["PortfolioResult", "optimize_portfolio"]
