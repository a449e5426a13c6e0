"""Write the teaching notebooks (``notebooks/0*.ipynb``) from the cells below, and run them.

Run from the project folder after editing a cell, or after the model changed::

    .venv/bin/python notebooks/build_notebooks.py --execute   # write and run: outputs saved
    .venv/bin/python notebooks/build_notebooks.py             # write only (outputs stripped)

The notebooks are committed *executed*, so a teacher previewing one (on a repository site, in an
editor) sees its figures. ``tests/test_notebooks.py`` checks that the committed cells are the ones
written here, that the committed notebooks carry their outputs, and runs every one afresh. Keep
them small (tiny hospitals, few replications) so that each runs in well under a minute, and never
write a result into the narrative: ask the question and let the figure answer it (the model is
still being calibrated, so the answers may change, and ``--execute`` brings the figures up to date).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SOURCES = """\
**Sources.** McKee L, Charles K, Dixon-Woods M, Willars J, Martin G (2013). 'New' and distributed
leadership in quality and safety in healthcare, or 'old' and hierarchical? *J Health Serv Res
Policy* 18(Suppl 2):11-19. Carstensen K, Kjeldsen AM, Nielsen CP (2023). Distributed leadership in
health quality improvement collaboratives. *Health Care Manage Rev* 49(1):46-58. West M, Steward K,
Eckert R, Pasmore B (2014). *Developing collective leadership for health care*. The King's Fund.
The model's rules are described in `docs/ODD.md`."""

SETUP = '''\
# Setup: a tiny collaborative so that every cell runs in seconds. (The first run on a new machine
# compiles the model's numba kernel, which takes 20-30 s once; later runs reuse the compiled code.)
%matplotlib inline
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from sim import Parameters, run_simulation
from sim.outputs.statistics import outcome_ci
from sim.scenario import replication_seeds

TINY = Parameters(n_hospitals=2, staff_per_hospital=100, unit_size=20, ticks=156, seed=2024)
REPLICATIONS = 4


def replicate(params, n=REPLICATIONS, **changes):
    """Run n replications of params with some knobs changed; one row of summary outcomes per run.

    The replications use independent seeds derived from params.seed, so the same call always
    gives the same rows (and different knob values are compared on the same seeds).
    """
    rows = []
    for k, seed in enumerate(replication_seeds(params.seed, n)):
        result = run_simulation(params, seed=seed, **changes)
        rows.append({**changes, "replication": k, **result.summary})
    return pd.DataFrame(rows)


#: The unit of every outcome used below (see docs/ODD.md for the exact definitions).
UNITS = {
    "improvement": "gain per hospital per year",
    "sustained_improvement": "gain still in place per hospital",
    "nobody_in_charge_rate": "share of ended tasks", "conflict_failure_rate": "share of ended tasks",
    "completion_rate": "share of ended tasks", "abandonment_rate": "share of ended tasks",
    "vacuum_exposure": "share of active task-weeks", "conflict_exposure": "share of active task-weeks",
    "direction_share": "share of active task-weeks", "mean_alignment": "0-1, effort-weighted",
    "mean_motivation": "0-1, mean over staff and weeks", "leadership_gini": "Gini, 0-1",
    **{f"leadership_share_{r}": "share of leader-weeks"
       for r in ("manager", "clinician", "hybrid", "coordinator")},
}


def label(outcome):
    """An outcome's name with its unit, for titles, axes and tables."""
    return f"{outcome} ({UNITS[outcome]})"


def mean_ci(frame, by, outcome, level=0.95):
    """Mean of an outcome per group with a 95% confidence interval over the replications.

    Shares (rates, exposures) get a Wilson interval that stays within [0, 1]; amounts a
    t-interval (sim.outputs.statistics.outcome_ci, as in `leadsim run`).
    """
    rows = {key: outcome_ci(group, outcome, level) for key, group in frame.groupby(by)}
    table = pd.DataFrame(rows).T[["mean", "ci_low", "ci_high", "n"]].astype(float)
    table.index.name = by
    return table.rename(columns={"ci_low": "low", "ci_high": "high"})


def plot_ci(ax, table, label=None, **style):
    """Means with 95% confidence intervals, one point per group (index of the table)."""
    ax.errorbar(table.index, table["mean"],
                yerr=[table["mean"] - table["low"], table["high"] - table["mean"]],
                capsize=3, marker="o", label=label, **style)
'''


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str):
    return new_code_cell(text.strip("\n"))


