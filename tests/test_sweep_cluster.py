"""SLURM settings: the dask-jobqueue cluster is configured as documented (no job is submitted;
the tests against a real SLURM are in test_slurm.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from sim.sweep.cluster import (ClusterConfigError, check_cluster_config, load_cluster_config,
                               make_slurm_cluster, merge_cluster_config, numba_cache_dir,
                               slurm_cluster_kwargs, slurm_scaling, walltime_seconds,
                               worker_lifetime)
from sim.sweep.slurm import sbatch_reason

SETTINGS = {"queue": "compute", "account": "qi-lab", "cores": 8, "processes": 4,
            "memory": "16GB", "walltime": "02:00:00", "jobs": 3,
            "job_script_prologue": ["source /home/me/venv/bin/activate"],
            "job_extra_directives": ["--qos=normal"], "local_directory": "$TMPDIR",
            "dashboard_address": "127.0.0.1:0", "interface": "lo"}   # nothing binds beyond lo


def seconds(text: str) -> int:
    assert text.endswith("s")
    return int(text[:-1])


@pytest.mark.parametrize("text,expected", [("30", 1800), ("45:00", 2700), ("02:00:00", 7200),
                                           ("1-00:00:00", 86400), ("2-12", 216000)])
def test_walltime_formats(text, expected):
    assert walltime_seconds(text) == expected


@pytest.mark.parametrize("walltime", ["00:10:00", "01:00:00", "02:00:00", "1-00:00:00"])
def test_derived_lifetime_leaves_every_worker_a_margin_before_the_walltime(walltime):
    lifetime, stagger = worker_lifetime({"walltime": walltime})
    wall = walltime_seconds(walltime)
    assert 0 < seconds(stagger) < seconds(lifetime)
    assert seconds(lifetime) + seconds(stagger) <= wall - 120     # the latest worker leaves early


def test_explicit_lifetime_is_kept_and_checked():
    assert worker_lifetime({"walltime": "01:00:00", "lifetime": "50m",
                            "lifetime_stagger": "4m"}) == ("3000s", "240s")
    with pytest.raises(ClusterConfigError, match="walltime"):
        worker_lifetime({"walltime": "01:00:00", "lifetime": "58m", "lifetime_stagger": "4m"})
    with pytest.raises(ClusterConfigError, match="walltime"):
        worker_lifetime({"walltime": "2"})


def test_slurm_job_script_has_resources_lifetime_and_environment():
    cluster = make_slurm_cluster(SETTINGS)     # starts only a local scheduler; submits nothing
    try:
        script = cluster.job_script()
        assert cluster.status.name == "running" and len(cluster.workers) == 0
    finally:
        cluster.close()
    for line in ("#SBATCH -p compute", "#SBATCH -A qi-lab", "#SBATCH --cpus-per-task=8",
                 "#SBATCH -t 02:00:00", "#SBATCH --qos=normal", "#SBATCH -J leadsim-worker",
                 "source /home/me/venv/bin/activate"):
        assert line in script, line
    assert re.search(r"#SBATCH --mem=1[56]G", script)
    assert sys.executable in script                 # workers run this project's Python
    assert "--nworkers 4" in script and "--nthreads 2" in script
    lifetime, stagger = worker_lifetime(SETTINGS)
    assert f"--lifetime {lifetime}" in script and f"--lifetime-stagger {stagger}" in script
    assert "--lifetime-restart" not in script
    assert "--local-directory $TMPDIR" in script


def test_lifetime_restart_is_opt_in():
    kwargs = slurm_cluster_kwargs({**SETTINGS, "lifetime_restart": True})
    assert kwargs["worker_extra_args"][-1] == "--lifetime-restart"


def test_scaling_adapts_between_minimum_and_jobs():
    assert slurm_scaling(SETTINGS) == {"adapt": True, "minimum_jobs": 3, "maximum_jobs": 3,
                                       "processes": 4}
    assert slurm_scaling({**SETTINGS, "minimum_jobs": 1})["minimum_jobs"] == 1
    assert slurm_scaling(SETTINGS, workers=10)["maximum_jobs"] == 3     # ceil(10 / 4)
    assert slurm_scaling({**SETTINGS, "adapt": False})["adapt"] is False


@pytest.mark.parametrize("config,key", [
    ({"cores": "8"}, "cluster.cores"), ({"jobs": 0}, "cluster.jobs"),
    ({"adapt": 1}, "cluster.adapt"), ({"walltime": "tomorrow"}, "cluster.walltime"),
    ({"lifetime": "soon"}, "cluster.lifetime"), ({"nodes": 2}, "cluster.nodes"),
    ({"job_extra_directives": "--qos=x"}, "cluster.job_extra_directives"),
    ({"jobs": 2, "minimum_jobs": 3}, "cluster.minimum_jobs"),
])
def test_bad_settings_name_the_key(config, key):
    with pytest.raises(ClusterConfigError, match=re.escape(f"'{key}'")):
        check_cluster_config(config)


def test_more_processes_than_cores_is_refused():
    with pytest.raises(ClusterConfigError, match="cluster.processes"):
        slurm_cluster_kwargs({"cores": 2, "processes": 4})


def test_workers_share_a_numba_cache_and_leave_when_their_sweep_is_gone(tmp_path):
    kwargs = slurm_cluster_kwargs({**SETTINGS, "numba_cache_dir": str(tmp_path / "numba cache"),
                                   "death_timeout": 15, "job_name": "mix-sweep"})
    assert kwargs["job_script_prologue"][0] == f"export NUMBA_CACHE_DIR='{tmp_path}/numba cache'"
    assert kwargs["job_script_prologue"][1:] == SETTINGS["job_script_prologue"]
    assert kwargs["death_timeout"] == 15 and kwargs["job_name"] == "mix-sweep"
    default = slurm_cluster_kwargs({})
    assert default["job_script_prologue"] == [
        f"export NUMBA_CACHE_DIR={numba_cache_dir({})}"]
    assert numba_cache_dir({}).startswith(str(Path.home()))
    assert default["death_timeout"] == 60
    assert default["scheduler_options"]["dashboard_address"].startswith("localhost:")


def test_site_cluster_file_is_checked_and_replaces_the_experiments_keys(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('[cluster]\nqueue = "long"\nstart_timeout = 0\n')
    merged = merge_cluster_config({"queue": "short", "jobs": 4}, load_cluster_config(site))
    assert merged == {"queue": "long", "jobs": 4, "start_timeout": 0}
    site.write_text('[cluster]\nqueue = 3\n')
    with pytest.raises(ClusterConfigError, match=re.escape(f"{site}: 'cluster.queue'")):
        load_cluster_config(site)
    site.write_text('queue = "long"\n')
    with pytest.raises(ClusterConfigError, match=r"'cluster': missing"):
        load_cluster_config(site)
    with pytest.raises(ClusterConfigError, match="file not found"):
        load_cluster_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("stderr,reason", [
    ("sbatch: error: invalid partition specified: nosuch\n"
     "allocation failure: Invalid partition name specified\n",
     "invalid partition specified: nosuch"),
    ("allocation failure: Requested node configuration is not available\n",
     "Requested node configuration is not available"),
    ("Command exited with non-zero exit code.\nExit code: 1\nstderr:\nsbatch: error: Batch job "
     "submission failed: Job violates accounting/QOS policy\n",
     "Batch job submission failed: Job violates accounting/QOS policy"),
])
def test_slurms_reason_is_taken_from_sbatch_output(stderr, reason):
    assert sbatch_reason(stderr) == reason


def test_without_sbatch_the_slurm_sweep_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    root = Path(__file__).resolve().parents[1]
    exp = tmp_path / "exp.toml"
    exp.write_text(f'scenario = "{(root / "scenarios" / "baseline.toml").as_posix()}"\n'
                   '[overrides]\nn_hospitals = 1\nticks = 4\n'
                   '[design]\nkind = "grid"\nleadership_mix = [0.5]\n'
                   '[cluster]\ndashboard_address = "127.0.0.1:0"\ninterface = "lo"\n')
    monkeypatch.setenv("PATH", str(tmp_path))          # no sbatch on the PATH
    status = main(["sweep", str(exp), "--cluster", "slurm", "--out", str(tmp_path / "out"),
                   "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip().splitlines() == ["leadsim: error: --cluster slurm: the sbatch command was "
                                        "not found; run the sweep where SLURM jobs can be "
                                        "submitted (e.g. a login node)"]


def test_keys_not_given_come_from_dasks_jobqueue_configuration():
    import dask

    with dask.config.set({"jobqueue.slurm.job-script-prologue": ["module load python"],
                          "jobqueue.slurm.death-timeout": 42}):
        kwargs = slurm_cluster_kwargs({})
        assert kwargs["job_script_prologue"][1:] == ["module load python"]
        assert kwargs["death_timeout"] == 42
        given = slurm_cluster_kwargs({"job_script_prologue": ["source venv/bin/activate"],
                                      "death_timeout": 5})
        assert given["job_script_prologue"][1:] == ["source venv/bin/activate"]
        assert given["death_timeout"] == 5
