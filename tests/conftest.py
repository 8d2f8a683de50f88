"""Test configuration.

Hypothesis profiles (select with the ``HYPOTHESIS_PROFILE`` environment variable):

- ``default`` / ``ci``: derandomized, so that the suite gives the same result on every run
  (CI included); each test keeps its own example count (``ci`` caps it at 100).
- ``explore``: a longer, randomized search (2,000 examples per property).
- ``extremes``: the slow numeric-extremes run of docs/extremes.md, >= 2,000 examples per
  property of tests/test_extremes.py, randomized::

    HYPOTHESIS_PROFILE=extremes .venv/bin/python -m pytest tests/test_extremes.py
"""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=2000)
settings.register_profile(
    "extremes", derandomize=False, deadline=None, max_examples=2000, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
