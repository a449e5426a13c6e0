"""Watching a sweep's SLURM worker jobs: a job SLURM refuses, jobs that never start.

dask-jobqueue submits and cancels the worker jobs from its event loop, where a failing ``sbatch``
is only logged: left alone, a sweep whose jobs SLURM refuses, or never starts, would wait forever.
So the SLURM backend (:class:`sim.sweep.backends.SlurmBackend`):

* checks the job script with ``sbatch --test-only`` before submitting anything: a partition,
  account or resource request that SLURM rejects stops the sweep at once, with SLURM's reason;
* records every submission that fails later (e.g. a per-user job limit) through the job class
  (:func:`recording_job_class`): the sweep goes on while it has workers (with one warning) and
  stops when it has none;
* stops when no worker has been connected for ``start_timeout`` seconds (jobs pending in a
  partition that is down, or behind other users' jobs), naming the jobs' states and SLURM's reasons.

Each stop is a :class:`ClusterStartError`, one line (``leadsim`` exits with status 2); the runs
already finished are kept and ``--resume`` continues the sweep.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from .storage import SweepError

#: Seconds without any worker after which the user is told what SLURM is doing (once).
WAITING_NOTICE_SECONDS = 60.0


class ClusterStartError(SweepError):
    """The cluster's worker jobs are refused by SLURM or do not start in time (one line)."""


def sbatch_reason(text: str) -> str:
    """SLURM's reason in the output of a failed ``sbatch``: its last ``error:`` line, else the last
    line that is not empty."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line.split("error:", 1)[1].strip() for line in lines if "error:" in line]
    if errors:
        return errors[-1]
    failures = [line.split(":", 1)[1].strip() for line in lines
                if line.startswith("allocation failure:")]
    return failures[-1] if failures else (lines[-1] if lines else "no reason given")


def recording_job_class():
    """A new subclass of dask-jobqueue's ``SLURMJob`` that records its submissions.

    ``submit_errors`` collects SLURM's reason for every ``sbatch`` that failed (the job is then not
    started, instead of raising in the event loop) and ``job_ids`` every job submitted. Each call
    gives a class of its own, so that the lists belong to one cluster.
    """
    from dask_jobqueue.slurm import SLURMJob

    class LeadsimSLURMJob(SLURMJob):
        submit_errors: list[str] = []
        job_ids: list[str] = []

        async def start(self):
            try:
                await super().start()
            except RuntimeError as err:          # sbatch exited with an error
                type(self).submit_errors.append(sbatch_reason(str(err)))
                return
            type(self).job_ids.append(self.job_id)

    return LeadsimSLURMJob


def check_job_script(script: str) -> None:
    """Raise :class:`ClusterStartError` if SLURM would refuse ``script`` (``sbatch --test-only``,
    which submits nothing)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", prefix="leadsim-job-") as fh:
        fh.write(script)
        fh.flush()
        try:
            proc = subprocess.run(["sbatch", "--test-only", fh.name], capture_output=True,
                                  text=True, timeout=120)
        except FileNotFoundError:
            raise ClusterStartError("--cluster slurm: the sbatch command was not found; run the "
                                    "sweep where SLURM jobs can be submitted (e.g. a login "
                                    "node)") from None
        except subprocess.TimeoutExpired:
            raise ClusterStartError("--cluster slurm: sbatch --test-only did not answer in 120 s; "
                                    "is the SLURM controller up? (scontrol ping)") from None
    if proc.returncode != 0:
        raise ClusterStartError(f"SLURM refuses the worker job: {sbatch_reason(proc.stderr)} "
                                f"(check cluster.queue, account, cores, memory and walltime)")


def job_states(job_ids: list[str]) -> list[tuple[str, str, str]]:
    """``(job id, state, reason)`` of the jobs SLURM still knows, from ``squeue``."""
    if not job_ids:
        return []
    try:
        proc = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i|%T|%r"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    rows = [line.split("|") for line in proc.stdout.splitlines() if line.count("|") == 2]
    return [(i.strip(), s.strip(), r.strip()) for i, s, r in rows]


def describe_jobs(job_ids: list[str], limit: int = 3) -> str:
    """``"job 12 PENDING (PartitionDown), ..."`` for the jobs SLURM still knows."""
    states = job_states(job_ids)
    if not states:
        return "no worker job in the queue" if job_ids else "no worker job was submitted"
    text = ", ".join(f"job {i} {s}" + (f" ({r})" if r and r != "None" else "")
                     for i, s, r in states[:limit])
    return text + (f" and {len(states) - limit} more" if len(states) > limit else "")


class JobWatch:
    """Stops a sweep whose worker jobs SLURM refuses or does not start (see the module doc)."""

    def __init__(self, client, job_cls, start_timeout: int):
        self.client = client
        self.job_cls = job_cls
        self.start_timeout = start_timeout
        self.submitted = time.monotonic()
        self.first_worker: float | None = None      # seconds from submission to the first worker
        self._idle_since: float | None = self.submitted
        self._told = False
        self._warned = False

    def check(self) -> None:
        """Raise :class:`ClusterStartError` if no worker is connected and SLURM refused a job, or
        none has been connected for ``start_timeout`` seconds."""
        refused = self.job_cls.submit_errors
        now = time.monotonic()
        if self.client.nthreads():
            if self.first_worker is None:
                self.first_worker = now - self.submitted
            self._idle_since = None
            if refused and not self._warned:
                self._warned = True
                print(f"warning: SLURM refused a worker job ({refused[-1]}); the sweep goes on "
                      f"with the workers it has", file=sys.stderr)
            return
        if refused:
            raise ClusterStartError(f"SLURM refused a worker job: {refused[-1]} "
                                    f"(check cluster.queue, account, cores, memory and walltime)")
        if self._idle_since is None:
            self._idle_since = now
        waited = now - self._idle_since
        if self.start_timeout and waited > self.start_timeout:
            jobs = describe_jobs(self.job_cls.job_ids)
            if self.first_worker is None:
                what = f"no SLURM worker job started within cluster.start_timeout = " \
                       f"{self.start_timeout} s ({jobs})"
            else:
                what = f"no SLURM worker job for cluster.start_timeout = {self.start_timeout} s " \
                       f"since the last worker left ({jobs})"
            raise ClusterStartError(f"{what}; check the partition with sinfo, or raise "
                                    f"cluster.start_timeout")
        if waited > WAITING_NOTICE_SECONDS and not self._told:
            self._told = True
            print(f"waiting for SLURM to start the worker jobs: "
                  f"{describe_jobs(self.job_cls.job_ids)}", file=sys.stderr)
