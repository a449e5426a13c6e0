"""The ``leadsim`` command line.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``, which
adds its parser and sets ``func`` (called with the parsed arguments, returning an exit status).
User errors (bad scenario, bad parameter, bad flag, a run too large for this machine) are printed
as one line on stderr with exit status 2. SIGTERM is handled like Ctrl-C (exit status 143), so that
a terminated run cleans up what it was writing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import signal
import sys
import threading

from ..hints import did_you_mean
from ..parameters import ParameterError
from ..scenario import ScenarioError
from ..sizing import SizeError

EXIT_USAGE = 2
EXIT_TERMINATED = 143


class UserError(Exception):
    """An error caused by the user's input; shown as one line, exit status 2."""


class Terminated(BaseException):
    """SIGTERM received (raised in the main process, like KeyboardInterrupt for Ctrl-C)."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: no usage block, a spelling hint, exit status 2."""

    def error(self, message: str):
        hint = ""
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        choice = re.search(r"invalid choice: '([^']*)'", message)
        if unknown and unknown.group(1).startswith("--"):
            flags = {o[2:] for a in self._actions for o in a.option_strings if o.startswith("--")}
            close = did_you_mean(unknown.group(1)[2:].split("=")[0], sorted(flags))
            hint = re.sub(r"(mean |or )", r"\1--", close)
        elif choice:
            hint = did_you_mean(choice.group(1), re.findall(r"'([^']*)'",
                                                            message.split("choose from", 1)[-1]))
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{hint} (see {self.prog} --help)\n")


def subcommand_modules() -> list[str]:
    """Modules of this package that define a subcommand (discovered, in a stable order)."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda n: (n != "run", n))


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = Parser(
        prog="leadsim",
        description="Simulate concentrated and distributed leadership for quality improvement in "
                    "hospitals. Start with: leadsim run scenarios/baseline.toml",
    )
    parser.add_argument("--version", action="version", version=f"leadsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in subcommand_modules():
        importlib.import_module(f"{__name__}.{name}").register(sub)
    parser.set_defaults(subcommands=sub.choices)
    return parser


def _on_sigterm(signum, frame):
    if os.getpid() != _MAIN_PID[0]:     # a forked worker: die as SIGTERM would have it
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated()


_MAIN_PID = [0]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:       # named by the subcommand's parser, with a hint from its own flags
        owner = args.subcommands.get(args.command, parser) if args.command else parser
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    previous = None
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
        _MAIN_PID[0] = os.getpid()
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args) or 0)
    except (ScenarioError, ParameterError, UserError, SizeError) as err:
        print(f"leadsim: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("leadsim: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("leadsim: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:      # e.g. `leadsim describe | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
