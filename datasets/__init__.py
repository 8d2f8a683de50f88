"""Real demand data for the invsl demo and docs.

``datasets.carparts`` reads Hyndman's car parts data (GPL-3 data; see datasets/README.md and
datasets/LICENSE-GPL-3.0.txt) and derives per-part demand parameters; ``datasets.demo`` runs
the car parts demo (``python -m datasets.demo``).
"""
