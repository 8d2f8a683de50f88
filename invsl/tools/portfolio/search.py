"""Outer search on the budget's multiplier lambda (bracketing, then secant / Newton steps on
log lambda), and its starting point from a sample of a large portfolio."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from invsl.tools.portfolio.prepared import PreparedPortfolio
from invsl.vocabulary import DEMAND_NEGBIN, DEMAND_POINT_INT, DEMAND_POISSON

#: outer bisection: stop when lambda_big / lambda_small - 1 falls below this
_LAMBDA_REL_TOL = 1e-11
_MAX_OUTER = 200
#: outer search: also stop when the unused budget (or the excess over the target) falls
#: below this share of the portfolio's total
SLACK_REL_TOL = 1e-10
#: ... or when all but one SKU's step between the two bracketing solutions is below this
#: share (the greedy completion then handles the rest)
_JUMP_REL_TOL = 1e-5
#: ... or when the rest is below this share of the largest single jump
REST_OF_JUMP = 1.0
#: ... or when the steps between them all have the same ratio to this relative precision
_TIE_REL_TOL = 1e-9


def _lambda_scale(prep):
    rho = prep.bounds[3] * prep.w / prep.c
    finite = prep.active & np.isfinite(rho) & (rho > 0)
    if finite.any():
        return float(rho[finite].max()) * (1.0 + 1e-12)
    return 1.0


class _Search:
    """One outer search: the constraint (a budget, or a target in the inverse mode), the warm
    starts of the per-SKU roots and the count of passes over the SKUs."""

    def __init__(self, prep: PreparedPortfolio, budget, target):
        self.prep = prep
        self.budget = budget
        self.target = target
        self.budget_mode = budget is not None
        self.active = prep.active
        self.warm = np.where(prep.active, prep.bounds[2], np.nan)
        self.passes = 0
        self.scale = abs(budget) if self.budget_mode else abs(target)
        # aim at half the stopping tolerance inside the feasible side, so that a step
        # landing on the root stops the search instead of overshooting by a rounding
        self.aim = 0.5 * SLACK_REL_TOL * self.scale

    def run(self, lam):
        """One pass over the SKUs at multiplier ``lam``: the plan as a dict."""
        self.passes += 1
        s, score, cost, dcost = self.prep.solve_at(lam, self.warm)
        return dict(
            lam=lam,
            s=s,
            score=score,
            cost=cost,
            total_score=float(score.sum()),
            total_cost=float(cost.sum()),
            dcost=dcost,
        )

    def feasible(self, sol):
        if self.budget_mode:
            return sol["total_cost"] <= self.budget
        return sol["total_score"] >= self.target

    def slack(self, sol):
        if self.budget_mode:
            return self.budget - sol["total_cost"]  # >= 0 on the big side
        return sol["total_score"] - self.target  # >= 0 on the small side

    def predict(self, last, prev):
        """log(lambda) where the slack reaches ``aim``: secant through the last two passes
        (it sees the jumps, which Newton does not), else Newton with the continuous SKUs'
        slope; NaN when neither is available."""
        slack, aim = self.slack, self.aim
        xl = math.log(last["lam"])
        if prev is not None and slack(prev) != slack(last):
            xp = math.log(prev["lam"])
            return xl - (slack(last) - aim) * (xl - xp) / (slack(last) - slack(prev))
        slope = -last["dcost"] if self.budget_mode else last["lam"] * last["dcost"]
        if slope != 0.0 and math.isfinite(slope):
            return xl - (slack(last) - aim) / slope
        return math.nan


def _floor_plan(prep: PreparedPortfolio) -> dict[str, Any]:
    """The plan with every SKU at its floor s_lo (multiplier +inf): the least stock."""
    active = prep.active
    lo_s = np.where(active, prep.bounds[0], np.nan)
    base_score, base_cost = prep.w * prep.bounds[4], prep.c * prep.bounds[5]
    base: dict[str, Any] = dict(
        lam=math.inf,
        s=lo_s,
        score=np.where(active, base_score, 0.0),
        cost=np.where(active, base_cost, 0.0),
    )
    base["total_score"] = float(base["score"].sum())
    base["total_cost"] = float(base["cost"].sum())
    return base


def _settled_at_floor(search, base, info):
    """True (and ``info`` says why) when the floor plan is the answer: no SKU to optimise,
    a budget below the floors' investment, or floors that reach the target."""
    if not search.active.any():
        info.update(feasible=False, message="no SKU can be optimised (every row is flagged)")
        return True
    budget, target = search.budget, search.target
    # a plan with every SKU at its floor: the least stock the portfolio can hold
    if search.budget_mode and base["total_cost"] > budget:
        info.update(
            feasible=False,
            message=(
                f"the budget {budget:.6g} is below the least investment {base['total_cost']:.6g} "
                "(every SKU at its floor); every SKU is left at its floor"
            ),
        )
        return True
    if not search.budget_mode and base["total_score"] >= target:
        info.update(binding=False, message="the floors alone reach the target")
        return True
    return False


