"""Test configuration.

Hypothesis runs derandomized by default so that the suite gives the same result on every
run (CI included). For a longer, randomized search set ``HYPOTHESIS_PROFILE=explore``:

    HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/test_properties.py
"""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