# --------------------------------------------------------------------------------------------------
NB01 = [
    md("""
# 1. Concentrated or distributed leadership of quality improvement?

Who should lead quality-improvement (QI) work in a hospital: the people with *positions*
(executives, managers: "old", **concentrated** leadership) or whoever has the *expertise,
credibility, motivation and relationships* for the task ("new", **distributed** or collective
leadership)?

* McKee et al. (2013) interviewed 107 strategic stakeholders of the NHS. They valued distributed
  leadership, but warned that it "could go too far": the most effective form of leadership for
  quality and safety, in their view, **blends** distributed and concentrated leadership.
* West et al. (2014) argue for **collective leadership**: "distributing and allocating leadership
  power to wherever expertise, capability and motivation sit within organisations".

In the model, the knob `leadership_mix` (0 to 1) sets what counts when someone *claims* leadership of
a task and others *grant* it (DeRue & Ashford 2010): at 0 only positional authority (tasks are
assigned down the hierarchy), at 1 only expertise, credibility, motivation and relationships; values
between blend the two.

**In this notebook** you will (1) see who ends up leading under each mix, (2) look inside one
hospital, and (3) ask whether a blend does better than either pole, with replications and
confidence intervals.
"""),
    code(SETUP),
    md("""
## 1.1 Who leads?

Run the tiny collaborative (2 hospitals of 100 staff, 3 years) at the two poles and at a blend, and
look at the share of leadership (leader-weeks) held by each group of staff.

*Before you run the cell: which groups do you expect to lead at `leadership_mix = 0`, and at 1?*
"""),
    code("""
mixes = [0.0, 0.5, 1.0]
shares = pd.DataFrame({
    mix: {role: run_simulation(TINY, leadership_mix=mix).summary[f"leadership_share_{role}"]
          for role in ["manager", "clinician", "hybrid", "coordinator"]}
    for mix in mixes}).T
ax = shares.plot.bar(stacked=True, figsize=(6, 3.5), rot=0)
ax.set_xlabel("leadership_mix")
ax.set_ylabel("share of leader-weeks")
ax.set_title("Who leads QI tasks?")
ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left")
plt.show()
shares.round(2)
"""),
    md("""
**Questions.** How does the role mix of leaders change between the poles? Where do hybrid
clinician-managers sit: McKee's participants praised senior hybrids (such as a chief nurse) who
combine "the knowledge and professional legitimacy of clinical experience with the ability to make
things happen". What does the Gini coefficient of leadership (`leadership_gini` in the summary)
say about how concentrated leadership is at each mix?
"""),
    md("""
## 1.2 Inside one hospital

The same picture the interactive app shows (`leadsim app`): hospital 0's staff network (units on a
ring, managers and coordinators inside, informal ties in grey, formal reporting lines dashed) and its
active QI tasks after one year. Leaders wear a black ring with the numbers of the tasks they lead.
"""),
    code("""
from sim import LeadershipModel
from sim.app.organisation_view import draw_organisation

for mix in (0.0, 1.0):
    model = LeadershipModel(TINY.replace(leadership_mix=mix))
    for week in range(52):
        model.step()
    fig = draw_organisation(model)
    fig.suptitle(f"leadership_mix = {mix}", y=1.02)
    display(fig)
"""),
    md("""
**Questions.** At `leadership_mix = 0`, who holds the rings? At 1? Which tasks have no leader
(grey bars) or leaders in conflict (red)? Do tasks that cross many units have more leaders?
"""),
    md("""
## 1.3 Is a blend best?

Now the main question. Sweep `leadership_mix` from 0 to 1 at moderate management support and
compare the improvement achieved (gain from completed tasks per hospital per year) with 95%
confidence intervals over replications. Each point is `REPLICATIONS` runs with different seeds.
"""),
    code("""
sweep = pd.concat([replicate(TINY, leadership_mix=mix) for mix in [0.0, 0.25, 0.5, 0.75, 1.0]])

fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
plot_ci(axes[0], mean_ci(sweep, "leadership_mix", "improvement"))
axes[0].set_title("Improvement")
axes[0].set_ylabel(UNITS["improvement"])
plot_ci(axes[1], mean_ci(sweep, "leadership_mix", "nobody_in_charge_rate"), label="nobody in charge")
plot_ci(axes[1], mean_ci(sweep, "leadership_mix", "conflict_failure_rate"), label="conflict")
axes[1].set_title("Tasks that failed")
axes[1].set_ylabel(UNITS["nobody_in_charge_rate"])
axes[1].legend()
plot_ci(axes[2], mean_ci(sweep, "leadership_mix", "direction_share"), label="direction")
plot_ci(axes[2], mean_ci(sweep, "leadership_mix", "mean_alignment"), label="alignment")
plot_ci(axes[2], mean_ci(sweep, "leadership_mix", "mean_motivation"), label="commitment")
axes[2].set_title("Direction, alignment, commitment")
axes[2].set_ylabel("share or level (0-1)")
axes[2].legend()
for ax in axes:
    ax.set_xlabel("leadership_mix")
plt.tight_layout()
plt.show()
print(label("improvement"), "- mean and 95% CI over", REPLICATIONS, "replications")
mean_ci(sweep, "leadership_mix", "improvement").round(2)
"""),
    md("""
**Questions.**

1. Is improvement highest at an interior mix, as McKee's stakeholders would predict? Is the peak
   clearly above *both* poles, or do the confidence intervals overlap?
2. Which failure mode dominates near each pole: tasks with **nobody in charge** or tasks whose
   leaders send **mixed messages**? Why would each pole produce its own kind of failure?
3. West et al. argue that direction, alignment and commitment follow when relationships between
   leaders are well developed. Which of the three moves most with the mix here?

## Exercises

1. **Support.** Repeat the sweep with `TINY.replace(management_support=0.2)` and with 0.9. Does the
   best mix move? (Notebook 2 follows this up.)
2. **Hybrids.** McKee's participants praised hybrid clinician-managers. Vary `hybrid_share` (0.0,
   0.3, 0.6) at `leadership_mix = 0.5`. Who leads now, and does improvement change?
3. **Precision.** Double `REPLICATIONS`. By how much do the confidence intervals shrink? (For
   independent replications the half-width falls roughly as one over the square root of n.)
4. **Size.** The hospitals here are tiny. Run a few points with `staff_per_hospital=200`. Which
   conclusions are robust to size?
5. **Interactive.** Start the app (`leadsim app`), set the leadership mix to 0 and to 1, press
   *Reset* and *play*, and watch who leads and which tasks fail.
"""),
    md(SOURCES),
]

