"""Periodic-review kernels (R, S), (R, s, S), (R, s, nQ): continuous, integer and
pmf-based demand. See docs/periodic.md and docs/architecture.md."""
