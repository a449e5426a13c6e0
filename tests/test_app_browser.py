"""The teaching app in a real browser, used as a student would.

``leadsim app`` serves the app on a free localhost port; Playwright drives Debian's headless
Chromium (never a browser of its own): the page loads, a slider is moved, Reset starts a run with
it, Step and play advance the model, and the organisation view and plots change. A screenshot is
saved to ``$LEADSIM_TEST_OUTPUT/app.png`` (default ``test-output/app.png``).

Skipped only when Chromium is missing (``apt-get install -y chromium``; path from
``$LEADSIM_CHROMIUM``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LEADSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUTPUT_DIR = Path(os.environ.get("LEADSIM_TEST_OUTPUT", "test-output"))
REPO = Path(__file__).resolve().parents[1]
SERVER_START_S = 180     # limits of waiting, not timings asserted
UI_WAIT_MS = 180_000     # generous: the machine may be shared and busy

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"Chromium not found at {CHROMIUM} "
                                       "(install it with: apt-get install -y chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"leadsim app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"leadsim app did not answer at {url}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``leadsim app`` on a free port, serving the project's scenarios; stopped at the end."""
    from sim.app import assets
    from sim.app.model import warm_up

    warm_up()   # compile the numba kernel here, once, rather than on the app's first Step
    if assets.missing_packages():
        try:   # offline machines need Solara's web assets from the npm registry
            assets.install_assets()
        except assets.AssetError as err:
            print(f"web assets not installed ({err}); the page relies on the CDN")
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "app", "--port", str(port), "--host", "127.0.0.1",
             "--scenarios", str(REPO / "scenarios")],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, proc, log)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)   # the app and the solara server it started
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture()
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1350})
        page.set_default_timeout(UI_WAIT_MS)
        page.goto(app_url)
        yield page
        browser.close()


def expect(locator):
    """Playwright's retrying assertions, with this module's patience."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=UI_WAIT_MS)
    return playwright_expect(locator)


def week_shown(page) -> int:
    text = page.get_by_text(re.compile(r"Week \d+ of \d+")).first.inner_text()
    return int(re.search(r"Week (\d+) of", text).group(1))


def wait_for_week(page, week: int) -> None:
    page.get_by_text(re.compile(rf"Week {week} of \d+")).first.wait_for()


def figures(page) -> list[bytes]:
    """PNG screenshots of the five figures: organisation view and four plots."""
    images = page.locator("img")
    return [images.nth(i).screenshot() for i in range(images.count())]


def wait_until_all_changed(page, before: list[bytes]) -> list[bytes]:
    """Figures once every one of them differs from ``before`` (redraws arrive asynchronously)."""
    deadline = time.monotonic() + UI_WAIT_MS / 1000
    while True:
        now = figures(page)
        changed = [a != b for a, b in zip(before, now)]
        if len(now) == len(before) and all(changed) or time.monotonic() > deadline:
            return now
        page.wait_for_timeout(500)


def slider(page, label: str):
    return page.locator(".v-input", has_text=label).get_by_role("slider")


def scenario_with_another_knob_value() -> tuple[str, str, float | int]:
    """A shipped scenario (national_vacuum if possible) that sets a slider knob to a value other
    than baseline's: (scenario name, slider label, the scenario's value)."""
    from sim.app.model import KNOBS, available_scenarios, knob_defaults, load_app_scenario

    folder = REPO / "scenarios"
    base = knob_defaults(load_app_scenario("baseline", folder))
    names = sorted(available_scenarios(folder), key=lambda n: n != "national_vacuum")
    for name in names:
        values = knob_defaults(load_app_scenario(name, folder))
        for knob, value in values.items():
            if value != base[knob]:
                return name, KNOBS[knob][0], value
    pytest.fail("no shipped scenario differs from baseline in a slider knob")


def test_student_session(page):
    started = time.monotonic()

    def stage(name: str) -> None:   # shown by pytest if the test fails
        print(f"{time.monotonic() - started:7.1f} s  {name}", flush=True)

    # The page loads with the controls, the sliders and a model at week 0.
    page.get_by_text("Model Parameters").wait_for()
    wait_for_week(page, 0)
    for label in ("Leadership mix", "Management support", "Coordinators", "National bodies",
                  "National coherence", "Turnover / year", "Scenario"):
        assert page.get_by_text(label, exact=True).count() >= 1, f"no control labelled {label!r}"
    page.locator("img").nth(4).wait_for()
    assert page.locator("img").count() == 5, "expected the organisation view and four plots"

    stage("page loaded")
    # Pick another scenario: a fresh model starts from it, with the sliders at its values.
    other, label, value = scenario_with_another_knob_value()
    page.locator(".v-select", has_text="Scenario").click()
    page.get_by_role("option", name=other).click()
    page.get_by_text(f"scenario {other}").first.wait_for()
    wait_for_week(page, 0)
    expect(slider(page, label)).to_have_attribute("aria-valuenow", str(value))
    stage(f"scenario {other} chosen")
    # Move the leadership-mix slider two steps to the right (keyboard, as a student could).
    mix = slider(page, "Leadership mix")
    before_mix = float(mix.get_attribute("aria-valuenow"))
    mix.focus()
    mix.press("ArrowRight")
    mix.press("ArrowRight")
    expect(mix).not_to_have_attribute("aria-valuenow", str(before_mix))
    new_mix = float(mix.get_attribute("aria-valuenow"))
    assert new_mix > before_mix

    stage("slider moved")
    # Reset starts a new run with the moved slider.
    page.get_by_role("button", name="Reset").click()
    # (the run line names the chosen scenario, the moved value and the scenario's own values)
    page.get_by_text(re.compile(rf"scenario {other} .*leadership mix {new_mix:.2f}")).first.wait_for()
    wait_for_week(page, 0)
    at_start = figures(page)

    stage("model reset")
    # Step two weeks; the week counter, the organisation view and every plot change.
    step = page.get_by_role("button", name="Step")
    for week in (1, 2):
        step.click()
        wait_for_week(page, week)
        stage(f"week {week}")
    after_steps = wait_until_all_changed(page, at_start)
    assert len(after_steps) == len(at_start) == 5
    for k, (a, b) in enumerate(zip(at_start, after_steps)):
        assert a != b, f"figure {k} did not change after stepping"

    stage("figures changed")
    # Play runs the model on its own until paused.
    page.get_by_role("button", name="\u25b6").click()
    page.wait_for_function(
        "() => { const m = document.body.innerText.match(/Week (\\d+) of/); "
        "return m && parseInt(m[1]) >= 4; }")
    page.get_by_role("button", name="\u275a\u275a").click()
    paused_at = week_shown(page)
    assert paused_at >= 4
    stage(f"played and paused at week {paused_at}")
    assert page.get_by_text("error in step").count() == 0

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT_DIR / "app.png"
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
