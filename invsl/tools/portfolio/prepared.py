"""A portfolio read, validated and fitted once: the arrays every solve of it reuses."""

from __future__ import annotations

import math

import numpy as np

from invsl.engine.arguments import check_arguments, check_name
from invsl.engine.reader import InputError, check_frame
from invsl.kernels import batch
from invsl.scalar.jit import readonly
from invsl.tools.portfolio.kernels import (
    Fitted,
    PassOutputs,
    PassState,
    SkuInputs,
    Skus,
    fit_skus,
    lagrangian_pass,
)
from invsl.tools.portfolio.table import read_table, row_messages
from invsl.vocabulary import (
    INVESTMENT_SPELLINGS,
    METRIC_BETA,
    METRIC_GAMMA,
    OBJECTIVE_BACKORDER_VALUE,
    OBJECTIVE_GAMMA,
    OBJECTIVE_SPELLINGS,
    OK,
    normalise_name,
)


def _goal_codes(objective, investment):
    """The codes of the objective and investment names (a bad name raises InputError with
    the vocabulary's message)."""
    check_name("objective", objective)
    check_name("investment", investment)
    return (
        OBJECTIVE_SPELLINGS[normalise_name(objective)],
        INVESTMENT_SPELLINGS[normalise_name(investment)],
    )


class PreparedPortfolio:
    """Validated, fitted arrays of a portfolio, reusable for several budgets or targets."""

    def __init__(
        self,
        df,
        *,
        objective,
        investment,
        unit_cost,
        floor,
        ceiling,
        weight,
        min_reorder_point,
        distribution,
        lead_time_std,
        columns,
    ):
        check_frame(df)
        self.obj, self.inv = _goal_codes(objective, investment)
        check_arguments(distribution=distribution, lead_time_std=lead_time_std)
        self.objective = ("fill_rate", "gamma", "backorder_value")[self.obj]
        self.investment = ("safety_stock", "on_hand")[self.inv]
        # floors and ceilings bound the fill rate, or gamma when gamma is the objective
        self.service = METRIC_GAMMA if self.obj == OBJECTIVE_GAMMA else METRIC_BETA
        self.df = df
        table = read_table(
            df,
            unit_cost=unit_cost,
            floor=floor,
            ceiling=ceiling,
            weight=weight,
            distribution=distribution,
            lead_time_std=lead_time_std,
            columns=columns,
        )
        self.n = table.n
        status = table.status
        self.numbers = table.numbers
        self.dcodes = table.dcodes
        self.unit_cost = np.where(status == OK, table.unit_cost, 1.0)
        self.floor = np.where(status == OK, table.floor, 0.0)
        self.ceiling = np.where(status == OK, table.ceiling, 1.0)
        # kernel inputs read-only whatever their source: one compiled specialisation
        self.q = readonly(self.numbers["order_quantity"])

        min_s = -math.inf if min_reorder_point is None else float(min_reorder_point)
        if math.isnan(min_s):
            raise InputError("min_reorder_point must be a number or None")
        self.min_reorder_point = min_s
        self._fit(status)
        self._weigh(table.weight)
        self.c = self.unit_cost
        # messages: the frame's texts, the portfolio's own, and a note that the row is out
        self.message = row_messages(table)
        self.rows_excluded = int((status != OK).sum())

    def _fit(self, status):
        """Fit every SKU (``status`` updated in place): kind, par, bounds, cache, active."""
        n = self.n
        numbers = self.numbers
        kind = np.full(n, -1, dtype=np.int8)
        par = np.full((5, n), np.nan)
        bounds = np.full((6, n), np.nan)
        inputs = SkuInputs(
            distribution=readonly(self.dcodes),
            demand_mean=readonly(numbers["demand_mean"]),
            demand_std=readonly(numbers["demand_std"]),
            lead_time=readonly(numbers["lead_time"]),
            lead_time_std=readonly(numbers["lead_time_std"]),
            order_quantity=self.q,
            floor=readonly(self.floor),
            ceiling=readonly(self.ceiling),
        )
        fitted = Fitted(status=status, kind=kind, par=par, bounds=bounds)
        fit_skus(self.obj, self.inv, self.service, inputs, self.min_reorder_point, fitted)
        self.status = status
        self.cache = np.empty((5, n))
        self.cache[0] = math.inf
        self.cache[1] = -math.inf
        self.kind = kind
        self.par = par
        self.bounds = bounds
        self.active = status == OK

    def _weigh(self, weight):
        """Weights: demand (or the weight column) normalised over the SKUs in the portfolio;
        the unit cost for the value of backorders."""
        self.custom_weight = False
        if self.obj == OBJECTIVE_BACKORDER_VALUE:
            w = self.unit_cost.copy()
        else:
            w = self.numbers["demand_mean"] if weight is None else weight
            self.custom_weight = weight is not None
            w = np.where(self.active, w, 0.0)
            total = w.sum()
            w = w / total if total > 0 else w
        self.w = np.where(self.active, w, 0.0)

    # -- one pass over the SKUs at a multiplier
    def solve_at(self, lam, warm):
        """Each SKU's best reorder point at multiplier lam: (s, score, cost, d cost/d log lam)."""
        n = self.n
        s = np.full(n, np.nan)
        score = np.zeros(n)
        cost = np.zeros(n)
        dcost = np.zeros(n)
        skus = Skus(
            active=self.active,
            kind=self.kind,
            par=self.par,
            q=self.q,
            w=self.w,
            c=self.c,
            bounds=self.bounds,
        )
        state = PassState(warm=warm, cache=self.cache)
        out = PassOutputs(s=s, score=score, cost=cost, dcost=dcost)
        lagrangian_pass(self.obj, self.inv, lam, skus, state, out)
        return s, score, cost, float(dcost.sum())

    def uniform(self, target):
        """Reorder points of a uniform service target (clipped to each SKU's floor/ceiling)."""
        n = self.n
        t = np.clip(np.full(n, float(target)), self.floor, self.ceiling)
        t = np.where(self.ceiling >= 1.0, np.minimum(t, np.nextafter(1.0, 0.0)), t)
        status = np.where(self.active, OK, 1).astype(np.uint8)
        n_ = self.numbers
        out, kind = batch.sq(
            True,
            self.dcodes,
            np.full(n, self.service, np.int8),
            t,
            n_["demand_mean"],
            n_["demand_std"],
            n_["lead_time"],
            n_["lead_time_std"],
            self.q,
            np.full(n, np.nan),
            status,
        )
        s = np.where(self.active, out[0], np.nan)
        failed = self.active & (status != OK)
        return s, failed
