"""The output folder of a sweep: a Parquet dataset written in atomic chunks, plus what was run.

Layout of ``OUT``::

    OUT/sweep.json          what was run: base parameters, design fingerprint, replications, seed,
                            outcomes, result columns (checked on resume)
    OUT/design.csv          the design (one row per point; the point number is the row number)
    OUT/base_scenario.toml  the base scenario, fully resolved
    OUT/experiment.toml     a copy of the experiment file (when run from one)
    OUT/results/part-00000.parquet, part-00001.parquet, ...   the results, one row per run

Each chunk is written to a hidden temporary file in ``results/``, flushed and fsynced, then renamed
into place with :func:`os.replace` (atomic), and the folder is fsynced. A chunk file that exists is
therefore complete; a sweep killed mid-write leaves at most a hidden ``.part-*.tmp`` file, which
readers ignore and the next writer deletes. Completion is derived from the chunks themselves (the
run ids they hold), so there is no separate manifest to fall out of step with the data.

Only one process writes to a folder at a time (an advisory lock on ``OUT/.lock``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

FORMAT = 1
META_FILE = "sweep.json"
DESIGN_FILE = "design.csv"
BASE_FILE = "base_scenario.toml"
EXPERIMENT_FILE = "experiment.toml"
RESULTS_DIR = "results"
LOCK_FILE = ".lock"
CHUNK_RE = re.compile(r"^part-(\d+)\.parquet$")
ID_COLUMNS = ("run_id", "point", "replication", "seed")
TAIL_COLUMNS = ("error", "run_seconds")


class SweepError(ValueError):
    """A sweep that cannot be started or resumed (folder in use, mismatch on resume, ...)."""


def design_fingerprint(design: pd.DataFrame) -> str:
    """SHA-256 of the design's column names and exact values (row order matters)."""
    payload = {"columns": list(design.columns),
               "rows": [[repr(v.item() if hasattr(v, "item") else v) for v in row]
                        for row in design.itertuples(index=False, name=None)]}
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def result_schema(design: pd.DataFrame, outcomes: Iterable[str]) -> pa.Schema:
    """Arrow schema of the result rows: ids, the design's columns, outcomes, error, run time."""
    fields = [pa.field("run_id", pa.string()), pa.field("point", pa.int64()),
              pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
    for name in design.columns:
        kind = pa.int64() if pd.api.types.is_integer_dtype(design[name]) else pa.float64()
        fields.append(pa.field(name, kind))
    fields += [pa.field(name, pa.float64()) for name in outcomes]
    fields += [pa.field("error", pa.string()), pa.field("run_seconds", pa.float64())]
    return pa.schema(fields)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (hidden temp file, fsync, rename, fsync folder)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def chunk_files(out_dir: str | Path) -> list[Path]:
    """The complete result chunks of a sweep folder, in the order they were written."""
    results = Path(out_dir) / RESULTS_DIR
    if not results.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in results.iterdir() if (m := CHUNK_RE.match(p.name))]
    return [p for _, p in sorted(found)]