def _expand(search, lam0):
    """Passes at growing or shrinking multipliers until two bracket the constraint.

    Returns ``(big, small, last, prev)``: the plans at the bracketing multipliers (big
    lambda: less stock; small lambda: more stock; None if not found) and the last two plans.
    """
    budget_mode, feasible = search.budget_mode, search.feasible
    lam = _lambda_scale(search.prep) if lam0 is None else lam0
    first = search.run(lam)
    big = small = None  # big lambda: less stock; small lambda: more stock
    if budget_mode == feasible(first):
        big = first
    else:
        small = first
    # expand by factors of 1000, or, from a hint, by Newton / secant steps past the
    # predicted root (falling back to factors growing from 1.05, squared each time), so
    # that the first passes stay near the answer
    factor = 1e3 if lam0 is None else 1.05
    # Newton sees only the continuous SKUs' slope, not the jumps, and overshoots: its
    # steps are capped at a factor 1.5 at first, the cap squared after each pass
    cap = math.log(1.5)
    last, prev = first, None
    for _ in range(200):
        if big is not None and small is not None:
            break
        up = big is None  # every pass so far on the side of too small a multiplier
        step = math.nan
        if lam0 is not None:
            d = search.predict(last, prev) - math.log(last["lam"])
            if math.isfinite(d) and (d > 0.0) == up and d != 0.0:
                # overshoot by a quarter (and by at least 0.1 %) to land past the root
                step = min(max(1.25 * abs(d), 1e-3), cap)
                cap = min(2.0 * cap, math.log(1e3))
        if math.isfinite(step):
            lam = last["lam"] * math.exp(step if up else -step)
        elif up:
            lam = last["lam"] * factor
            factor = min(factor * factor, 1e3)
        else:
            lam = last["lam"] / factor
            factor = min(factor * factor, 1e3)
        if lam < 1e-280 or not math.isfinite(lam):
            break
        sol = search.run(lam)
        prev, last = last, sol
        if budget_mode == feasible(sol):
            big = sol
        else:
            small = sol
    return big, small, last, prev


def _unbracketed(search, big, base, info):
    """The plan to return when no two multipliers bracket the constraint (``info`` says
    why): the floors, or every SKU at its ceiling."""
    if big is None:  # budget mode only: every lambda over budget (cannot happen after base)
        info.update(feasible=False, message="no multiplier meets the budget")
        return base
    # even the smallest multiplier: the ceilings bind everywhere
    if search.budget_mode:
        info.update(
            binding=False, message=("the budget is not binding: every SKU is at its ceiling")
        )
        return big
    info.update(
        feasible=False,
        message=(
            f"the target {search.target:.6g} is out of reach: with every SKU at its ceiling the "
            f"aggregate is {big['total_score']:.6g}"
        ),
    )
    return big


