"""Transitional: the names ``tools.io`` still reads from here while it is split into a
package (issue 12); the periodic layout now lives in :mod:`invsl.engine.table`."""

from __future__ import annotations

from invsl.engine import table

OUTPUT_COLUMNS = table.PERIODIC_OUTPUTS


def is_periodic(df, policy, columns, review_period=None) -> bool:
    """As :func:`invsl.engine.table.is_periodic` (``policy="sQ"`` read as not periodic)."""
    return table.is_periodic(df, policy, review_period, columns)
