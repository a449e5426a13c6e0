"""How much memory and time a run will take, from its sizes alone, checked before anything is built.

The estimate reads only the parameters (staff, hospitals, units, task slots, weeks, records kept,
replications, workers); it builds nothing, so it can refuse a run that would not fit before any
memory is used. One run (one replication, one process, :func:`run_cost`) needs:

``memory = M_EDGE * E + M_ROW * R + M_PAIR * P_max``

``seconds = S_PAIR * P + S_EDGE_LOG * E log2 E + S_HOSPITAL * H + ticks * (S_EDGE * E + S_SLOT * T
+ S_TASK * W)``

where, summed over hospitals (per-hospital values included):

* ``H`` hospitals and ``N`` staff (their own arrays cost little next to their ties: a per-staff
  memory term fitted to zero);
* ``P`` pairs of formal leaders (unit, middle and executive managers, coordinators and hybrid
  clinician-managers) whose tie is drawn when the organisation is built (``P_max``: the largest
  hospital's, held at once), and ``E = 7 N + 2 leader_tie_density P`` entries of the informal
  network (3 + 0.5 ties named per person, both directions);
* ``T`` task slots (:func:`sim.organisation.task_slots`) and ``W`` the work of scanning them each
  week: slots x units a task spans (``1 + 3 task_complexity``) x staff per unit;
* ``R = ticks x hospitals`` weekly records (kept in the model, stacked, and turned into the time
  series table).

The coefficients were fitted to the peak resident memory (``VmHWM`` above the idle process) and
the wall time of single runs on the development machine (2 cores), from a few hundred kilobytes to
gigabytes (``benchmarks/sizing.py`` re-measures them and prints the ratio of estimate to measurement;
the figures are in ``docs/CLI.md``). A ``leadsim run`` adds the processes that run replications in
parallel and the results that the main process keeps for all replications (:func:`scenario_cost`);
a sweep holds one run per worker at a time (:func:`design_cost`).

:func:`available_memory` reads what this machine (or its cgroup) can still give;
:func:`check_fits` refuses, with one line naming the estimate and the limit, what is larger, unless
the user passes ``--force``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .parameters import SPECS, Parameters

# --- fitted coefficients (bytes, seconds); see the module docstring and benchmarks/sizing.py ------
M_EDGE = 83.0           # bytes per network entry (building: pairs, sort, CSR; the kernel's view)
M_ROW = 975.0           # bytes per hospital-week of records (list, stacked copies, time series)
M_PAIR = 20.0           # bytes per leader pair of the largest hospital (indices, draws, mask)
S_PAIR = 5.3e-7         # seconds per leader pair drawn
S_EDGE_LOG = 3.3e-8     # seconds per network entry and doubling (sorting the ties: E log2 E)
S_HOSPITAL = 5.3e-5     # seconds per hospital built
S_EDGE = 2.5e-8         # seconds per network entry and week (people and their ties)
S_SLOT = 1.0e-6         # seconds per task-slot-week
S_TASK = 7.4e-9         # seconds per unit of weekly task work (slot x units x staff per unit)

#: Memory of one more Python process that has imported the model (a worker of a pool or cluster).
PROCESS_BYTES = 300e6
#: Bytes per hospital-week of the time series that ``leadsim run``/``compare`` keep per replication
#: and copy when writing (table, concatenation, Parquet conversion).
KEPT_ROW_BYTES = 3 * 232.0

#: A sweep's bookkeeping: per design value (point x parameter) and point (the table, its
#: fingerprint, its CSV copy) and per run (results read back, report tables).
SWEEP_VALUE_BYTES = 130.0
SWEEP_POINT_BYTES = 150.0
SWEEP_RUN_BYTES = 1500.0           # measured: 400,000 runs of 18 outcomes read back and reported
SWEEP_RUN_OUTCOME_BYTES = 150.0    # (load_results 233 MB, write_report 1.64 GB at its peak)
SWEEP_VALUE_SECONDS = 7e-6

SIZE_KEYS = ("n_hospitals", "staff_per_hospital", "unit_size", "ticks", "coordinators_per_hospital",
             "hybrid_share", "leader_tie_density", "local_task_rate", "n_national_bodies",
             "initiative_rate", "task_complexity")


class SizeError(ValueError):
    """A run larger than this machine can hold; the message is one line for the user."""


@dataclass(frozen=True)
class Estimate:
    """Peak memory (bytes) and wall time (seconds) that something is expected to need."""

    memory: float
    seconds: float

    def describe(self) -> str:
        """E.g. ``about 6.2 GB of memory and 3 min``."""
        return f"about {format_bytes(self.memory)} of memory and {format_seconds(self.seconds)}"


def format_bytes(n: float) -> str:
    """``n`` bytes as MB, GB or TB (decimal units, as memory is usually quoted)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{max(n, 0) / 1e6:.2g} MB"


