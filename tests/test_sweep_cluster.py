"""SLURM settings: the dask-jobqueue cluster is configured as documented (no job is submitted)."""

from __future__ import annotations

import re
import sys

import pytest

from sim.sweep.cluster import (ClusterConfigError, check_cluster_config, make_slurm_cluster,
                               slurm_cluster_kwargs, slurm_scaling, walltime_seconds,
                               worker_lifetime)

SETTINGS = {"queue": "compute", "account": "qi-lab", "cores": 8, "processes": 4,
            "memory": "16GB", "walltime": "02:00:00", "jobs": 3,
            "job_script_prologue": ["source /home/me/venv/bin/activate"],
            "job_extra_directives": ["--qos=normal"], "local_directory": "$TMPDIR",
            "dashboard_address": ":0"}


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
