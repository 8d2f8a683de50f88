"""Layer 4, the public API: the DataFrame functions (``evaluate``, ``optimize``), the array
functions and ``fit_demand``. Re-exported by ``invsl/__init__.py``. See
docs/architecture.md."""
