"""A portfolio read, validated and fitted once: the arrays every solve of it reuses."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from invsl.api import frame
from invsl.engine.validate import distribution_codes, unsupported_rows, validate
from invsl.kernels import batch
from invsl.kernels import metrics
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
from invsl.tools.portfolio.objectives import BACKORDER_VALUE, GAMMA, INVESTMENTS, OBJECTIVES
from invsl.vocabulary import (
    BAD_TARGET,
    MISSING,
    NEGATIVE,
    NOT_A_NUMBER,
    NOT_FINITE,
    OK,
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
        if not isinstance(df, pd.DataFrame):
            raise frame.InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
        obj_name = str(objective).strip().lower()
        if obj_name not in OBJECTIVES:
            raise frame.InputError(
                f"objective must be one of {sorted(set(OBJECTIVES))}, not {objective!r}"
            )
        inv_name = str(investment).strip().lower()
        if inv_name not in INVESTMENTS:
            raise frame.InputError(
                f"investment must be 'safety_stock' or 'on_hand', not {investment!r}"
            )
        self.obj = OBJECTIVES[obj_name]
        self.inv = INVESTMENTS[inv_name]
        self.objective = ("fill_rate", "gamma", "backorder_value")[self.obj]
        self.investment = ("safety_stock", "on_hand")[self.inv]
        # floors and ceilings bound the fill rate, or gamma when gamma is the objective
        self.service = metrics.GAMMA if self.obj == GAMMA else metrics.BETA
        self.df = df
        required = [n for n, (_, op, _) in frame.INPUT_COLUMNS.items() if op]
        found = frame._resolve_columns(df, columns, required)
        n = len(df)
        self.n = n
        raw = {name: df[col] for name, col in found.items()}
        numbers = {}
        text_mask = np.zeros(n, dtype=bool)
        text_field = np.full(n, "", dtype=object)

        def numeric(name, series):
            values, text = frame._numeric(series)
            if text is not None:
                new = text & ~text_mask
                text_field[new] = name
                text_mask[:] |= text
            return values

        for name in ["demand_mean", "demand_std", "lead_time", "lead_time_std", "order_quantity"]:
            if name in raw:
                numbers[name] = numeric(name, raw[name])
            else:
                numbers[name] = np.full(n, float(lead_time_std))
        if "lead_time_std" in raw:
            numbers["lead_time_std"] = np.where(
                np.isnan(numbers["lead_time_std"]), float(lead_time_std), numbers["lead_time_std"]
            )
        extra = {}
        for name, spec, default in (
            ("unit_cost", unit_cost, None),
            ("service_floor", floor, 0.0),
            ("service_ceiling", ceiling, 1.0),
            ("weight", weight, None),
        ):
            if isinstance(spec, str):
                if spec in df.columns:
                    raw[name] = df[spec]
                    values = numeric(name, df[spec])
                    if default is not None:
                        values = np.where(np.isnan(values) & ~text_mask, default, values)
                    extra[name] = values
                elif name == "unit_cost":
                    raise frame.InputError(
                        f"missing column {spec!r} (the value of one unit of stock); add it, "
                        "name another column with unit_cost='your_column', or give one "
                        "number for every SKU, e.g. unit_cost=1.0"
                    )
                elif spec == name:
                    extra[name] = None  # optional column under its default name: absent
                else:
                    raise frame.InputError(f"column {spec!r} (given as {name}) is not in the input")
            elif spec is None:
                extra[name] = None
            else:
                extra[name] = np.broadcast_to(np.asarray(spec, dtype=float), (n,)).copy()
        if extra["service_floor"] is None:
            extra["service_floor"] = np.zeros(n)
        if extra["service_ceiling"] is None:
            extra["service_ceiling"] = np.ones(n)

        dcodes = distribution_codes(
            raw["distribution"] if "distribution" in raw else distribution, default=distribution
        )
        dcodes = np.broadcast_to(dcodes, (n,)).astype(np.int8)
        status, field = validate(
            demand_mean=numbers["demand_mean"],
            demand_std=numbers["demand_std"],
            lead_time=numbers["lead_time"],
            lead_time_std=numbers["lead_time_std"],
            order_quantity=numbers["order_quantity"],
            distribution=dcodes,
        )
        status[text_mask] = NOT_A_NUMBER
        field[text_mask] = text_field[text_mask]
        # the portfolio's own columns
        custom = np.full(n, "", dtype=object)
        # periodic-review and history rows: not computed here (whatever their values)
        unsupported, about, why = unsupported_rows(
            n,
            raw["distribution"] if "distribution" in raw else distribution,
            distribution,
            raw.get("policy"),
            "optimize_portfolio",
        )
        out = unsupported != OK
        status[out] = unsupported[out]
        field[out] = about[out]
        custom[out] = why[out]

        def flag(mask, code, name, text):
            mask = mask & (status == OK)
            status[mask] = code
            field[mask] = name
            custom[mask] = text

        cost = extra["unit_cost"]
        flag(np.isnan(cost), MISSING, "unit_cost", "unit_cost is missing; fill it in")
        flag(np.isinf(cost), NOT_FINITE, "unit_cost", "unit_cost must be a finite number")
        flag(cost <= 0, NEGATIVE, "unit_cost", "unit_cost must be > 0 [currency per unit]")
        lo, hi = extra["service_floor"], extra["service_ceiling"]
        flag(
            ~((lo >= 0) & (lo < 1)), BAD_TARGET, "service_floor", "service_floor must lie in [0, 1)"
        )
        flag(
            ~((hi > 0) & (hi <= 1)),
            BAD_TARGET,
            "service_ceiling",
            "service_ceiling must lie in (0, 1]",
        )
        flag(
            lo > hi,
            BAD_TARGET,
            "service_ceiling",
            "service_ceiling must not be below service_floor",
        )
        if extra["weight"] is not None:
            wt = extra["weight"]
            flag(
                ~np.isfinite(wt) | (wt < 0),
                NEGATIVE,
                "weight",
                "weight must be a finite number >= 0",
            )
        self.numbers = numbers
        self.dcodes = dcodes
        self.unit_cost = np.where(status == OK, cost, 1.0)
        self.floor = np.where(status == OK, lo, 0.0)
        self.ceiling = np.where(status == OK, hi, 1.0)
        # kernel inputs read-only whatever their source: one compiled specialisation
        self.q = readonly(numbers["order_quantity"])

        min_s = -math.inf if min_reorder_point is None else float(min_reorder_point)
        if math.isnan(min_s):
            raise frame.InputError("min_reorder_point must be a number or None")
        self.min_reorder_point = min_s
        kind = np.full(n, -1, dtype=np.int8)
        par = np.full((5, n), np.nan)
        bounds = np.full((6, n), np.nan)
        inputs = SkuInputs(
            distribution=readonly(dcodes),
            demand_mean=readonly(numbers["demand_mean"]),
            demand_std=readonly(numbers["demand_std"]),
            lead_time=readonly(numbers["lead_time"]),
            lead_time_std=readonly(numbers["lead_time_std"]),
            order_quantity=self.q,
            floor=readonly(self.floor),
            ceiling=readonly(self.ceiling),
        )
        fitted = Fitted(status=status, kind=kind, par=par, bounds=bounds)
        fit_skus(self.obj, self.inv, self.service, inputs, min_s, fitted)
        self.status = status
        self.cache = np.empty((5, n))
        self.cache[0] = math.inf
        self.cache[1] = -math.inf
        self.kind = kind
        self.par = par
        self.bounds = bounds
        self.active = status == OK
        # weights: demand (or the weight column) normalised over the SKUs in the portfolio
        self.custom_weight = False
        if self.obj == BACKORDER_VALUE:
            w = self.unit_cost.copy()
        else:
            w = numbers["demand_mean"] if extra["weight"] is None else extra["weight"]
            self.custom_weight = extra["weight"] is not None
            w = np.where(self.active, w, 0.0)
            total = w.sum()
            w = w / total if total > 0 else w
        self.w = np.where(self.active, w, 0.0)
        self.c = self.unit_cost
        # messages: the frame's texts, the portfolio's own, and a note that the row is out
        message = frame._messages(status, field, raw)
        own = custom != ""
        message[own] = custom[own]
        bad = status != OK
        message[bad] = message[bad] + "; excluded from the portfolio (no budget spent on it)"
        self.message = message
        self.rows_excluded = int(bad.sum())

    # -- one pass over the SKUs at a multiplier
    def solve_at(self, lam, warm):
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
