"""Speed of the teaching app in a real browser, and how many students one server serves.

    .venv/bin/python benchmarks/app_speed.py                       # speed of one session
    .venv/bin/python benchmarks/app_speed.py --capacity 1,5,10 --pin  # browser sessions at 1 week/s
    .venv/bin/python benchmarks/app_speed.py --server-only 10,20,30,40  # the server's side alone
    git archive dd962b5 | tar -x -C /tmp/old && .venv/bin/python benchmarks/app_speed.py --app-dir /tmp/old

``leadsim app`` is served on a free localhost port and Debian's headless Chromium is driven with
Playwright (``apt-get install -y chromium``; another path with ``LEADSIM_CHROMIUM``), as a student
would use the app. Everything is timed inside the page (``performance.now()``, sampled every
animation frame), so the figures include the server's work, the websocket and the browser's drawing.

Speed (one session, the app's default scenario; targets of issue 14):

* **play**: weeks per second while playing (the week counter's advance over ``--seconds``), and for
  each view (organisation view and plots) the share of those weeks it was drawn with: in the page
  (``dom_share``, from a MutationObserver on ``data-week``) and on screen (``painted_share``, a
  change seen between two animation frames; two updates inside one frame count once). "Every
  view updated each week" means every ``dom_share`` is 1.0. Target: at least 5 weeks/s with every
  view updated.
* **step**: from the click on *Step* until the week counter and every view show the next week
  (median of ``--steps``). Target: under 0.5 s.
* **reset**: from the click on *Reset* (after playing) until week 0 and every view redrawn (median of
  ``--resets``). Target: under 2 s.

Capacity (``--capacity N1,N2,...``): N pages of one browser each start a run and play at 1 week/s
(the app's speed control) for ``--seconds``; reported per N: the slowest and median session's
weeks/s and the server's CPU use (share of one core, from ``/proc``). A load is *sustained* when
the slowest session keeps at least 0.95 weeks/s. The server does the same work for every page, but
drawing N pages' SVG would make this one machine's browser, not the server, the bottleneck (in a
classroom every student's device draws its own): so only the first page draws its views, the
others hide them (the page still receives and applies every update), unless ``--draw-all``. With
``--pin`` the server runs on CPU 0 and the browser on CPU 1 (``taskset``).

Server only (``--server-only N1,N2,...``): N students' pages rendered in this one process with
Solara's test renderer (the app's code, play loops and widget updates; no browser, no websocket),
each playing at 1 week/s: where the server alone saturates. The browser runs add what the
websockets cost (compare their CPU per session-week).

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
  // every week each view was set to in the DOM (data-week), painted or not
  p.domWeeks = {};
  const record = (el) => {
    const v = el.getAttribute && el.getAttribute('data-view');
    if (!v) return;
    (p.domWeeks[v] = p.domWeeks[v] || []).push([performance.now(), parseInt(el.getAttribute('data-week'))]);
  };
  new MutationObserver(muts => {
    for (const m of muts) {
      if (m.type === 'attributes') record(m.target);
      else for (const n of m.addedNodes) { record(n); if (n.querySelectorAll) n.querySelectorAll('[data-view]').forEach(record); }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-week']});
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

    def __init__(self, pin: bool, app_dir: Path = REPO):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [sys.executable, "-m", "sim", "app", "--port", str(self.port), "--host", "127.0.0.1",
               "--scenarios", str(app_dir / "scenarios")]
        if pin:
            cmd = ["taskset", "-c", "0", *cmd]
        env = {**os.environ, "PYTHONPATH": str(app_dir)}   # that checkout's sim package
        self.log = open(os.environ.get("APP_SPEED_LOG", "/dev/null"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=app_dir, env=env)

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
        page.get_by_role("option", name=re.compile(rf"^{weeks_per_s:g} weeks?")).click()
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
    pause = button(page, "Pause", "\u275a\u275a")
    if pause.count():
        pause.click()
    data = page.evaluate("(t) => ({w: window.__probe.weekEvents.filter(e => e[0] >= t), "
                         "v: window.__probe.viewEvents.filter(e => e[0] >= t), "
                         "n: window.__probe.views.length, d: window.__probe.domWeeks})", probe_start)
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
    # weeks each view was set to in the page (DOM), whether or not a frame was painted in between
    dom = {name: round(len({w for _, w in events if w0 < w <= w1}) / max(w1 - w0, 1), 3)
           for name, events in (data["d"] or {}).items()}
    return {"weeks_per_s": round(rate, 2), "weeks": w1 - w0, "painted_share": shares,
            "dom_share": dom}


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
    out["play"] = {}
    for setting in (args.play_speed if is_new_app(page) else ["default"]):
        if setting != "default":
            set_speed(page, setting)
        if current_week(page) != 0:   # from week 0, so that the run does not reach its horizon
            click_latency(page, ("Reset",), 0)
        out["play"][str(setting)] = play_rate(page, args.seconds)
        print(f"play at {setting}: {out['play'][str(setting)]}  ({load()})", flush=True)
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


HIDE_VIEWS = ".leadsim-views, .leadsim-settings { display: none !important; }"


def capacity(browser, server: AppServer, url: str, sessions: int, seconds: float,
             draw_all: bool = False) -> dict:
    pages = []
    for k in range(sessions):
        page = open_app(browser, url, viewport=(1280, 900))
        set_speed(page, 1.0)
        if k > 0 and not draw_all:   # the server's work is the same; the browser's is not ours
            page.add_style_tag(content=HIDE_VIEWS)
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


def server_only(sessions: int, seconds: float) -> dict:
    """``sessions`` students' pages rendered in this process (Solara's test renderer: the app's
    own code, its play loops and widget updates, without browsers or websockets), each playing at
    1 week/s for ``seconds``: the weeks/s each reaches and this process's CPU use."""
    import ipyvuetify as v
    import solara

    from sim.app.page import Page

    def week_of(rc) -> int:
        line = [w for w in rc.find(solara.widgets.HTML).widgets if w.attributes.get("data-run")]
        return int(re.search(r"Week (\d+) of", line[0].unsafe_innerHTML).group(1))

    def button_of(rc, label):
        return [b for b in rc.find(v.Btn).widgets if label in b.children][0]

    contexts = [solara.render(Page(), handle_error=False)[1] for _ in range(sessions)]
    for rc in contexts:
        [s for s in rc.find(v.Select).widgets if s.label == "Play speed"][0].v_model = "1 week/s"
    for rc in contexts:
        button_of(rc, "Play").click()
    time.sleep(2)   # every loop running
    t0, c0 = time.monotonic(), time.process_time()
    w0 = [week_of(rc) for rc in contexts]
    time.sleep(seconds)
    t1, c1 = time.monotonic(), time.process_time()
    rates = [(week_of(rc) - a) / (t1 - t0) for rc, a in zip(contexts, w0)]
    for rc in contexts:
        button_of(rc, "Pause").click()
    time.sleep(1.5)
    for rc in contexts:
        rc.close()
    return {"sessions": sessions, "slowest_weeks_per_s": round(min(rates), 3),
            "median_weeks_per_s": round(statistics.median(rates), 3),
            "cpu_share_of_one_core": round((c1 - c0) / (t1 - t0), 2),
            "cpu_ms_per_session_week": round(1000 * (c1 - c0) / max(sum(rates) * (t1 - t0), 1e-9), 1),
            "sustained": min(rates) >= 0.95, "load": load()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds of play per measurement")
    parser.add_argument("--steps", type=int, default=7, help="timed Step clicks")
    parser.add_argument("--resets", type=int, default=3, help="timed Reset clicks")
    parser.add_argument("--play-speed", type=float, nargs="+", default=[5, 20],
                        help="speeds chosen in the app for the play measurements (weeks/s; the "
                             "default 5 and the fastest setting, which shows what the app "
                             "sustains)")
    parser.add_argument("--capacity", default="", help="comma-separated numbers of sessions")
    parser.add_argument("--server-only", default="",
                        help="comma-separated numbers of sessions rendered in this process, "
                             "without browsers (the server's own share of the capacity)")
    parser.add_argument("--draw-all", action="store_true",
                        help="capacity: every page draws its views (this machine's browser then "
                             "limits the figure)")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, browser on CPU 1 (taskset)")
    parser.add_argument("--app-dir", type=Path, default=REPO,
                        help="serve the app of another checkout of the project (e.g. an export of "
                             "an older commit, for a before/after comparison)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    args = parser.parse_args(argv)
    if args.server_only:
        from sim.app.model import warm_up

        warm_up()
        rows = []
        for n in [int(x) for x in args.server_only.split(",") if x]:
            rows.append(server_only(n, args.seconds))
            print(json.dumps(rows[-1]), flush=True)
        if args.json:
            print(json.dumps({"cpus": os.cpu_count(), "server_only": rows}, indent=1))
        return 0
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    from sim.app.model import warm_up

    warm_up()
    results = {"cpus": os.cpu_count(), "start": load()}
    with AppServer(args.pin, args.app_dir.resolve()) as server, sync_playwright() as pw:
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
                row = capacity(browser, server, server.url, n, args.seconds, args.draw_all)
                results["capacity"].append(row)
                print(json.dumps(row), flush=True)
        browser.close()
    results["end"] = load()
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