# --------------------------------------------------------------------------------------------------
NB02 = [
    md("""
# 2. "Everybody's business becomes nobody's business"

McKee et al. (2013) found that distributed leadership, for all its value, "risked neutralising the
focus for getting things done: 'everybody's business becomes nobody's business'". At national level,
"excessive pluralisation of responsibility ... was seen as running the risk of leaving 'nobody in
charge'". Without senior backing, "the enthusiasm and will of those at the sharp end were seen as
vulnerable to withering".

Carstensen et al. (2023) studied two Danish QI collaboratives: leadership in local QI teams was
widely distributed and negotiated, but **local quality coordinators** played a pivotal role, and
**hierarchical support from management** was a precondition for progress.

In the model a task fails *nobody in charge* when it has had no legitimate leader for
`vacuum_patience` weeks. Under distributed leadership nobody is assigned: someone must step forward,
and the more people who could, the less each feels it is theirs (**diffusion of responsibility**,
Darley & Latane 1968), unless a coordinator negotiated who leads.

**In this notebook** you will ask when distribution turns into a vacuum of leadership, and which
parts of the organisation prevent it.
"""),
    code(SETUP),
    md("""
## 2.1 A vacuum, week by week

One hospital, highly distributed leadership and little management support. How many active tasks
have no legitimate leader each week?
"""),
    code("""
from sim import LeadershipModel

model = LeadershipModel(TINY.replace(leadership_mix=0.9, management_support=0.1))
for week in range(TINY.ticks):
    model.step()
weekly = model.timeseries()
h0 = weekly[weekly.hospital == 0]

fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(h0.tick, h0.active_tasks, label="active tasks")
ax.plot(h0.tick, h0.vacuum_tasks, label="with no legitimate leader")
ax.plot(h0.tick, h0.failed_vacuum.cumsum(), label="failed 'nobody in charge' (cumulative)")
ax.set_xlabel("week")
ax.set_ylabel("tasks")
ax.legend()
plt.show()
"""),
    md("""
**Questions.** How long do leaderless tasks stay leaderless? How does that compare with
`vacuum_patience` (the weeks a task survives without a leader)? Try the same cell with
`leadership_mix=0.1`.
"""),
    md("""
## 2.2 Does the vacuum grow with distribution, and does support prevent it?

Sweep the leadership mix at low and at moderate management support. The outcome is the
*nobody-in-charge failure rate*: tasks that failed for lack of a leader, out of all tasks that
ended. The second panel shows *vacuum exposure*: the share of active task-weeks with no legitimate
leader.
"""),
    code("""
mixes = [0.0, 0.5, 1.0]
runs = pd.concat([replicate(TINY, n=3, leadership_mix=mix, management_support=support)
                  for support in (0.1, 0.6) for mix in mixes])

fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
for support, group in runs.groupby("management_support"):
    label = f"support {support}"
    plot_ci(axes[0], mean_ci(group, "leadership_mix", "nobody_in_charge_rate"), label=label)
    plot_ci(axes[1], mean_ci(group, "leadership_mix", "vacuum_exposure"), label=label)
    plot_ci(axes[2], mean_ci(group, "leadership_mix", "improvement"), label=label)
for ax, outcome in zip(axes, ["nobody_in_charge_rate", "vacuum_exposure", "improvement"]):
    ax.set_title(outcome)
    ax.set_ylabel(UNITS[outcome])
for ax in axes:
    ax.set_xlabel("leadership_mix")
    ax.legend()
plt.tight_layout()
plt.show()
"""),
    md("""
**Questions.**

1. At low support, does the nobody-in-charge rate rise as leadership becomes more distributed?
   Is the rise clear given the confidence intervals?
2. Does management support change the *slope*? Carstensen et al. call support a *precondition*:
   what would a precondition look like in the third panel?
3. McKee's participants spoke of the national level too. Which knobs of the model represent the
   national level? (Notebook 4 looks at them.)
"""),
    md("""
## 2.3 The mechanisms: diffusion of responsibility and coordinators

Two parts of the model act on the vacuum directly. `diffusion_of_responsibility` sets how much each
additional person who could lead lowers everyone's felt responsibility to step forward.
`coordinators_per_hospital` sets how many local quality coordinators can broker tasks: negotiate
aims, roles and scope, and so who leads.
"""),
    code("""
distributed = TINY.replace(leadership_mix=0.8, management_support=0.4)
diffusion = pd.concat([replicate(distributed, n=3, diffusion_of_responsibility=d)
                       for d in (0.0, 2.0)])
coordinators = pd.concat([replicate(distributed, n=3, coordinators_per_hospital=c)
                          for c in (0, 5)])

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
plot_ci(axes[0], mean_ci(diffusion, "diffusion_of_responsibility", "vacuum_exposure"))
axes[0].set_xlabel("diffusion_of_responsibility")
axes[0].set_title("Vacuum exposure")
axes[0].set_ylabel(UNITS["vacuum_exposure"])
plot_ci(axes[1], mean_ci(coordinators, "coordinators_per_hospital", "vacuum_exposure"),
        label="vacuum exposure")
plot_ci(axes[1], mean_ci(coordinators, "coordinators_per_hospital", "conflict_exposure"),
        label="conflict exposure")
axes[1].set_xlabel("coordinators per hospital")
axes[1].set_title("Coordinators")
axes[1].set_ylabel(UNITS["vacuum_exposure"])
axes[1].legend()
plt.tight_layout()
plt.show()
"""),
    md("""
**Questions.** Which of the two levers moves the vacuum more in this tiny organisation? Do
coordinators act on the vacuum, on conflict, or on both? Carstensen et al. describe coordinators
negotiating "aims, roles and scope": which of those would you expect to prevent a vacuum, and which
to prevent mixed messages?

## Exercises

1. **Patience.** Halve and double `vacuum_patience`. Which outcomes change: the failure rate, the
   exposure, or both? Why might they respond differently?
2. **Consolidation.** Carstensen et al. stress consolidating emergent leadership into stable roles.
   Vary `consolidation_rate` (0, 0.05, 0.2) under distributed leadership. What happens to the vacuum
   when leaders leave (raise `turnover_rate` to 0.3)?
3. **Design an intervention.** You can afford either 3 more coordinators per hospital or +0.3
   management support. Which does more against the vacuum at `leadership_mix = 0.8`? Is your answer
   the same for improvement?
4. **Interactive.** In the app, pick a scenario, set support to 0.1 and the leadership mix to 1, press
   *Reset* and *play*: watch the grey bars (no leader) in the task panel.
"""),
    md(SOURCES),
]

