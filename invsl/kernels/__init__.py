"""Layer 2, per-policy kernels: plain arrays in, preallocated arrays and a status per row
out, nothing raised. (s, Q) here, periodic review in ``kernels.periodic``, demand from
history as pmfs in ``kernels.pmf``. Imports only from ``invsl.scalar`` and this layer.
See docs/architecture.md."""
