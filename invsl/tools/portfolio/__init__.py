"""Portfolio optimisation: where should the stock money go across many SKUs?

:func:`optimize_portfolio` chooses the reorder point of every SKU of a continuous-review
(s, Q) portfolio to maximise an aggregate service level under a budget on the value of
stock, or (inverse mode) to reach an aggregate service target at the least value of stock.

The problem is separable: with a multiplier lambda on the budget each SKU solves its own
small problem ``max_s  w m(s) - lambda K(s)`` (m its service level, w its weight, K the value
of its stock), and one outer bisection on lambda meets the budget. The per-SKU solves are
numba kernels over SKUs, split among threads (``scalar.jit.run_rows``); everything else is a
handful of numpy reductions.
See docs/portfolio.md for the mathematics, the handling of the S-shaped fill rate and the
duality-gap bound.

Modules, from the bottom up: ``objectives`` (the codes of objectives and investments),
``marginal`` (per-SKU scalar functions), ``kernels`` (kernels over SKUs, their arguments
grouped in named tuples), ``table`` (the pandas table read into checked arrays: the only
module reading pandas), ``prepared`` (the portfolio read and fitted once), ``search`` (the
outer search on lambda and the sample hint), ``completion`` (greedy completion, duality
bound, repair), ``output`` (metrics, aggregates and the per-SKU table), ``uniform`` (the
uniform-target safeguard) and ``optimize`` (the public function and its result).
"""

from invsl.tools.portfolio.optimize import PortfolioResult, optimize_portfolio

__all__ = ["PortfolioResult", "optimize_portfolio"]