# --------------------------------------------------------------------------------------------------
NB03 = [
    md("""
# 3. Which knobs matter? A first sensitivity analysis

A model with twenty knobs cannot be understood one knob at a time. **Global sensitivity analysis**
asks which inputs move which outputs, over the whole of their plausible ranges. The **Morris
method** (elementary effects) is a cheap screening: it walks random one-at-a-time trajectories
through the parameter space and records how much the output changes at each step.

* **mu\\*** (mean absolute elementary effect): how much the knob matters overall;
* **sigma** (spread of the effects): whether its effect depends on where you are, i.e. on the other
  knobs (interactions) or is nonlinear.

The sources suggest interactions: Carstensen et al. (2023) found management support to be a
*precondition* for distributed leadership to pay off, so the effect of `leadership_mix` should depend
on `management_support`. McKee et al. (2013) point to national coherence and to the blend of
leadership; West et al. (2014) to relationships between leaders.

Here we screen four knobs on a tiny model with [SALib](https://salib.readthedocs.io) directly. For
real studies use the project's tool (`leadsim sensitivity`, see `docs/SENSITIVITY.md`), which runs
larger designs in parallel, with replications, convergence checks and seed-noise estimates.
"""),
    code(SETUP),
    code("""
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample
from sim.parameters import SPECS

KNOBS = ["leadership_mix", "management_support", "coordinators_per_hospital", "national_coherence"]
bounds = {name: [SPECS[name].low, SPECS[name].high] for name in KNOBS}
bounds["coordinators_per_hospital"] = [0, 8]   # the declared range (up to 30) is far too wide for 100 staff
problem = {"num_vars": len(KNOBS), "names": KNOBS, "bounds": [bounds[n] for n in KNOBS]}
pd.DataFrame(bounds, index=["low", "high"]).T
"""),
    md("""
## 3.1 The design

`N` trajectories of `len(KNOBS) + 1` points each. Integer knobs are rounded before the model runs.
All points use the same seed (*common random numbers*), so differences between points come from the
knobs, not from luck.
"""),
    code("""
N_TRAJECTORIES = 6
X = morris_sample.sample(problem, N=N_TRAJECTORIES, num_levels=4, seed=11)
print(f"{len(X)} model runs")


def as_parameters(row):
    values = {name: (round(v) if SPECS[name].kind is int else float(v)) for name, v in zip(KNOBS, row)}
    return TINY.replace(**values)


OUTCOMES = ["improvement", "nobody_in_charge_rate", "conflict_failure_rate", "direction_share"]
results = pd.DataFrame([run_simulation(as_parameters(row)).summary for row in X])[OUTCOMES]
results.describe().round(3).rename(columns=label)
"""),
    md("""
## 3.2 Elementary effects
"""),
    code("""
fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(16, 3.8))
indices = {}
for ax, outcome in zip(axes, OUTCOMES):
    si = morris_analyze.analyze(problem, X, results[outcome].to_numpy(), num_levels=4, seed=11)
    indices[outcome] = pd.DataFrame({"mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"],
                                     "sigma": si["sigma"]}, index=KNOBS)
    ax.scatter(si["mu_star"], si["sigma"])
    for name, x, y in zip(KNOBS, si["mu_star"], si["sigma"]):
        ax.annotate(name, (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.set_title(f"{outcome}\\n({UNITS[outcome]})", fontsize=10)
    ax.set_xlabel("mu* (importance, in the outcome's unit)")
    ax.set_ylabel("sigma (interactions / nonlinearity)")
plt.tight_layout()
plt.show()
pd.concat(indices, axis=1).round(3).rename(columns=label, level=0)
"""),
    md("""
**Questions.**

1. Which knob matters most for improvement? For the nobody-in-charge rate? Is it the same knob?
2. Which knobs have a large sigma compared with their mu\\*? What does that say about reading a
   one-knob-at-a-time result (like notebook 1's sweep) as *the* effect of that knob?
3. Does the screening agree with Carstensen's claim that support is a precondition? What would you
   expect sigma of `leadership_mix` to be if it is?
"""),
    md("""
## 3.3 How much is noise?

With one run per point, part of every elementary effect is seed noise: run the same parameters with
other seeds and the outcome changes. Compare the spread between seeds at one point with the
mu\\* values above.
"""),
    code("""
noise = replicate(TINY, n=4)
pd.DataFrame({"sd between seeds": noise[OUTCOMES].std(),
              "largest mu*": {o: indices[o]["mu_star"].max() for o in OUTCOMES}}).round(3).rename(index=label)
"""),
    md("""
**Questions.** For which outcomes is the largest mu\\* well above the seed noise? Where it is not,
what would you change in the design (hint: replications per point, number of trajectories, size of
the hospitals, length of the run)?

## Exercises

1. **More trajectories.** Set `N_TRAJECTORIES = 12`. Do the rankings stay the same? Do the
   confidence intervals (`mu_star_conf`) shrink?
2. **More knobs.** Add `turnover_rate` and `consolidation_rate` to `KNOBS`. Carstensen et al. stress
   consolidation for *sustained* improvement: add `sustained_improvement` to `OUTCOMES` and look.
3. **An interaction, directly.** Run a 3 x 3 grid of `leadership_mix` x `management_support` with
   replications and plot improvement against the mix, one line per support level. Do the lines
   cross, fan out, or run parallel? What does that mean for sigma?
4. **The real tool.** Read `docs/SENSITIVITY.md` and run a small Morris study with
   `leadsim sensitivity ... --dry-run` to see its design.
"""),
    md(SOURCES),
]

