"""Mesa 3 conventions for :class:`sim.model.LeadershipModel`: ``rng=...`` and ``scenario=...``.

Mesa models take ``rng`` (a seed or a ``numpy.random.Generator``) and, since Mesa 3.4, a
``scenario`` (:class:`mesa.experimental.scenarios.Scenario`) that carries the parameters. A leadsim
run is seeded by one integer, ``Parameters.seed`` (every random stream of the run is spawned from
``SeedSequence(seed)``), so :func:`seed_from_rng` maps whatever Mesa passes as ``rng`` to that
integer, reproducibly:

=====================================  ==============================================================
``rng``                                the run's seed
=====================================  ==============================================================
not given                              ``Parameters.seed`` (default 0): today's behaviour
an integer (``int``, ``numpy.int64``)  that integer (``rng=42`` is exactly ``seed=42``)
a ``numpy.random.Generator``           ``int(rng.integers(2**63))``: one draw, which advances the
                                       generator; the same generator state gives the same seed
a ``numpy.random.BitGenerator``        the same, through ``numpy.random.Generator(rng)``
a ``numpy.random.SeedSequence``        its first 63-bit word, ``generate_state(1, uint64) >> 1``
a sequence of integers                 the same, through ``SeedSequence(rng)``
``None`` (given explicitly)            fresh operating-system entropy, as in Mesa (e.g.
                                       ``batch_run(..., iterations=5)`` passes ``rng=None``): a new
                                       seed every time
=====================================  ==============================================================

The seed used is always recorded as ``model.params.seed``, so any run can be repeated with
``LeadershipModel(rng=model.params.seed, ...)`` or ``run_simulation(model.params)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .parameters import PARAMETER_SPECS, ParameterError, as_int

#: Largest seed (``Parameters.seed`` is a 63-bit integer).
MAX_SEED = 2**63 - 1
UNSET: Any = object()   # ``rng`` not given at all (distinct from ``rng=None``)


def _first_word(seq: np.random.SeedSequence) -> int:
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def seed_from_rng(rng: Any) -> int:
    """The run seed that Mesa's ``rng`` argument stands for (see the module docstring)."""
    if rng is None:
        return _first_word(np.random.SeedSequence())
    number = as_int(rng)
    if number is not None:
        if not 0 <= number <= MAX_SEED:
            raise ParameterError("rng", f"an integer seed must be in [0, {MAX_SEED}], got {number}")
        return number
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(MAX_SEED, dtype=np.int64, endpoint=True))
    if isinstance(rng, np.random.BitGenerator):
        return seed_from_rng(np.random.Generator(rng))
    if isinstance(rng, np.random.SeedSequence):
        return _first_word(rng)
    if isinstance(rng, Sequence) and not isinstance(rng, (str, bytes)) and rng \
            and all(as_int(v) is not None and as_int(v) >= 0 for v in rng):
        return _first_word(np.random.SeedSequence([as_int(v) for v in rng]))
    raise ParameterError("rng", f"expected an integer seed, a numpy Generator, BitGenerator or "
                                f"SeedSequence, a list of non-negative integers, or None; got "
                                f"{type(rng).__name__} {rng!r}")


def scenario_knobs(scenario: Any) -> tuple[dict[str, Any], Any]:
    """(parameter values, rng) carried by a Mesa ``Scenario``: every attribute except ``rng``.

    Names are parameters of :data:`sim.parameters.PARAMETER_SPECS`, behavioural constants
    (UPPER_CASE) or ``constants``/``hospitals``; they are validated when the parameters are built.
    """
    values = dict(scenario)
    rng = values.pop("rng", None)
    return values, rng


def _scenario_class():
    """:class:`LeadershipScenario`: a Mesa ``Scenario`` whose defaults are the declared ones."""
    from mesa.experimental.scenarios import Scenario

    fields = [s for s in PARAMETER_SPECS if s.name != "seed"]
    namespace: dict[str, Any] = {s.name: s.default for s in fields}
    namespace["__annotations__"] = {s.name: s.kind for s in fields}
    namespace["__module__"] = __name__
    namespace["__doc__"] = (
        "A Mesa ``Scenario`` for :class:`sim.model.LeadershipModel`: every parameter of "
        ":data:`sim.parameters.PARAMETER_SPECS` with its declared default (the seed is ``rng``).\n\n"
        "``LeadershipModel(scenario=LeadershipScenario(rng=42, leadership_mix=0.8))`` is "
        "``LeadershipModel(rng=42, leadership_mix=0.8)``; behavioural constants may be given by "
        "name (``CLAIM_RATE=0.7``).")
    return type("LeadershipScenario", (Scenario,), namespace)


def __getattr__(name: str):
    if name == "LeadershipScenario":          # built on first use (Mesa imported lazily)
        cls = _scenario_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LeadershipScenario", "MAX_SEED", "scenario_knobs", "seed_from_rng"]
