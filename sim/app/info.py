"""The app's Info panel, in the spirit of NetLogo's Info tab, as Markdown.

What it is, how it works, things to notice, things to try, the chosen scenario's policy story with
its source (the comment block that opens its TOML file), a glossary, and what every chart shows in
which unit. The text asks questions instead of stating results: the model is still being
calibrated, and a single run is one history, not evidence.
"""

from __future__ import annotations

from .model import KNOBS, PRESETS, scenario_story
from .series import CHARTS

WHAT_IT_IS = """\
### What is it?

A simulation of **who leads quality-improvement (QI) work in hospitals**. Each hospital is
populated with managers, clinicians (some of them *hybrid* clinician-managers) and local quality
coordinators, in units (wards). QI tasks arise in the units, and national bodies send initiatives.
Someone has to lead each task, and others have to accept them as leader.

It rests on three sources: McKee et al. (2013) on "old" (concentrated, hierarchical) and "new"
(distributed) leadership, and the risk of **nobody in charge**; Carstensen, Kjeldsen & Nielsen
(2023) on distributed leadership in QI collaboratives, where local **coordinators** were pivotal
and **management support** was a precondition; West et al. (2014) on collective leadership, whose
relationships between leaders give **direction, alignment and commitment**.
"""

HOW_IT_WORKS = """\
### How does it work?

Every step is **one week**. Each week, for every active task:

1. People who could lead it may **claim** leadership, and others **grant** it (DeRue & Ashford).
   The *leadership mix* sets what counts: at 0 only position (tasks are assigned down the
   hierarchy), at 1 only expertise, credibility, motivation and relationships, between a blend.
2. The more people who could step forward, the less each one feels it is theirs (**diffusion of
   responsibility**, Darley & Latané), unless a **coordinator** has negotiated who leads.
3. Led tasks make progress, gated by **management support**. Leaders whose aims differ send
   **mixed messages**.
4. A task with no legitimate leader for several weeks **fails: nobody in charge**; one whose
   leaders disagree for several weeks **fails: conflict**; one still unfinished at its deadline is
   **abandoned**; a finished one adds its value to the hospital's **improvement**.
5. Staff's motivation follows what they experience (support, progress they see, supportive
   leaders, leaders who act with their own manager, conflict, overload); some leave each year,
   and newcomers start with fewer ties.

The full rules, with their sources, are in `docs/ODD.md`.
"""

THINGS_TO_NOTICE = """\
### Things to notice

* Who wears the black rings (leaders) at leadership mix 0, and who at 1? Where do the hybrid
  clinician-managers (diamonds) and coordinators (triangles) come in?
* Which tasks turn dotted grey (nobody in charge) and which cross-hatched red (mixed messages)?
  Are they the tasks that cross many units?
* Does the *still in place* line follow the *gained so far* line, or fall behind? Why might gains
  decay?
* How do direction, alignment and commitment move when failures pile up?
"""

THINGS_TO_TRY = """\
### Things to try

* **{preset}**, then set *Coordinators* to 3 and press **Reset**. What changes?
* Play the same settings with another *Random seed*. How different is the story? (One run is one
  history, not evidence: the notebooks compare many runs with confidence intervals.)
* Pick the *national_vacuum* scenario and watch the hatched national tasks; then raise *National
  coherence* to 0.9 and Reset.
* Move the *Leadership mix* from 0 to 1 in three steps, with *Management support* low and then
  high. Is a blend best?

Moving a slider changes nothing until you press **Reset**: the running model is never changed
under your feet (moved sliders are marked *changed*).
""".format(preset=next(iter(PRESETS.values())).label)

GLOSSARY = """\
### Glossary

**Nobody in charge**
: a task with no legitimate leader this week: nobody claimed it, or nobody's claim was granted
  ("everybody's business becomes nobody's business", McKee et al. 2013). After several such weeks
  in a row the task *fails: nobody in charge*. Shown dotted grey.

**Mixed messages**
: a task whose leaders pursue aims that diverge (conflict). After several such weeks in a row the
  task *fails: conflict*. Shown cross-hatched red.

**Abandoned**
: a task still unfinished when its deadline passes, without having failed for want of a leader or
  for conflict: the work was too slow (for instance without management support).

**Consolidated**
: emergent leadership that has become a stable, recognised role (Carstensen et al. 2023). Leading a
  task with the same leaders consolidates it; when it completes, the consolidated share of its gain
  holds (decays slowly) and the rest is fragile (decays faster).

**Sustained**
: improvement still in place now. Gains decay week by week (unconsolidated ones faster), so
  sustained improvement can fall behind the improvement gained so far.

**Direction, alignment, commitment**
: West et al. (2014), after Drath et al. (2008): the share of tasks with coherent direction (led,
  no conflict), how well the effort spent is aligned, and staff's mean motivation (0 to 1).

**National initiative**
: a task sent to every hospital by a national body; shown hatched. Several bodies with different
  aims (low *national coherence*) send mixed messages from above.
"""


def sliders_text() -> str:
    """The sliders, their ranges and units."""
    rows = [f"* **{k.label}** ({k.unit + ', ' if k.unit else ''}{k.low:g} to {k.high:g})"
            + (": {} ... {}".format(*k.ends()) if k.low_means else "") for k in KNOBS.values()]
    return "### The sliders\n\n" + "\n".join(rows) + "\n"


def charts_text() -> str:
    """What each chart shows and in which unit."""
    rows = [f"* **{c.title}** ({c.ylabel}): " + "; ".join(s.label for s in c.lines)
            + (f". {c.note}" if c.note else "") for c in CHARTS]
    return ("### The views\n\n* **Organisation** (hospital 0): left, its staff on a ring of units "
            "(shape and colour: manager square, clinician circle, hybrid diamond, coordinator "
            "triangle; size: motivation; grey lines informal ties, dashed lines who reports to "
            "whom; a black ring and numbers: who leads which task). Right, its active QI tasks: a "
            "bar over the units each crosses, the darker part its progress, its state in colour, "
            "pattern and words.\n" + "\n".join(rows) + "\n")


def scenario_text(name: str) -> str:
    """The scenario's policy story and source, from the comment block of its file."""
    story = scenario_story(name)
    if not story:
        return f"### This scenario: {name}\n\nThe file `{name}.toml` says nothing about itself.\n"
    first, *rest = story.split("\n\n")
    return (f"### This scenario: {name}\n\n**{first}**\n\n" + "\n\n".join(rest)
            + f"\n\n*(from the comments of `scenarios/{name}.toml`)*\n")


def info_markdown(scenario_name: str) -> str:
    """The whole Info panel for the chosen scenario."""
    return "\n\n".join([WHAT_IT_IS, scenario_text(scenario_name), HOW_IT_WORKS, THINGS_TO_NOTICE,
                        THINGS_TO_TRY, charts_text(), sliders_text(), GLOSSARY])


def info_html(scenario_name: str) -> str:
    """:func:`info_markdown` as HTML (Python-Markdown, installed with Solara)."""
    import markdown

    return markdown.markdown(info_markdown(scenario_name), extensions=["def_list"])