# --------------------------------------------------------------------------------------------------
NB04 = [
    md("""
# 4. Policy scenarios

A **scenario** is a plain text file (TOML) in `scenarios/` that sets some of the model's knobs and
says where the idea comes from. Each one is a small policy story drawn from the sources:

* **concentrated trust** ("old" leadership): tasks assigned down the hierarchy (McKee et al. 2013);
* **blended coalitions**: manager-clinician coalitions and hybrid clinician-managers "combining
  credibility with control", with top-level backing (McKee et al. 2013);
* **distributed QIC**: a QI collaborative with emergent local leadership and quality coordinators
  (Carstensen et al. 2023), and the same **without coordinators**;
* **collective culture**: dense relationships between leaders and a supportive board (West et al.
  2014);
* **national vacuum**: many national bodies with incoherent aims, "too many initiatives coming down"
  and duplicated reporting (McKee et al. 2013).

**In this notebook** you will load the shipped scenarios, run each at classroom size with
replications, compare them, and write a scenario of your own.
"""),
    code(SETUP),
    code("""
from pathlib import Path

from sim import HospitalOverride
from sim.scenario import ScenarioError, load_scenario

SCENARIOS = next(p for p in (Path("scenarios"), Path("../scenarios")) if p.is_dir())
scenarios = {path.stem: load_scenario(path) for path in sorted(SCENARIOS.glob("*.toml"))}
pd.DataFrame({name: {"description": s.description,
                     "leadership_mix": s.params.leadership_mix,
                     "management_support": s.params.management_support,
                     "coordinators": s.params.coordinators_per_hospital,
                     "national bodies": s.params.n_national_bodies,
                     "coherence": s.params.national_coherence,
                     "per-hospital overrides": len(s.params.hospitals)}
              for name, s in scenarios.items()}).T
"""),
    md("""
## 4.1 Classroom size

The shipped scenarios describe collaboratives of ten hospitals of 200 staff over ten years. To run
them in seconds we keep every knob but shrink the organisation: two hospitals of 100 staff over
three years. Per-hospital settings of the first two hospitals are kept (e.g. a site with weak
backing); those of hospitals that no longer exist are dropped.
"""),
    code("""
def classroom(scenario, n_hospitals=2):
    p = scenario.params
    kept = []
    for override in p.hospitals:
        values = {k: v for k, v in override.values.items() if k != "staff_per_hospital"}
        if override.hospital < n_hospitals and values:
            kept.append(HospitalOverride(override.hospital, values))
    # a collaborative's regional coordinators: at most one per hospital that remains
    regional = min(p.regional_coordinators, n_hospitals) if n_hospitals >= 2 else 0
    return p.replace(n_hospitals=n_hospitals, staff_per_hospital=TINY.staff_per_hospital,
                     unit_size=TINY.unit_size, ticks=TINY.ticks, hospitals=tuple(kept),
                     regional_coordinators=regional)


runs = pd.concat([replicate(classroom(s), n=3).assign(scenario=name) for name, s in scenarios.items()])
OUTCOMES = ["improvement", "sustained_improvement", "nobody_in_charge_rate", "conflict_failure_rate",
            "direction_share", "mean_alignment", "mean_motivation"]
runs.groupby("scenario")[OUTCOMES].mean().round(3).rename(columns=label)
"""),
    code("""
fig, axes = plt.subplots(1, 3, figsize=(15, 4), sharey=True)
for ax, outcome in zip(axes, ["improvement", "nobody_in_charge_rate", "conflict_failure_rate"]):
    table = mean_ci(runs, "scenario", outcome)
    ax.barh(table.index, table["mean"], xerr=[table["mean"] - table["low"], table["high"] - table["mean"]],
            capsize=3, color="#8ec9e8", edgecolor="#1f4e9c")
    ax.set_title(f"{outcome}\\n({UNITS[outcome]})", fontsize=10)
plt.tight_layout()
plt.show()
"""),
    md("""
**Questions.**

1. Rank the scenarios by improvement. Which differences are larger than their confidence intervals
   (three replications are few: what would you need to be sure)?
2. **National vacuum.** McKee's participants described "too many people leading it ... too many
   initiatives coming down ... all asking different things". Does the national-vacuum scenario show
   more conflict failures than the baseline? Less improvement?
3. **Coordinators.** Compare *distributed QIC* with *no coordinators*. Carstensen et al. found local
   coordinators pivotal. Does the model agree at this size?
4. **Blends.** Where do *blended coalitions* and *collective culture* fall relative to the two
   poles (*concentrated trust*, *distributed QIC*)?
"""),
    md("""
## 4.2 Write your own scenario

A scenario can start from another (`extends`) and change a few knobs. Errors name the file, the key
and what is allowed, so typos are caught before anything runs:
"""),
    code("""
import tempfile

folder = Path(tempfile.mkdtemp())
baseline = (SCENARIOS / "baseline.toml").resolve()
(folder / "typo.toml").write_text(f'extends = "{baseline}"\\nleadership_mx = 0.8\\n')
try:
    load_scenario(folder / "typo.toml")
except ScenarioError as err:
    print(err)
"""),
    code("""
(folder / "my_policy.toml").write_text(f'''
extends = "{baseline}"
name = "my_policy"
description = "Distributed leadership with strong backing and more coordinators"
leadership_mix = 0.75
management_support = 0.85
coordinators_per_hospital = 5
''')
mine = load_scenario(folder / "my_policy.toml")
both = pd.concat([runs[runs.scenario == "baseline"],
                  replicate(classroom(mine), n=3).assign(scenario="my_policy")])
pd.concat({label(o): mean_ci(both, "scenario", o)[["mean", "low", "high"]] for o in OUTCOMES[:4]},
          axis=1).round(3)
"""),
    md("""
## Exercises

1. **Your policy.** Change `my_policy.toml` to answer a question you care about (e.g. "is it better to
   invest in coordinators or in management support?"). State your prediction before running it.
2. **Hospitals differ.** Add a `[[hospitals]]` table to give hospital 1 weak support
   (`management_support = 0.1`) and compare the two hospitals with `run_simulation(...).hospitals`.
3. **Full size.** Run one of the shipped scenarios at its own size with `leadsim run
   scenarios/national_vacuum.toml` in a terminal. Are the conclusions from the classroom size the
   same?
4. **Interactive.** Pick each scenario in the app (`leadsim app`), press *play*, and describe in two
   sentences what you see in the organisation view.
"""),
    md(SOURCES),
]

