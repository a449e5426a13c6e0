"""leadsim installed from its wheel, not from the checkout: the wheel is built, installed into a
fresh virtual environment, and the commands are run there from an empty temporary folder.

The fresh environment reaches the dependencies (numpy, numba, mesa, ...) already installed in this
one through a ``.pth`` file, so nothing is downloaded (offline); leadsim itself comes only from the
wheel (the test checks that ``sim`` is imported from the new environment)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "sim", "scenarios",
           "experiments")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(leadsim executable, python executable, an empty working folder) of a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    (tmp / "source").mkdir()
    pip = [sys.executable, "-m", "pip"]
    try:
        import setuptools  # noqa: F401
    except ImportError:
        pytest.fail("building the wheel needs setuptools (pip install -e '.[test]')")
    source = tmp / "source"          # a clean copy of what the wheel is built from (no build/)
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name,
             **({"ignore": shutil.ignore_patterns("__pycache__", "*.pyc", "_data")}
                if (ROOT / name).is_dir() else {}))
    build = subprocess.run([*pip, "wheel", "--no-build-isolation", "--no-deps", "-q",
                            "-w", str(tmp / "dist"), str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp / "dist").glob("leadsim-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index",
                              "-q", str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies of this environment, after the new one's own site-packages
    Path(site, "_leadsim_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp / "elsewhere"
    work.mkdir()
    return venv / "bin" / "leadsim", python, work, Path(site)


def run(cmd, cwd, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LEADSIM_SCENARIOS")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_the_wheel_carries_the_shipped_files_and_sim_comes_from_it(installed):
    leadsim, python, work, site = installed
    data = site / "sim" / "_data"
    for name in ("scenarios/baseline.toml", "experiments/discovery_lhs.toml",
                 "experiments/validation/protocol.toml", "experiments/sensitivity/sobol_leading.toml"):
        assert (data / name).is_file(), name
    shipped = {p.relative_to(ROOT).as_posix() for folder in ("scenarios", "experiments")
               for p in (ROOT / folder).rglob("*") if p.is_file()}
    packaged = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()}
    assert shipped <= packaged
    where = run([python, "-c", "import sim, sim.resources as r; print(sim.__file__); "
                 "print(r.data_dir('scenarios'))"], work)
    assert where.returncode == 0, where.stderr
    module, scenarios = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(scenarios) == data / "scenarios"


def test_run_a_shipped_scenario_by_name_and_describe_from_any_folder(installed):
    leadsim, python, work, site = installed
    result = run([leadsim, "run", "baseline", "--replications", "1", "--set", "ticks=10",
                  "--set", "n_hospitals=2", "--no-figures", "--quiet", "--out", work / "run"], work)
    assert result.returncode == 0, result.stderr
    assert "nobody_in_charge_rate" in result.stdout
    assert (work / "run" / "summary.csv").is_file()
    described = run([leadsim, "describe"], work)
    assert described.returncode == 0 and "leadership_mix" in described.stdout
    named = run([leadsim, "describe", "distributed_qic"], work)
    assert named.returncode == 0 and "*" in named.stdout
    unknown = run([leadsim, "run", "baselin"], work)
    assert unknown.returncode == 2 and "shipped scenarios: baseline" in unknown.stderr
    assert unknown.stderr.count("\n") == 1


def test_validation_finds_its_shipped_studies_and_runs_a_tiny_one(installed):
    leadsim, python, work, site = installed
    known = run([leadsim, "validate", "--only", "NO-SUCH-CLAIM"], work)
    assert known.returncode == 2 and "SUP-1" in known.stderr      # the shipped register
    studies = work / "studies"
    studies.mkdir()
    (studies / "protocol.toml").write_text(
        "sizes = [60]\nfamilies = 1\nn_hospitals = 1\nticks = 26\n"
        "[quick]\nsizes = [60]\nfamilies = 1\n")
    source = site / "sim" / "_data" / "experiments" / "validation" / "support_precondition.toml"
    baseline = site / "sim" / "_data" / "scenarios" / "baseline.toml"
    text = re.sub(r'^scenario = .*$', f'scenario = "{baseline}"', source.read_text(), flags=re.M)
    (studies / "support_precondition.toml").write_text(text)
    result = run([leadsim, "validate", "--quick", "--studies", studies, "--serial", "--quiet",
                  "--out", work / "validation"], work)
    assert result.returncode in (0, 1), result.stderr           # 1: a claim fails at this size
    assert "SUP-1" in result.stdout and (work / "validation" / "claims.csv").is_file()


def test_the_app_finds_the_shipped_scenarios_from_any_folder(installed):
    leadsim, python, work, site = installed
    if shutil.which("solara", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("the app extra (solara) is not installed")
    found = run([python, "-c", "from sim.app.model import scenario_dir, usable_scenarios; "
                 "print(scenario_dir()); print(usable_scenarios())"], work)
    assert found.returncode == 0, found.stderr
    folder, usable = found.stdout.splitlines()
    assert Path(folder) == site / "sim" / "_data" / "scenarios"
    assert "baseline" in usable and "{}" in usable           # every shipped scenario loads
    bad_port = run([leadsim, "app", "--port", "70000"], work)
    assert bad_port.returncode == 2
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = work / "app.log"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LEADSIM_SCENARIOS")}
    # the dependencies' Jupyter configuration (widget extensions Solara reads) lives in the prefix
    # of the environment they were installed into, not in the new one that borrows them
    env["JUPYTER_CONFIG_PATH"] = str(Path(sys.prefix, "etc", "jupyter"))
    env["JUPYTER_PATH"] = str(Path(sys.prefix, "share", "jupyter"))
    with log.open("w") as out:
        server = subprocess.Popen([str(leadsim), "app", "--port", str(port)], cwd=work, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and server.poll() is None and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    status = page.status
            except OSError:
                time.sleep(0.5)
        assert status == 200, log.read_text()[-2000:]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)    # the app and the solara server it started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
