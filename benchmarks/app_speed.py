"""Speed of the teaching app in a real browser, and how many students one server serves.

    .venv/bin/python benchmarks/app_speed.py                       # speed of one session
    .venv/bin/python benchmarks/app_speed.py --capacity 1,5,10,20  # concurrent sessions at 1 week/s

``leadsim app`` is served on a free localhost port and Debian's headless Chromium is driven with
Playwright (``apt-get install -y chromium``; another path with ``LEADSIM_CHROMIUM``), as a student
would use the app. Everything is timed inside the page (``performance.now()``, sampled every
animation frame), so the figures include the server's work, the websocket and the browser's drawing.

Speed (one session, the app's default scenario; targets of issue 14):

* **play**: weeks per second while playing (the week counter's advance over ``--seconds``), and for
  each view (organisation view and plots) the share of those weeks it showed: "every view updated
  each week" means every share is 1.0. Target: at least 5 weeks/s with every view updated.
* **step**: from the click on *Step* until the week counter and every view show the next week
  (median of ``--steps``). Target: under 0.5 s.
* **reset**: from the click on *Reset* (after playing) until week 0 and every view redrawn (median of
  ``--resets``). Target: under 2 s.

Capacity (``--capacity N1,N2,...``): N pages of one browser each start a run and play at 1 week/s
(the app's speed control; for the old app, play interval 1000 ms), for ``--seconds``; reported per
N: the slowest and median session's weeks/s and the server's CPU use (share of one core, from
``/proc``). A load is *sustained* when the slowest session keeps at least 0.95 weeks/s. With
``--pin`` the server runs on CPU 0 and the browser on CPU 1 (``taskset``), so the browser's
drawing for N students does not eat the server's core.

A view is an element with a ``data-view`` attribute (its ``data-week`` says which week it shows)
or, in apps without those (the matplotlib version before issue 14), an ``img``. Wall times depend
on what else runs on the machine: the load average is printed next to every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("LEADSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
TIMEOUT_MS = 120_000

# In-page probe: every animation frame, the week shown by the run line and a signature of each
# view; records every change with its time.
PROBE = r"""
() => {
  if (window.__probe) return;
  const views = () => {
    const tagged = document.querySelectorAll('[data-view]');
    if (tagged.length) return Array.from(tagged).map(e => e.getAttribute('data-view') + ':' + e.getAttribute('data-week'));
    return Array.from(document.querySelectorAll('img')).map(e => e.src);
  };
  const week = () => { const m = document.body.innerText.match(/Week (\d+) of/); return m ? parseInt(m[1]) : null; };
  const p = window.__probe = {week: week(), views: views(), weekEvents: [], viewEvents: []};
  const tick = () => {
    const t = performance.now();
    const w = week();
    if (w !== null && w !== p.week) { p.weekEvents.push([t, w]); p.week = w; }
    const v = views();
    for (let i = 0; i < v.length; i++) if (v[i] !== p.views[i]) p.viewEvents.push([t, i]);
    p.views = v;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
"""

# Click a button and wait (inside the page) until the week counter shows `target` and every view
# has changed at least once; returns the elapsed milliseconds.
CLICK_AND_WAIT = r"""
async (button, target) => {
  const p = window.__probe;
  const t0 = performance.now();
  const nViews = p.views.length;
  button.click();
  return await new Promise((resolve, reject) => {
    const check = () => {
      const now = performance.now();
      const changed = new Set(p.viewEvents.filter(e => e[0] >= t0).map(e => e[1]));
      if (p.week === target && changed.size >= nViews) { resolve(now - t0); return; }
      if (now - t0 > 120000) { reject(new Error('timeout: week ' + p.week + ', views ' + changed.size + '/' + nViews)); return; }
      requestAnimationFrame(check);
    };
    check();
  });
}
"""


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``leadsim app`` on a free port (optionally pinned to CPU 0), stopped on exit."""

    def __init__(self, pin: bool):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [sys.executable, "-m", "sim", "app", "--port", str(self.port), "--host", "127.0.0.1",
               "--scenarios", str(REPO / "scenarios")]
        if pin:
            cmd = ["taskset", "-c", "0", *cmd]
        self.log = open(os.environ.get("APP_SPEED_LOG", "/dev/null"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=REPO)

    def __enter__(self):
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"leadsim app exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise SystemExit("leadsim app did not start")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the server's process group (the solara process)."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:   # field 5 (pgrp), after pid and comm
                total += (int(fields[11]) + int(fields[12])) / tick
        return total


def button(page, *names: str):
    pattern = re.compile("^\\s*(" + "|".join(re.escape(n) for n in names) + ")\\s*$")
    return page.get_by_role("button", name=pattern).first


def open_app(browser, url: str, viewport=(1500, 1100)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_text(re.compile(r"Week 0 of \d+")).first.wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-view], img').length >= 3")
    page.wait_for_timeout(1500)
    page.evaluate(PROBE)
    return page


def is_new_app(page) -> bool:
    return page.locator("[data-view]").count() > 0


def set_speed(page, weeks_per_s: float) -> None:
    """The play speed: the app's speed control (weeks/s), or Mesa's play interval in the old app."""
    if is_new_app(page):
        page.locator(".v-select", has_text="Play speed").click()
        page.get_by_role("option", name=re.compile(rf"^{weeks_per_s:g} weeks?/s")).click()
    else:
        interval = int(1000 / weeks_per_s)
        slider = page.locator(".v-input", has_text="Play Interval").get_by_role("slider")
        slider.focus()
        now = int(float(slider.get_attribute("aria-valuenow")))
        key = "ArrowRight" if interval > now else "ArrowLeft"
        for _ in range(200):
            now = int(float(slider.get_attribute("aria-valuenow")))
            if (key == "ArrowRight" and now >= interval) or (key == "ArrowLeft" and now <= interval):
                break
            slider.press(key)


def play_rate(page, seconds: float) -> dict:
    """Play for ``seconds``; weeks/s and each view's share of the weeks shown."""
    probe_start = page.evaluate("() => performance.now()")
    button(page, "Play", "\u25b6").click()
    page.wait_for_timeout(seconds * 1000)
    button(page, "Pause", "\u275a\u275a").click()
    data = page.evaluate("(t) => ({w: window.__probe.weekEvents.filter(e => e[0] >= t), "
                         "v: window.__probe.viewEvents.filter(e => e[0] >= t), "
                         "n: window.__probe.views.length})", probe_start)
    weeks = data["w"]
    if len(weeks) < 3:
        return {"weeks_per_s": 0.0, "weeks": len(weeks), "view_share": []}
    # steady state: from the first to the last week change
    t0, w0 = weeks[0]
    t1, w1 = weeks[-1]
    rate = (w1 - w0) / ((t1 - t0) / 1000)
    shares = []
    for k in range(data["n"]):
        updates = sum(1 for t, i in data["v"] if i == k and t0 <= t <= t1)
        shares.append(round(min(updates / max(w1 - w0, 1), 9.99), 2))
    return {"weeks_per_s": round(rate, 2), "weeks": w1 - w0, "view_share": shares}


def click_latency(page, names: tuple[str, ...], target_week: int) -> float:
    handle = button(page, *names).element_handle()
    return page.evaluate(f"([b, w]) => ({CLICK_AND_WAIT})(b, w)", [handle, target_week]) / 1000


def current_week(page) -> int:
    return int(page.evaluate("() => window.__probe.week"))


def speed(browser, url: str, args) -> dict:
    page = open_app(browser, url)
    out = {"app": "new (data-view)" if is_new_app(page) else "old (img)", "views":
           page.evaluate("() => window.__probe.views.length")}
    # one warm-up step (first use of the figures), then timed steps
    click_latency(page, ("Step",), current_week(page) + 1)
    steps = []
    for _ in range(args.steps):
        steps.append(click_latency(page, ("Step",), current_week(page) + 1))
    out["step_s"] = {"median": round(statistics.median(steps), 3), "all": [round(s, 3) for s in steps]}
    print(f"step: median {out['step_s']['median']:.3f} s {out['step_s']['all']}  ({load()})", flush=True)
    if is_new_app(page):
        set_speed(page, args.play_speed)
    out["play"] = play_rate(page, args.seconds)
    print(f"play: {out['play']}  ({load()})", flush=True)
    resets = []
    for _ in range(args.resets):
        if current_week(page) == 0:
            click_latency(page, ("Step",), 1)
        resets.append(click_latency(page, ("Reset",), 0))
    out["reset_s"] = {"median": round(statistics.median(resets), 3),
                      "all": [round(s, 3) for s in resets]}
    print(f"reset: median {out['reset_s']['median']:.3f} s {out['reset_s']['all']}  ({load()})",
          flush=True)
    page.close()
    return out


def capacity(browser, server: AppServer, url: str, sessions: int, seconds: float) -> dict:
    pages = []
    for _ in range(sessions):
        page = open_app(browser, url, viewport=(1280, 900))
        set_speed(page, 1.0)
        pages.append(page)
    starts = [p.evaluate("() => performance.now()") for p in pages]
    cpu0, wall0 = server.cpu_seconds(), time.monotonic()
    for p in pages:
        button(p, "Play", "\u25b6").click()
    time.sleep(seconds)
    cpu1, wall1 = server.cpu_seconds(), time.monotonic()
    rates = []
    for p, t in zip(pages, starts):
        weeks = p.evaluate("(t) => window.__probe.weekEvents.filter(e => e[0] >= t)", t)
        if len(weeks) >= 2:
            (a, wa), (b, wb) = weeks[1], weeks[-1]   # from the second change: play has started
            rates.append((wb - wa) / max((b - a) / 1000, 1e-9))
        else:
            rates.append(0.0)
    for p in pages:
        button(p, "Pause", "\u275a\u275a").click()
        p.close()
    return {"sessions": sessions, "slowest_weeks_per_s": round(min(rates), 3),
            "median_weeks_per_s": round(statistics.median(rates), 3),
            "server_cpu_share_of_one_core": round((cpu1 - cpu0) / (wall1 - wall0), 2),
            "sustained": min(rates) >= 0.95, "load": load()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds of play per measurement")
    parser.add_argument("--steps", type=int, default=7, help="timed Step clicks")
    parser.add_argument("--resets", type=int, default=3, help="timed Reset clicks")
    parser.add_argument("--play-speed", type=float, default=10,
                        help="speed chosen in the app before the play measurement (weeks/s; the "
                             "fastest setting shows what the app sustains)")
    parser.add_argument("--capacity", default="", help="comma-separated numbers of sessions")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, browser on CPU 1 (taskset)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    from sim.app.model import warm_up

    warm_up()
    results = {"cpus": os.cpu_count(), "start": load()}
    with AppServer(args.pin) as server, sync_playwright() as pw:
        chromium_args = list(CHROMIUM_ARGS)
        executable = str(CHROMIUM)
        env = None
        if args.pin:
            env = {**os.environ}
            wrapper = Path(os.environ.get("TMPDIR", "/tmp")) / "chromium-cpu1"
            wrapper.write_text(f"#!/bin/sh\nexec taskset -c 1 {CHROMIUM} \"$@\"\n")
            wrapper.chmod(0o755)
            executable = str(wrapper)
        browser = pw.chromium.launch(executable_path=executable, args=chromium_args, env=env)
        print(f"server {server.url} ({load()})", flush=True)
        if not args.capacity:
            results["speed"] = speed(browser, server.url, args)
        else:
            results["capacity"] = []
            for n in [int(x) for x in args.capacity.split(",") if x]:
                row = capacity(browser, server, server.url, n, args.seconds)
                results["capacity"].append(row)
                print(json.dumps(row), flush=True)
        browser.close()
    results["end"] = load()
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