def format_seconds(s: float) -> str:
    """A duration for people: seconds, minutes, hours or days."""
    if s < 90:
        return f"{max(s, 0):.0f} s" if s >= 1 else "under 1 s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} days"


# --- one run ---------------------------------------------------------------------------------------
def _hierarchy(staff, unit_size):
    """(units, executives, middle managers) as in :func:`sim.organisation.hierarchy_counts`,
    elementwise over arrays."""
    units = np.maximum(1, np.round(staff / unit_size))
    return units, 1 + staff // 400, units // 4


def _slots(staff, local_task_rate, bodies, initiative_rate):
    """Task slots of a hospital as in :func:`sim.organisation.task_slots`, over arrays."""
    per_year = local_task_rate * staff / 100.0 + bodies * initiative_rate
    return 8 + np.ceil(2.5 * per_year)


def _hospital_terms(v: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Size terms of one hospital whose values are ``v`` (numbers or arrays over design rows)."""
    staff = np.asarray(v["staff_per_hospital"], dtype=float)
    unit_size = np.asarray(v["unit_size"], dtype=float)
    units, execs, mids = _hierarchy(staff, unit_size)
    coords = np.asarray(v["coordinators_per_hospital"], dtype=float)
    clinicians = np.maximum(staff - units - execs - mids - coords, 0.0)
    formal = units + execs + mids + coords + np.asarray(v["hybrid_share"], float) * clinicians
    pairs = formal * (formal - 1.0) / 2.0
    edges = 7.0 * staff + 2.0 * np.asarray(v["leader_tie_density"], float) * pairs
    slots = _slots(staff, np.asarray(v["local_task_rate"], float),
                   np.asarray(v["n_national_bodies"], float),
                   np.asarray(v["initiative_rate"], float))
    width = 1.0 + 3.0 * np.asarray(v["task_complexity"], float)
    work = slots * width * np.minimum(staff, unit_size)
    return {"staff": staff, "pairs": pairs, "edges": edges, "slots": slots, "work": work}


def run_terms(groups: Sequence[tuple[Any, Mapping[str, Any]]], ticks) -> dict[str, np.ndarray]:
    """The size terms of the formula (see the module docstring) for hospitals given as ``groups``
    of (count, values)."""
    tot = {k: 0.0 for k in ("staff", "pairs", "edges", "slots", "work", "hospitals")}
    pair_max = 0.0
    for count, values in groups:
        count = np.asarray(count, dtype=float)
        terms = _hospital_terms(values)
        for key in ("staff", "pairs", "edges", "slots", "work"):
            tot[key] = tot[key] + count * terms[key]
        tot["hospitals"] = tot["hospitals"] + count
        pair_max = np.maximum(pair_max, np.where(count > 0, terms["pairs"], 0.0))
    ticks = np.asarray(ticks, dtype=float)
    return {**tot, "pair_max": pair_max, "ticks": ticks, "rows": ticks * tot["hospitals"]}


def _cost(groups: Sequence[tuple[Any, Mapping[str, Any]]], ticks) -> tuple[np.ndarray, np.ndarray]:
    """(memory, seconds) of one run whose hospitals are ``groups`` of (count, values)."""
    t = run_terms(groups, ticks)
    memory = M_EDGE * t["edges"] + M_ROW * t["rows"] + M_PAIR * t["pair_max"]
    seconds = (S_PAIR * t["pairs"] + S_EDGE_LOG * t["edges"] * np.log2(np.maximum(t["edges"], 2))
               + S_HOSPITAL * t["hospitals"]
               + t["ticks"] * (S_EDGE * t["edges"] + S_SLOT * t["slots"] + S_TASK * t["work"]))
    return np.asarray(memory, float), np.asarray(seconds, float)


def _groups(params: Parameters, columns: Mapping[str, Any] | None = None):
    """Hospitals of ``params`` as (count, values) groups; ``columns`` (design columns, arrays)
    replace the system values. Hospitals with their own values form groups of one."""
    system = {k: getattr(params, k) for k in SIZE_KEYS}
    system.update(columns or {})
    n_hospitals = np.asarray(system["n_hospitals"], dtype=float)
    groups = []
    own = 0
    for ov in params.hospitals:
        inside = (ov.hospital < n_hospitals).astype(float)
        groups.append((inside, {**system, **{k: v for k, v in ov.values.items() if k in system}}))
        own = own + inside
    groups.append((np.maximum(n_hospitals - own, 0.0), system))
    return groups, system["ticks"]


def run_cost(params: Parameters) -> Estimate:
    """Peak memory and wall time of one run of ``params`` in one process (nothing is built)."""
    memory, seconds = _cost(*_groups(params))
    return Estimate(float(memory), float(seconds))


def design_cost(base: Parameters, design) -> tuple[Estimate, float]:
    """For a sweep design (DataFrame of parameter columns over ``base``): the largest run's
    estimate and the total seconds of one replication of every point (vectorised: nothing built)."""
    columns = {k: design[k].to_numpy(dtype=float) for k in SIZE_KEYS if k in design}
    if not columns:
        one = run_cost(base)
        return one, one.seconds * len(design)
    memory, seconds = _cost(*_groups(base, columns))
    memory = np.broadcast_to(memory, (len(design),))
    seconds = np.broadcast_to(seconds, (len(design),))
    k = int(np.argmax(memory))
    return Estimate(float(memory[k]), float(seconds.max())), float(seconds.sum())


def scenario_cost(params_list: Sequence[Parameters], replications: Sequence[int],
                  workers: int) -> Estimate:
    """``leadsim run``/``compare``: every replication's run, ``workers`` at a time in their own
    processes, while the main process keeps each finished replication's time series; then the
    main process alone copies them all into the folder (table, concatenation, Parquet). The
    larger of the two peaks."""
    runs = [(run_cost(p), r, p.ticks * p.n_hospitals) for p, r in zip(params_list, replications)]
    total_reps = sum(r for _, r, _ in runs)
    parallel = max(1, min(workers, total_reps))
    largest = max(c.memory for c, _, _ in runs)
    kept_rows = sum(rows * r for _, r, rows in runs)
    extra = PROCESS_BYTES * parallel if parallel > 1 else 0.0
    running = parallel * largest + extra + KEPT_ROW_BYTES / 3 * kept_rows
    writing = KEPT_ROW_BYTES * kept_rows
    seconds = sum(c.seconds * r for c, r, _ in runs) / parallel
    return Estimate(max(running, writing), seconds)


def sweep_setup_cost(points: int, parameters: int, runs: int, outcomes: int) -> Estimate:
    """Memory and time of a sweep's bookkeeping in its main process (not the runs): the design
    table and its fingerprint and copy, then every run's result row read back for the report."""
    memory = (points * (SWEEP_POINT_BYTES + SWEEP_VALUE_BYTES * parameters)
              + runs * (SWEEP_RUN_BYTES + SWEEP_RUN_OUTCOME_BYTES * outcomes))
    return Estimate(memory, points * (parameters + 1) * SWEEP_VALUE_SECONDS)


# --- what this machine can hold --------------------------------------------------------------------
def _meminfo_available() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cgroup_room() -> float | None:
    """Memory this process's cgroup (v2) may still use, when it has a limit."""
    try:
        rel = Path("/proc/self/cgroup").read_text().strip().split("\n")[0].split("::", 1)[1]
        folder = Path("/sys/fs/cgroup") / rel.lstrip("/")
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return float(limit) - float((folder / "memory.current").read_text())
    except (OSError, IndexError, ValueError):
        return None


def available_memory() -> float:
    """Bytes this machine can still give (``MemAvailable``, or a smaller cgroup limit);
    ``LEADSIM_MEMORY_LIMIT`` (bytes, or with a K/M/G/T suffix) sets it instead."""
    env = os.environ.get("LEADSIM_MEMORY_LIMIT")
    if env:
        return parse_bytes(env)
    found = [x for x in (_meminfo_available(), _cgroup_room()) if x is not None]
    if not found:
        try:
            import psutil
            found.append(float(psutil.virtual_memory().available))
        except ImportError:      # pragma: no cover - psutil comes with dask.distributed
            return math.inf
    return min(found)


def parse_bytes(text: str) -> float:
    """``"8G"``, ``"512M"``, ``"1e9"`` -> bytes (binary suffixes)."""
    text = text.strip().upper().removesuffix("B")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    try:
        return float(number) * scale
    except ValueError:
        raise SizeError(f"LEADSIM_MEMORY_LIMIT: expected bytes, e.g. 8G or 512M, got {text!r}") \
            from None


def check_fits(estimate: Estimate, what: str, force: bool = False, advice: str = "",
               limit: float | None = None, room: str = "this machine has available") -> None:
    """Raise :class:`SizeError` (one line: what, the estimate, the limit, what to do) when
    ``estimate`` needs more memory than this machine can give (or ``limit``, which ``room``
    describes), unless ``force``."""
    limit = available_memory() if limit is None else limit
    if force or estimate.memory <= limit:
        return
    tip = f"; {advice}" if advice else ""
    raise SizeError(f"{what}: needs {estimate.describe()}, more than the {format_bytes(limit)} "
                    f"of memory {room}{tip}, or pass --force to run anyway")


def size_advice(params: Parameters) -> str:
    """What to lower, naming the largest sizes of ``params``."""
    big = [f"{k} = {getattr(params, k)}" for k in ("n_hospitals", "staff_per_hospital", "ticks")
           if getattr(params, k) > SPECS[k].default]
    return "lower " + ", ".join(big) if big else "lower the sizes"
