"""``leadsim run SCENARIO``: run a scenario and print its summary outcomes."""

from __future__ import annotations

from ..run import run_simulation
from ..scenario import load_scenario


def register(sub) -> None:
    p = sub.add_parser("run", help="run a scenario and print its summary outcomes",
                       description="Run a scenario file and print the summary outcomes.")
    p.add_argument("scenario", help="scenario file (TOML), e.g. scenarios/baseline.toml")
    p.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    p.set_defaults(func=run_command)


def run_command(args) -> int:
    changes = {} if args.seed is None else {"seed": args.seed}
    scenario = load_scenario(args.scenario, **changes)
    results = run_simulation(scenario.params)
    width = max(len(k) for k in results.summary)
    print(f"scenario {scenario.name}: {scenario.params.n_hospitals} hospitals, "
          f"{scenario.params.ticks} weeks, seed {scenario.params.seed}")
    for key, value in results.summary.items():
        print(f"  {key:<{width}}  {value:10.3f}")
    return 0
