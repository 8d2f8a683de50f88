"""Layer 1, scalar math: compiled scalar functions (special functions, distributions, loss
functions, recurrences, random streams) and the one jit decorator module. Imports nothing
from the layers above. See docs/architecture.md."""
