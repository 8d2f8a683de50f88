"""``return_status=True`` of the array functions: why an element is NaN (issue 5).

Each bad input gets the code of the DataFrame layer's ``status`` column (checked against
``invsl.evaluate`` / ``invsl.optimize`` on the same rows, a separate code path) and a message
naming the input and its value; good elements are bit-for-bit the results without
``return_status`` and of the element computed alone; status arrays broadcast like the results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import invsl
from invsl.vocabulary import STATUS

# (what, element inputs that differ from GOOD, expected status name, field in the message)
GOOD = dict(
    reorder_point=120.0,
    order_quantity=200.0,
    demand_mean=100.0,
    demand_std=30.0,
    lead_time=1.0,
    lead_time_std=0.0,
    distribution="normal",
)
EVALUATE_CASES = [
    ("ok", {}, "ok", None),
    ("NaN demand", {"demand_mean": np.nan}, "missing", "demand_mean"),
    ("inf lead time", {"lead_time": np.inf}, "not_finite", "lead_time"),
    ("negative sd", {"demand_std": -1.0}, "negative", "demand_std"),
    ("Q = 0", {"order_quantity": 0.0}, "bad_order_quantity", "order_quantity"),
    ("unknown distribution", {"distribution": "weibull"}, "unknown_distribution", "distribution"),
    ("negbin var <= mean", {"distribution": "negbin", "demand_std": 5.0}, "negbin_variance", None),
    ("poisson fractional s", {"distribution": "poisson", "reorder_point": 99.5}, "not_integer", "reorder_point"),
    ("zero demand", {"demand_mean": 0.0}, "zero_demand", None),
    ("gamma L 0, sd_L > 0", {"distribution": "gamma", "lead_time": 0.0, "lead_time_std": 1.0}, "cannot_fit", None),
    (
        "precision limit",
        {"demand_mean": 1e8, "demand_std": 1e-3, "order_quantity": 1e-4, "reorder_point": 1e8},
        "precision_limit",
        None,
    ),
]  # fmt: skip


def _columns(cases):
    keys = list(GOOD)
    return {k: [dict(GOOD, **c[1])[k] for c in cases] for k in keys}


def test_service_levels_status_per_element():
    cols = _columns(EVALUATE_CASES)
    arrays = {
        k: np.array(v, dtype=object if k == "distribution" else float) for k, v in cols.items()
    }
    levels, status = invsl.service_levels(**arrays, return_status=True)
    names = [c[2] for c in EVALUATE_CASES]
    assert status.name.tolist() == names
    assert status.code.tolist() == [
        next(code for code, (n, _) in STATUS.items() if n == name) for name in names
    ]
    assert status.ok.tolist() == [n == "ok" for n in names]
    # the same rows through the DataFrame layer
    frame = invsl.evaluate(pd.DataFrame(cols))
    assert frame["status"].astype(str).tolist() == names
    assert status.message.tolist() == frame["message"].tolist()
    for (what, cells, name, field), message, beta in zip(
        EVALUATE_CASES, status.message, levels["beta"]
    ):
        if name == "ok":
            assert message == "" and np.isfinite(beta)
            continue
        assert np.isnan(beta), what
        assert message.endswith(STATUS[int(STATUS_CODES[name])][1]), what
        if field is not None:
            assert message.startswith(f"{field} = "), (what, message)


STATUS_CODES = {name: code for code, (name, _) in STATUS.items()}


def test_good_elements_unchanged():
    cols = _columns(EVALUATE_CASES)
    arrays = {
        k: np.array(v, dtype=object if k == "distribution" else float) for k, v in cols.items()
    }
    plain = invsl.service_levels(**arrays)
    levels, status = invsl.service_levels(**arrays, return_status=True)
    for name in plain:
        np.testing.assert_array_equal(levels[name], plain[name])
    alone = invsl.service_levels(**{k: v[0] for k, v in cols.items()})
    assert levels["gamma"][0] == alone["gamma"]
    # single-metric functions
    beta, st = invsl.fill_rate(**arrays, return_status=True)
    np.testing.assert_array_equal(beta, plain["beta"])
    assert st.name.tolist() == status.name.tolist()


def test_reorder_point_status():
    targets = np.array([0.95, 1.5, 0.0, np.nan, 0.9])
    metric = np.array(["beta", "beta", "alpha", "gamma", "delta"], dtype=object)
    s, status = invsl.reorder_point(
        targets, 200.0, 100.0, 30.0, 1.0, metric=metric, return_status=True
    )
    assert status.name.tolist() == ["ok", "bad_target", "bad_target", "missing", "unknown_metric"]
    assert status.message[1] == f"target = 1.5: {STATUS[STATUS_CODES['bad_target']][1]}"
    assert status.message[4].startswith("metric = 'delta': ")
    assert np.isfinite(s[0]) and np.isnan(s[1:]).all()
    assert s[0] == invsl.reorder_point(0.95, 200.0, 100.0, 30.0, 1.0)
    frame = invsl.optimize(
        pd.DataFrame(
            dict(
                demand_mean=100.0,
                demand_std=30.0,
                lead_time=1.0,
                order_quantity=200.0,
                target=targets[[0, 1, 2, 4]],
                metric=metric[[0, 1, 2, 4]],
            )
        )
    )
    assert frame["status"].astype(str).tolist() == status.name[[0, 1, 2, 4]].tolist()


def test_broadcasting_and_scalars():
    targets = np.array([[0.9], [1.2]])  # (2, 1)
    q = np.array([100.0, -1.0, 300.0])  # (3,)
    s, status = invsl.reorder_point(targets, q, 100.0, 30.0, 1.0, return_status=True)
    assert s.shape == status.code.shape == status.name.shape == status.message.shape == (2, 3)
    assert status.name.tolist() == [
        ["ok", "bad_order_quantity", "ok"],
        ["bad_target", "bad_order_quantity", "bad_target"],
    ]
    # an element with two problems reports the first one checked (as the DataFrame layer)
    assert status.code.dtype == np.uint8
    # scalars in, numpy scalars out (as for the results)
    one, st = invsl.fill_rate(120.0, 200.0, 100.0, 30.0, 1.0, return_status=True)
    assert np.ndim(one) == 0 and np.ndim(st.code) == 0
    assert st.name == "ok" and st.message == "" and bool(st.ok)


@pytest.mark.parametrize(
    "kwargs,name,field",
    [
        (dict(policy="RsQ", review_period=1.5, reorder_point=110.0, order_quantity=200.0), "bad_review_period", "review_period"),
        (dict(policy="RsQ", review_period=0, reorder_point=110.0, order_quantity=200.0), "bad_review_period", "review_period"),
        (dict(policy="weekly", reorder_point=110.0, order_quantity=200.0), "unknown_policy", "policy"),
        (dict(policy="RsS", reorder_point=110.0, order_up_to=100.0), "bad_order_up_to", "order_up_to"),
        (dict(policy="RS"), "missing", "order_up_to"),
        (dict(policy="RS", order_up_to=250.0), "ok", None),
    ],
)  # fmt: skip
def test_periodic_service_levels_status(kwargs, name, field):
    levels, status = invsl.periodic_service_levels(
        demand_mean=100.0, demand_std=40.0, lead_time=1.0, return_status=True, **kwargs
    )
    assert status.name == name
    if name == "ok":
        assert status.message == "" and np.isfinite(levels["beta"])
        plain = invsl.periodic_service_levels(
            demand_mean=100.0, demand_std=40.0, lead_time=1.0, **kwargs
        )
        assert levels["beta"] == plain["beta"]
    else:
        assert np.isnan(levels["beta"])
        assert status.message.startswith(f"{field} = ")
        assert status.message.endswith(STATUS[STATUS_CODES[name]][1])


def test_periodic_policy_status_broadcasts():
    s, big_s, status = invsl.periodic_policy(
        np.array([0.95, 0.95, 2.0]),
        np.array(["RS", "RsQ", "RsQ"], dtype=object),
        100.0,
        40.0,
        1.0,
        review_period=np.array([1, 1.5, 1]),
        order_quantity=200.0,
        return_status=True,
    )
    assert status.name.tolist() == ["ok", "bad_review_period", "bad_target"]
    assert np.isfinite(big_s[0]) and np.isnan(s[1:]).all()
    ref_s, ref_big_s = invsl.periodic_policy(0.95, "RS", 100.0, 40.0, 1.0)
    assert big_s[0] == ref_big_s