def _bracket_settled(search, big, small, integer, s_floor):
    """Whether the outer search can stop, and whether only tied leaps are left.

    Returns ``(stop, tied_leaps)``.
    """
    if big["lam"] / small["lam"] - 1.0 <= _LAMBDA_REL_TOL:
        return True, False
    done = big if search.budget_mode else small
    if 0.0 <= search.slack(done) <= SLACK_REL_TOL * search.scale:
        return True, False
    # one SKU's jump (integer step or the leap over the convex stretch of beta) left
    # between the two solutions: no multiplier can split it, the greedy step takes over
    if search.budget_mode:
        d = small["cost"] - big["cost"]
    else:
        d = small["score"] - big["score"]
    # a jump: an integer step, or a leap between s_lo and the concave branch
    jump = integer | ((big["s"] == s_floor) != (small["s"] == s_floor))
    rest = float(d[~jump].sum())
    largest = 0.0
    if jump.any():
        largest = float(d[jump].max())
        rest += float(d[jump].sum()) - largest
    if rest <= _JUMP_REL_TOL * search.scale:
        return True, False
    # ... or the rest is small beside the jump (the gap bound is of the order of one
    # SKU's step anyway, which the greedy completion settles)
    if rest <= REST_OF_JUMP * largest:
        return True, False
    # only tied jumps left (SKUs whose steps have the same benefit per unit of money,
    # e.g. identical SKUs): no multiplier separates them, the greedy step takes over.
    # (Continuous SKUs are left out: their chords all have nearly the same ratio.)
    # Only when every tied SKU moves by one integer step is the tie settled. Tied SKUs
    # that move several steps, or continuous SKUs that leap from their floor together,
    # land where the multiplier says: the bracket must close on the tie first, by
    # bisection (the slack is a step there, which the secant cannot use).
    moved = search.active & (small["s"] != big["s"])  # (inactive SKUs hold NaN)
    tied_leaps = False
    if moved.any() and jump[moved].all():
        dc = small["cost"][moved] - big["cost"][moved]
        ds = small["score"][moved] - big["score"][moved]
        if (dc > 0).all():
            ratio = ds / dc
            if ratio.max() <= ratio.min() * (1.0 + _TIE_REL_TOL):
                one_step = small["s"][moved] - big["s"][moved] == 1.0
                if integer[moved].all() and one_step.all():
                    return True, False
                tied_leaps = True
    return False, tied_leaps


def _next_log_lambda(search, big, small, last, prev, f_big, f_small, widths, tied_leaps):
    """log(lambda) of the next pass inside the bracket: the prediction (stepping past it
    when the last two passes landed on the same side), else Illinois, else bisection.
    ``widths`` holds the bracket widths since the last forced bisection (updated)."""
    a, b = math.log(small["lam"]), math.log(big["lam"])
    width = b - a
    x = search.predict(last, prev)
    feasible = search.feasible
    overshoot = math.isfinite(x) and prev is not None and feasible(prev) == feasible(last)
    if overshoot:
        # approaching from one side: step as far past the prediction again
        x += x - math.log(last["lam"])
    if not (a < x < b):
        x = math.nan
        if f_big != f_small:
            x = b - f_big * (b - a) / (f_big - f_small)
        if not (a + 0.01 * width < x < b - 0.01 * width):
            x = 0.5 * (a + b)
    widths.append(width)
    if tied_leaps:
        x = 0.5 * (a + b)
    elif len(widths) >= 4 and width > 0.5 * widths[-4] and not overshoot:
        # the last three steps did not halve the bracket: bisect, and give the
        # secant three more steps from there
        x = 0.5 * (a + b)
        widths.clear()
    return x


