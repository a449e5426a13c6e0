"""Imported once by the process pool's forkserver: load the model and its compiled numba code.

The forkserver imports this module, then forks every worker from itself, so each worker starts
with the model imported and numba's machine code already loaded (or compiled once, if the cache
is stale) instead of doing it on its first run. A failure here is ignored: workers then load the
code on their first run as usual.
"""

from __future__ import annotations

from . import worker  # noqa: F401  (the function the pool runs)


def warm_up() -> None:
    """Run a two-week simulation of a one-hospital model (loads every kernel the runs use)."""
    from ..parameters import Parameters
    from ..run import run_simulation

    run_simulation(Parameters(n_hospitals=1, staff_per_hospital=20, unit_size=10, ticks=2))


try:
    warm_up()
except Exception:  # noqa: BLE001 - an optimisation only
    pass
