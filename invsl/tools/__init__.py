"""Layer 5, tools built on the public API: portfolio optimisation, simulation, what-if
cubes, exchange curves, file input/output, the command line, dask, plots and warm-up.
See docs/architecture.md."""
