"""``invsl.warmup``: compile every kernel ahead of the first job (``invsl warmup``).

The public home of :mod:`invsl.tools.warmup` (docs/cli.md, "First run").
"""

from invsl.tools.warmup import STEPS, warmup

__all__ = ["STEPS", "warmup"]
