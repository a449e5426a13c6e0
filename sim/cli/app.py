"""``leadsim app``: serve the interactive teaching app (Solara, on the Mesa model) in the browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from . import UserError

APP_MODULE = "sim.app.page"
DEFAULT_PORT = 8765
DEFAULT_HOST = "127.0.0.1"


def register(sub) -> None:
    p = sub.add_parser(
        "app", help="serve the interactive teaching app in the browser",
        description="Serve the interactive teaching app (a Solara server): pick a "
                    "scenario, move the sliders, press Reset, then Step or Play, and watch one "
                    "hospital's organisation and the outcome plots. Open the printed address in a "
                    "browser; stop with Ctrl+C. See docs/TEACHING.md.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to serve on (default {DEFAULT_PORT}; 0 picks a free port)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this computer only; "
                        "0.0.0.0 lets other computers of the classroom network connect)")
    p.add_argument("--scenarios", metavar="DIR", default=None,
                   help="folder of scenario files offered by the scenario picker "
                        "(default: ./scenarios, else the project's scenarios/)")
    p.add_argument("--open", action="store_true", help="open the app in the default web browser")
    p.add_argument("--install-assets", action="store_true",
                   help="fetch the web page's JavaScript and CSS from the npm registry into "
                        "Solara's cache (for machines that cannot reach the jsDelivr CDN) and exit")
    p.set_defaults(func=app_command)


def solara_command(port: int, host: str, open_browser: bool = False) -> list[str]:
    """The ``solara run`` command line that serves the app."""
    return [sys.executable, "-m", "solara", "run", APP_MODULE, "--port", str(port), "--host", host,
            "--production", "--open" if open_browser else "--no-open"]


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        return True
    except OSError:
        return False


def check_arguments(args) -> None:
    """Raise :class:`UserError` for a port or scenario folder the app cannot use."""
    if not 0 <= args.port <= 65535:
        raise UserError(f"'--port': {args.port} is out of range; allowed: 0..65535 "
                        "(0 picks a free port)")
    if args.port and not args.install_assets and not port_free(args.host, args.port):
        raise UserError(f"'--port': cannot listen on {args.host} port {args.port} (in use, or "
                        "--host is not an address of this computer); choose another with --port N "
                        "(0 picks a free port)")
    if args.scenarios is not None:
        folder = Path(args.scenarios)
        if not folder.is_dir():
            raise UserError(f"'--scenarios': {folder} is not a folder; give a folder of .toml "
                            "scenario files")
        if not any(folder.glob("*.toml")):
            raise UserError(f"'--scenarios': {folder} holds no .toml scenario file")


def app_command(args) -> int:
    check_arguments(args)
    try:
        import solara  # noqa: F401

        from ..app import assets
    except ImportError as err:  # solara is an optional dependency
        raise UserError(f"the app needs Solara ({err.name} is not installed); install it with: "
                        "pip install 'leadsim[app]'") from None
    if args.install_assets:
        try:
            done = assets.install_assets()
        except assets.AssetError as err:
            raise UserError(str(err)) from None
        where = assets.cache_dir()
        print(f"installed {', '.join(done)} into {where}" if done
              else f"web assets already installed in {where}")
        return 0
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")   # its fixed corner covers the app's views
    if args.scenarios is not None:
        env["LEADSIM_SCENARIOS"] = str(Path(args.scenarios).resolve())
    if assets.missing_packages():
        print("leadsim app: the page's web assets will be fetched from the jsDelivr CDN on first "
              "use; on a machine without internet access run 'leadsim app --install-assets' first",
              file=sys.stderr)
    shown = "localhost" if args.host in ("127.0.0.1", "localhost") else args.host
    port = args.port or "<free port, printed below>"
    print(f"leadsim app: serving on http://{shown}:{port}/ (stop with Ctrl+C)", flush=True)
    return subprocess.call(solara_command(args.port, args.host, args.open), env=env)
