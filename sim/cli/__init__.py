"""The ``leadsim`` command line.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``, which
adds its parser and sets ``func`` (called with the parsed arguments, returning an exit status).
User errors (bad scenario, bad parameter) are printed as one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from ..parameters import ParameterError
from ..scenario import ScenarioError

EXIT_USAGE = 2


class UserError(Exception):
    """An error caused by the user's input; shown as one line, exit status 2."""


def subcommand_modules() -> list[str]:
    """Modules of this package that define a subcommand (discovered, in a stable order)."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda n: (n != "run", n))


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="leadsim",
        description="Simulate concentrated and distributed leadership for quality improvement in "
                    "hospitals. Start with: leadsim run scenarios/baseline.toml",
    )
    parser.add_argument("--version", action="version", version=f"leadsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in subcommand_modules():
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except (ScenarioError, ParameterError, UserError) as err:
        print(f"leadsim: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("leadsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:      # e.g. `leadsim describe | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
