"""Call-level arguments: checked once per call, and a bad one raises.

A bad cell is a row's problem (a status and a message, the other rows go on); a bad keyword
argument (``target=95``, ``metric="fillrate"``, ``policy="xyz"``) would be every row's
problem, so it raises :class:`invsl.InputError` (a ``ValueError``) naming the value and what
is accepted, with the same text as the message of a bad cell. Every entry point calls
:func:`check_arguments` before reading its table.
"""

from __future__ import annotations

import math

from invsl.engine.reader import InputError
from invsl.vocabulary import (
    BAD_REVIEW_PERIOD,
    BAD_TARGET,
    NAME_KINDS,
    STATUS,
    normalise_name,
    unknown_name,
)


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number


def check_name(kind: str, value) -> None:
    """Raise InputError unless ``value`` is a name of ``kind`` in the vocabulary."""
    spellings = NAME_KINDS[kind][0]
    if not isinstance(value, str) or normalise_name(value) not in spellings:
        raise InputError(unknown_name(kind, value))


def check_target(value, name: str = "target") -> None:
    """Raise InputError unless ``value`` is a number strictly between 0 and 1."""
    number = _number(value)
    if number is None or isinstance(value, bool) or not 0.0 < number < 1.0:
        shown = repr(value.item() if hasattr(value, "item") else value)  # numpy scalars plain
        raise InputError(f"{name} = {shown}: {STATUS[BAD_TARGET][1]}")


def check_arguments(
    *,
    metric=None,
    target=None,
    distribution=None,
    policy=None,
    lead_time_std=None,
    review_period=None,
) -> None:
    """Check the call-level arguments that are given (None: not given, nothing to check).

    >>> check_arguments(metric="fill_rate", target=0.95)
    >>> check_arguments(target=95)
    Traceback (most recent call last):
    ...
    invsl.engine.reader.InputError: target = 95: target must lie strictly between 0 and 1, e.g. 0.95
    """
    for kind, value in (("metric", metric), ("distribution", distribution), ("policy", policy)):
        if value is not None:
            check_name(kind, value)
    if target is not None:
        check_target(target)
    if lead_time_std is not None:
        number = _number(lead_time_std)
        if number is None or not math.isfinite(number) or number < 0:
            raise InputError(
                f"lead_time_std = {lead_time_std!r}: the lead-time standard deviation for rows "
                "without one must be a finite number >= 0 [periods]"
            )
    if review_period is not None:
        number = _number(review_period)
        if number is None or not (math.isfinite(number) and number >= 1 and number == int(number)):
            raise InputError(f"review_period = {review_period!r}: {STATUS[BAD_REVIEW_PERIOD][1]}")