NOTEBOOKS = {
    "01_concentrated_vs_distributed.ipynb": NB01,
    "02_nobody_in_charge.ipynb": NB02,
    "03_sensitivity_analysis.ipynb": NB03,
    "04_policy_scenarios.ipynb": NB04,
}


def build(folder: Path = HERE) -> list[Path]:
    """Write every notebook into ``folder``; returns the paths written."""
    written = []
    for name, cells in NOTEBOOKS.items():
        for k, cell in enumerate(cells):   # stable ids: rebuilding changes nothing unless a cell did
            cell["id"] = f"{name[:2]}-{k:02d}"
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        })
        path = folder / name
        nbformat.write(nb, path)
        written.append(path)
    return written


CELL_TIMEOUT_S = 600   # a limit for a stuck kernel


def execute(path: Path) -> float:
    """Run notebook ``path`` top to bottom in a fresh kernel (working directory: its folder, as a
    student opening it in Jupyter would have) and save it with its outputs; returns the seconds
    it took. Execution times and kernel details are left out, so that a rerun on an unchanged
    model changes only what the model changed."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write (and run) the teaching notebooks.")
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook after writing it and save its outputs")
    parser.add_argument("--folder", type=Path, default=HERE, help="where to write them")
    args = parser.parse_args(argv)
    for path in build(args.folder):
        if args.execute:
            print(f"wrote and ran {path} in {execute(path):.0f} s", flush=True)
        else:
            print(f"wrote {path} (outputs stripped; --execute runs it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