def read_meta(out_dir: str | Path) -> dict[str, Any]:
    """The ``sweep.json`` of a sweep folder; :class:`SweepError` if the folder holds no sweep."""
    path = Path(out_dir) / META_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise SweepError(f"{out_dir}: not a sweep folder (no {META_FILE})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SweepError(f"{path}: unreadable ({err})") from None


def _read_chunk(path: Path, columns: list[str] | None = None) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except (pa.ArrowInvalid, OSError) as err:
        raise SweepError(f"{path}: corrupt result chunk ({err}); move it away and resume to "
                         f"re-run its runs") from None


def _with_python_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``error`` as object column holding None (not NaN) for runs that succeeded."""
    if "error" in frame:
        err = frame["error"].astype(object)
        frame["error"] = err.where(err.notna(), None)
    return frame


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """All completed runs of a sweep folder, one row per run, ordered by (point, replication).

    Columns: ``run_id, point, replication, seed``, the design's parameters, the outcomes, ``error``
    (None if the run succeeded) and ``run_seconds``.
    """
    meta = read_meta(out_dir)
    schema = pa.schema([pa.field(n, pa.type_for_alias(t)) for n, t in meta["columns"]])
    tables = [_read_chunk(p) for p in chunk_files(out_dir)]
    table = pa.concat_tables([t.select(schema.names).cast(schema) for t in tables]) if tables \
        else schema.empty_table()
    frame = table.to_pandas()
    if frame["run_id"].duplicated().any():
        dupes = int(frame["run_id"].duplicated().sum())
        warnings.warn(f"{out_dir}: {dupes} run(s) recorded more than once; keeping the latest",
                      stacklevel=2)
        frame = frame.drop_duplicates("run_id", keep="last")
    frame = frame.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    frame = _with_python_missing(frame)
    frame.attrs["out_dir"] = str(out_dir)      # where they came from (sim.sweep.to_ema reads it)
    return frame


class ResultStore:
    """Writer of one sweep folder: :meth:`open`, then :meth:`write_chunk`, then :meth:`close`."""

    def __init__(self, out_dir: Path, meta: Mapping[str, Any], lock_fd: int):
        self.out_dir = out_dir
        self.results_dir = out_dir / RESULTS_DIR
        self.meta = dict(meta)
        self.schema = pa.schema([pa.field(n, pa.type_for_alias(t)) for n, t in meta["columns"]])
        self._lock_fd = lock_fd
        existing = chunk_files(out_dir)
        self._next = (int(CHUNK_RE.match(existing[-1].name).group(1)) + 1) if existing else 0

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def open(cls, out_dir: str | Path, meta: Mapping[str, Any], *, resume: bool,
             files: Mapping[str, str] = ()) -> ResultStore:
        """Create (or, with ``resume``, reopen) a sweep folder for writing.

        ``meta`` describes the sweep (see :func:`sweep_meta`); on resume it must match the saved
        one. ``files`` maps extra file names (design, scenario, experiment) to their text, written
        when the folder is created.
        """
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / RESULTS_DIR).mkdir(exist_ok=True)
        except OSError as err:
            raise SweepError(f"{out}: cannot create the output folder ({err.strerror})") from None
        lock_fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise SweepError(f"{out}: another sweep is writing to this folder; wait for it to "
                             f"finish or choose another --out") from None
        try:
            cls._prepare(out, meta, resume, files)
        except BaseException:
            os.close(lock_fd)
            raise
        return cls(out, meta, lock_fd)

    @staticmethod
    def _prepare(out: Path, meta: Mapping[str, Any], resume: bool,
                 files: Mapping[str, str]) -> None:
        meta_path = out / META_FILE
        has_results = bool(chunk_files(out))
        fresh = not meta_path.exists()
        if not fresh and resume:
            check_same_sweep(read_meta(out), meta, out)
        elif not fresh and has_results:
            raise SweepError(f"{out}: already holds a sweep; use --resume (resume=True) to "
                             f"finish it, or choose another output folder")
        elif fresh and has_results:
            raise SweepError(f"{out}: holds result chunks but no {META_FILE}; choose another "
                             f"output folder")
        else:
            fresh = True            # a sweep that never recorded a run: start it afresh
        for stale in (out / RESULTS_DIR).glob(".*.tmp"):
            stale.unlink()          # a chunk whose writer was killed before the rename
        if fresh:
            for name, text in dict(files).items():
                atomic_write_bytes(out / name, text.encode())
            atomic_write_bytes(meta_path, (json.dumps(meta, indent=2) + "\n").encode())

    # -- state ----------------------------------------------------------------------------------
    def completed(self, *, include_failed: bool = True) -> set[str]:
        """Run ids already recorded (failed runs too unless ``include_failed`` is False)."""
        done: set[str] = set()
        for path in chunk_files(self.out_dir):
            table = _read_chunk(path, ["run_id", "error"])
            ids = table.column("run_id").to_pylist()
            if include_failed:
                done.update(ids)
            else:
                errors = table.column("error").to_pylist()
                done.update(i for i, e in zip(ids, errors) if e is None)
        return done

    def drop_failed(self) -> int:
        """Remove failed runs from the chunks (each chunk rewritten atomically); return how many.

        Used by ``--retry-failed``: the dropped runs are then missing and run again.
        """
        dropped = 0
        for path in chunk_files(self.out_dir):
            table = _read_chunk(path)
            failed = pc.is_valid(table.column("error"))
            n_failed = pc.sum(failed).as_py() or 0
            if not n_failed:
                continue
            kept = table.filter(pc.invert(failed))
            if kept.num_rows:
                self._write_table(kept, path)
            else:
                path.unlink()
                _fsync_dir(path.parent)
            dropped += n_failed
        return dropped

    # -- writing --------------------------------------------------------------------------------
    def _write_table(self, table: pa.Table, path: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def write_chunk(self, rows: list[dict[str, Any]]) -> Path | None:
        """Write result rows as the next chunk file (atomically); return its path."""
        if not rows:
            return None
        table = pa.Table.from_pylist(rows, schema=self.schema)
        path = self.results_dir / f"part-{self._next:05d}.parquet"
        self._write_table(table, path)
        self._next += 1
        return path

    def close(self) -> None:
        """Release the folder lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sweep_meta(*, name: str, design: pd.DataFrame, base_params: Mapping[str, Any],
               replications: int, seed: int, outcomes: Iterable[str], version: str,
               common_random_numbers: bool = False) -> dict[str, Any]:
    """The description of a sweep saved as ``sweep.json`` (and compared on resume)."""
    outcomes = list(outcomes)
    schema = result_schema(design, outcomes)
    meta = {
        "format": FORMAT,
        "name": name,
        "leadsim_version": version,
        "parameters": list(design.columns),
        "points": int(len(design)),
        "replications": int(replications),
        "runs": int(len(design) * replications),
        "seed": int(seed),
        "common_random_numbers": bool(common_random_numbers),
        "outcomes": outcomes,
        "design_sha256": design_fingerprint(design),
        "base": dict(base_params),
        "columns": [[f.name, str(f.type)] for f in schema],
    }
    return json.loads(json.dumps(meta))     # as it will read back from disk


#: Keys of ``sweep.json`` that must agree for a sweep to be resumed.
RESUME_KEYS = ("parameters", "points", "replications", "seed", "common_random_numbers", "outcomes",
               "design_sha256", "base")


def check_same_sweep(saved: Mapping[str, Any], new: Mapping[str, Any], where: Path) -> None:
    """Raise :class:`SweepError` naming the first difference between a saved and a new sweep."""
    defaults = {"common_random_numbers": False}      # absent from folders of older versions
    for key in RESUME_KEYS:
        old, cur = saved.get(key, defaults.get(key)), new.get(key, defaults.get(key))
        if old == cur:
            continue
        if key == "base":
            diff = sorted(k for k in set(old or {}) | set(cur or {})
                          if (old or {}).get(k) != (cur or {}).get(k))
            detail = ", ".join(f"{k}: {(old or {}).get(k)!r} -> {(cur or {}).get(k)!r}"
                               for k in diff[:3])
            what = f"the base scenario differs ({detail})"
        elif key == "design_sha256":
            what = "the design's values differ"
        else:
            what = f"'{key}' differs (saved {old!r}, now {cur!r})"
        raise SweepError(f"{where}: cannot resume: {what}; resume with the same experiment, or "
                         f"start a new sweep in another output folder")
