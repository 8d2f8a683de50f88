"""Simulation of the real inventory system, one SKU per row: check a policy before rollout.

:func:`simulate` runs each row's policy period by period (continuous review: event by event,
or in sub-period steps) with the review and arrival timing of the contract
(docs/service-levels.md, "General definitions" and "Periodic review"), measures every service
level straight from its general definition, and attaches a 95% confidence half-width to each
by batch means. docs/simulate.md explains what is simulated and how to use it.

Rows are split among threads (``scalar.jit.run_rows``); each row has its own random stream
derived from ``seed`` and the row's position, so the result is the same for any number of
threads. A row that cannot be simulated gets a ``status`` and a ``message``; the other rows
are simulated.

Modules, in the order a call goes through them:

- ``public``: :func:`simulate` (arguments, then the steps below, then the output columns);
- ``table``: the DataFrame read into arrays (:func:`~invsl.tools.simulation.table.read_table`);
- ``checks``: a status and the field at fault per row;
- ``rows``: the kernel's per-row inputs (simulated distribution, sub-steps, warm-up, history);
- ``kernel``: the batch kernel over a range of rows and its grouped arguments (named tuples
  of arrays);
- ``continuous``: continuous review (s, Q), one row event by event or in sub-period steps;
- ``periodic``: periodic review (RS, RsS, RsQ), one row period by period;
- ``sampling``: the demand draws; ``batch_means``: batch sums, metrics and half-widths;
- ``codes``: output columns and statuses (the policy and distribution codes are those of
  ``invsl.vocabulary``).
"""

from invsl.tools.simulation.codes import METRICS, OUTPUT_COLUMNS, STATUS_NAMES
from invsl.tools.simulation.kernel import simulate_kernel
from invsl.tools.simulation.public import simulate
from invsl.tools.simulation.rows import MAX_AUTO_SUBSTEPS

__all__ = [
    "simulate",
    "simulate_kernel",
    "METRICS",
    "OUTPUT_COLUMNS",
    "STATUS_NAMES",
    "MAX_AUTO_SUBSTEPS",
]