def _narrow(search: _Search, big, small, last, prev):
    """Close the bracket [small, big] on the constraint; returns the final (big, small).

    Secant / Newton steps on log(lambda) against the constraint's slack, stepping past
    the root when two passes in a row landed on the same side (so that the bracket
    closes from both sides), with Illinois and bisection as safeguards; the slack is
    nearly smooth for large portfolios.
    """
    prep = search.prep
    search.scale += float(np.abs(big["cost"] if search.budget_mode else big["score"]).sum())
    search.aim = 0.5 * SLACK_REL_TOL * search.scale
    f_big, f_small = search.slack(big), search.slack(small)
    side = 0
    # the first step: a secant through the last two passes of the expansion
    sol = last
    widths: list[float] = []
    integer = np.isin(prep.kind, (DEMAND_POISSON, DEMAND_NEGBIN, DEMAND_POINT_INT))
    s_floor = prep.bounds[0]
    for _ in range(_MAX_OUTER):
        stop, tied_leaps = _bracket_settled(search, big, small, integer, s_floor)
        if stop:
            break
        x = _next_log_lambda(search, big, small, sol, prev, f_big, f_small, widths, tied_leaps)
        prev = sol
        sol = search.run(math.exp(x))
        value = search.slack(sol)
        if search.budget_mode == search.feasible(sol):
            big, f_big = sol, value
            if side == 1:
                f_small *= 0.5
            side = 1
        else:
            small, f_small = sol, value
            if side == -1:
                f_big *= 0.5
            side = -1
    return big, small


def search_multiplier(prep: PreparedPortfolio, budget=None, target=None, lam0=None):
    """Outer search on the multiplier lambda of the budget (or of the target).

    Returns ``(big, small, run, info, passes)``: the plans (dicts) at the two multipliers
    that bracket the constraint (``small`` None when the search ended before bracketing,
    ``big`` then being the plan to use), the function running one more pass, the dict
    ``info`` (feasible, binding, message) and the number of passes. ``lam0``: a start.
    """
    search = _Search(prep, budget, target)
    info = {"feasible": True, "binding": True, "message": ""}
    base = _floor_plan(prep)
    if _settled_at_floor(search, base, info):
        return base, None, None, info, search.passes
    big, small, last, prev = _expand(search, lam0)
    if big is None or small is None:
        return _unbracketed(search, big, base, info), None, None, info, search.passes
    big, small = _narrow(search, big, small, last, prev)
    return big, small, search.run, info, search.passes


#: portfolios above this size start the outer search from a multiplier solved on a sample
HINT_ABOVE = 100_000
#: ... of this many SKUs
HINT_SAMPLE = 20_000


def sample_hint(prep, budget, target):
    """Multiplier of the same problem on a seeded sample of SKUs (a starting point only).

    The sample keeps the weights and costs; its budget (or target) is the sample's floor
    total plus its share of what the full problem has above its floor.
    """
    idx = np.flatnonzero(prep.active)
    if idx.size <= HINT_ABOVE:
        return None
    idx = np.sort(np.random.default_rng(0).choice(idx, HINT_SAMPLE, replace=False))
    share = HINT_SAMPLE / np.count_nonzero(prep.active)
    sub = copy.copy(prep)
    sub.n = idx.size
    sub.active = np.ones(idx.size, dtype=bool)
    sub.kind = prep.kind[idx]
    sub.par = prep.par[:, idx].copy()
    sub.q = prep.q[idx]
    sub.w = prep.w[idx]
    sub.c = prep.c[idx]
    sub.bounds = prep.bounds[:, idx].copy()
    sub.cache = prep.cache[:, idx].copy()
    if budget is not None:
        floor_full = float((prep.c * prep.bounds[5])[prep.active].sum())
        floor_sub = float((sub.c * sub.bounds[5]).sum())
        sub_budget, sub_target = floor_sub + (budget - floor_full) * share, None
    else:
        floor_full = float((prep.w * prep.bounds[4])[prep.active].sum())
        floor_sub = float((sub.w * sub.bounds[4]).sum())
        sub_budget, sub_target = None, floor_sub + (target - floor_full) * share
    big, small, _, info, passes = search_multiplier(sub, sub_budget, sub_target)
    if small is None or not math.isfinite(big["lam"]):
        return None, passes
    return math.sqrt(big["lam"] * small["lam"]), passes
