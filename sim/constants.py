"""Codes, and the one declared table of the model's behavioural constants.

**Codes** (roles, levels, task kinds and statuses, ``MAX_LEADERS``, units such as weeks per year)
are small structural numbers that live in numpy arrays and are compiled into the numba kernel.

**Behavioural constants** are every number that changes what the model does and is not a knob of
:mod:`sim.parameters`. Each is declared once in :data:`CONSTANT_SPECS` with its value, a plausible
range, its unit and its rationale (a source, or the word "assumption" with the reason for the
value). Nothing else in the behavioural modules holds such a number (``tests/test_constants.py``
checks the source code for literals). A run reads them from its parameters
(:meth:`sim.parameters.Parameters.constant_values`), so a scenario's ``[constants]`` table, a sweep
or a sensitivity study can change any of them within its range; ``docs/ODD.md`` section 10 and
``leadsim describe --constants`` print this table.

Sources: [C] Carstensen et al. 2023; [M] McKee et al. 2013; [W] West et al. 2014; [DA] DeRue &
Ashford 2010; [DL] Darley & Latané 1968; [D] Drath et al. 2008; [MZ] Mintzberg 1979; [G] Galbraith
1973; [BTS] Kilo 1998 (IHI Breakthrough Series); [R] Rogers 2003 (full references in
``docs/ODD.md``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# --- staff roles (one Mesa agent class each) ------------------------------------------------------
MANAGER = 0
CLINICIAN = 1
COORDINATOR = 2
ROLE_NAMES = ("manager", "clinician", "coordinator")

# --- hierarchical level of a post -----------------------------------------------------------------
EXECUTIVE = 0        # board / executive team: formal reach over the whole hospital
MIDDLE_MANAGER = 1   # divisional manager: reach over a group of units
UNIT_MANAGER = 2     # ward / unit manager, and hybrid clinician-managers (clinical leads)
FRONTLINE = 3        # clinicians and quality coordinators
LEVEL_NAMES = ("executive", "middle manager", "unit manager", "frontline")

# --- leadership-category codes for "who leads" outcomes -------------------------------------------
LEAD_MANAGER = 0
LEAD_CLINICIAN = 1
LEAD_HYBRID = 2
LEAD_COORDINATOR = 3
LEAD_CATEGORY_NAMES = ("manager", "clinician", "hybrid", "coordinator")

# --- tasks ----------------------------------------------------------------------------------------
LOCAL = 0
NATIONAL = 1
TASK_KIND_NAMES = ("local", "national")

FREE = 0              # empty slot, never used
ACTIVE = 1
COMPLETED = 2
FAILED_VACUUM = 3     # failed: nobody in charge
FAILED_CONFLICT = 4   # failed: conflict (mixed messages)
ABANDONED = 5         # still active at the deadline
STATUS_NAMES = ("free", "active", "completed", "failed: nobody in charge", "failed: conflict",
                "abandoned")

MAX_LEADERS = 3       # leader slots per task

# --- units ----------------------------------------------------------------------------------------
WEEKS_PER_YEAR = 52.0
STAFF_PER_RATE_UNIT = 100.0   # local_task_rate is per 100 staff
# numerical: exp(-x) rounds 1 - exp(-x) to exactly 1 for x > 37, so a table of embeddedness over 64
# time constants of tenure is exact (sim.state.embeddedness_table)
EMBEDDEDNESS_TABLE_SPANS = 64

# --- the collaborative: topics of improvement (sim.collaborative) ----------------------------------
# A completed improvement's topic is its national programme (one topic per body) or, for a local
# task, one of LOCAL_TOPICS equal sectors of aims: the resolution at which "the same improvement" is
# recognised in another hospital (spread outcomes) and at which learning sessions pool lessons.
LOCAL_TOPICS = 12
# observation: a peer's completion of the same topic counts as adoption within this many weeks of
# a completion (the spread outcomes of sim.outcomes; a year, the span of a Breakthrough Series)
SPREAD_WINDOW_WEEKS = 52


# --- behavioural constants -----------------------------------------------------------------------
@dataclass(frozen=True)
class ConstantSpec:
    """One behavioural constant: value, plausible range, unit, group and why it has this value."""

    name: str
    value: float
    low: float
    high: float
    unit: str
    group: str
    rationale: str
    integer: bool = False

    @property
    def varies(self) -> bool:
        """Whether the range allows any other value (a scale anchor does not)."""
        return self.low < self.high

    def check(self, value: Any, source: str | None = None, key: str | None = None) -> float:
        from .parameters import ParameterError, as_number

        key = key or f"constants.{self.name}"
        allowed = f"a number in [{self.low:g}, {self.high:g}] ({self.unit})"
        number = as_number(value)
        if number is None:
            raise ParameterError(key, f"expected {allowed}, got {type(value).__name__} {value!r}",
                                 source)
        if self.integer and not float(number).is_integer():
            raise ParameterError(key, f"expected a whole number, {allowed}; got {value!r}", source)
        if not (self.low <= number <= self.high):
            raise ParameterError(key, f"{number!r} is out of range; allowed: {allowed}", source)
        return float(number)


_K = ConstantSpec
ASSUMED = "assumption: "
CONSTANT_SPECS: tuple[ConstantSpec, ...] = (
    # --- posts: formal authority (0 none, 1 chief executive) ----------------------------------
    _K("AUTHORITY_EXECUTIVE", 1.0, 1.0, 1.0, "authority", "posts",
       "scale anchor: the chief executive's formal authority defines 1"),
    _K("AUTHORITY_MIDDLE", 0.75, 0.6, 0.9, "authority", "posts",
       ASSUMED + "a divisional manager ranks between the board and a ward manager [M: hierarchy]"),
    _K("AUTHORITY_UNIT_MANAGER", 0.5, 0.35, 0.65, "authority", "posts",
       ASSUMED + "a ward manager holds formal authority over one unit; also the authority that gives "
       "full clout over the units within one's reach"),
    _K("AUTHORITY_HYBRID", 0.45, 0.3, 0.6, "authority", "posts",
       "[M] hybrids combine clinical legitimacy with managerial authority; slightly below a unit "
       "manager (assumption)"),
    _K("AUTHORITY_COORDINATOR", 0.3, 0.15, 0.45, "authority", "posts",
       "[C] local quality coordinators hold a mandate for QI but no line authority (assumption: a "
       "third of the chief executive's)"),
    _K("AUTHORITY_CLINICIAN", 0.0, 0.0, 0.1, "authority", "posts",
       "[M] 'ordinary leaders' lead without positional authority"),
    # --- posts: capacity and how many tasks one can lead ---------------------------------------
    _K("CAPACITY_EXECUTIVE", 0.15, 0.05, 0.25, "share of working time", "posts",
       ASSUMED + "executives give a small share of their time to QI projects"),
    _K("CAPACITY_MANAGER", 0.2, 0.1, 0.3, "share of working time", "posts",
       ASSUMED + "middle and unit managers: about a day a week for improvement work"),
    _K("CAPACITY_HYBRID", 0.12, 0.06, 0.2, "share of working time", "posts",
       ASSUMED + "hybrids split their time between clinical and managerial duties"),
    _K("CAPACITY_CLINICIAN", 0.06, 0.02, 0.1, "share of working time", "posts",
       ASSUMED + "frontline clinicians: a few hours a week beside routine care"),
    _K("CAPACITY_COORDINATOR", 0.6, 0.4, 0.8, "share of working time", "posts",
       "[C] QI is the coordinators' job; the rest is meetings and reporting (assumption)"),
    _K("LEADS_PER_CAPACITY", 10.0, 5.0, 15.0, "tasks per unit of capacity", "posts",
       ASSUMED + "a person can lead 1 + floor(capacity x this) tasks at once: executives and "
       "managers 2-3, coordinators 7, clinicians 1"),
    _K("STAFF_PER_EXECUTIVE", 400.0, 200.0, 800.0, "staff", "posts",
       ASSUMED + "one executive post (beyond the chief executive) per 400 staff", integer=True),
    _K("UNITS_PER_DIVISION", 4.0, 2.0, 8.0, "units", "posts",
       ASSUMED + "a middle manager is responsible for four adjacent units", integer=True),
    # --- people: traits (Beta(mean x TRAIT_CONCENTRATION, (1 - mean) x TRAIT_CONCENTRATION)) ---
    _K("TRAIT_CONCENTRATION", 6.5, 4.0, 12.0, "Beta a + b", "people",
       ASSUMED + "traits vary widely between people of the same post"),
    _K("EXPERTISE_MANAGER", 1 / 3, 0.2, 0.5, "mean expertise", "people",
       ASSUMED + "managers hold less clinical/QI expertise than clinicians [M: 'skills and abilities']"),
    _K("EXPERTISE_CLINICIAN", 4 / 7, 0.45, 0.7, "mean expertise", "people",
       "[M, W] expertise sits at the frontline ('people on the ground')"),
    _K("EXPERTISE_COORDINATOR", 5 / 7, 0.55, 0.85, "mean expertise", "people",
       "[C] coordinators are QI specialists"),
    _K("CREDIBILITY_MANAGER", 0.4, 0.25, 0.55, "mean credibility", "people",
       "[M] managers lack clinical credibility ('clinical buy-in' has to be won)"),
    _K("CREDIBILITY_CLINICIAN", 4 / 7, 0.45, 0.7, "mean credibility", "people",
       "[M] 'local leaders with professional legitimacy'"),
    _K("CREDIBILITY_HYBRID", 5 / 7, 0.55, 0.85, "mean credibility", "people",
       "[M] hybrids combine 'the knowledge and professional legitimacy of clinical experience' with "
       "authority"),
    _K("CREDIBILITY_COORDINATOR", 0.5, 0.35, 0.65, "mean credibility", "people",
       ASSUMED + "coordinators are neither clinical peers nor line managers"),
    _K("MOTIVATION_INITIAL", 0.625, 0.45, 0.8, "mean motivation", "people",
       ASSUMED + "staff start moderately committed to QI"),
    _K("SOCIALISATION_FLOOR", 0.02, 0.01, 0.1, "motivation", "people",
       "a newcomer takes on the commitment prevailing in their unit (Van Maanen & Schein 1979: "
       "organisational socialisation), kept this far inside (0, 1) so that it can be drawn"),
    _K("TENURE_MEAN_WEEKS", 260.0, 104.0, 520.0, "weeks", "people",
       ASSUMED + "initial tenure exponential with a mean of five years (NHS staff)"),
    _K("TENURE_CAP_WEEKS", 2080.0, 1040.0, 2600.0, "weeks", "people",
       ASSUMED + "no initial tenure beyond a forty-year career"),
    # --- networks and culture ----------------------------------------------------------------
    _K("WITHIN_UNIT_TIES", 3.0, 1.0, 6.0, "ties per person", "networks",
       ASSUMED + "informal ties are dense within a unit"),
    _K("CROSS_UNIT_TIES", 0.5, 0.1, 1.5, "ties per person", "networks",
       "[M] ties are sparse across units and professions ('institutionalised boundaries')"),
    _K("RELATIONS_FULL", 10.0, 5.0, 20.0, "ties", "networks",
       ASSUMED + "relational capital is full at ten informal ties"),
    _K("HOSPITAL_AIM_SPREAD", 0.4, 0.1, 0.8, "radians (sd)", "culture",
       ASSUMED + "hospitals' priorities scatter around the national consensus"),
    _K("CLINICAL_OFFSET", 0.8, 0.3, 1.3, "radians", "culture",
       "[M] 'different professional and managerial groups often endure an uneasy co-existence': "
       "clinical cultures lean away from management's aims"),
    _K("UNIT_AIM_SPREAD", 0.9, 0.4, 1.4, "radians (sd)", "culture",
       "[M] 'multiple professional groups with divergent identities, norms and accountabilities'"),
    _K("PERSON_AIM_SPREAD", 0.4, 0.1, 0.8, "radians (sd)", "culture",
       ASSUMED + "people differ around their unit's or hospital's culture"),
    _K("LOCAL_AIM_SPREAD", 0.2, 0.05, 0.4, "radians (sd)", "culture",
       ASSUMED + "a local task's aim is close to its unit's culture"),
    # --- tasks ---------------------------------------------------------------------------------
    _K("TASK_MAX_EXTRA_UNITS", 3.0, 2.0, 5.0, "units", "tasks",
       "a task crosses 1 + Binomial(this, task_complexity) units [M: 'complex problems that cross "
       "the boundaries']", integer=True),
    _K("NATIONAL_EXTRA_UNITS", 1.0, 0.0, 2.0, "units", "tasks",
       ASSUMED + "a national initiative crosses one unit more than a local task", integer=True),
    _K("EFFORT_PER_UNIT", 2.5, 1.5, 4.0, "staff-weeks of QI time", "tasks",
       ASSUMED + "median effort per unit crossed, set so that tasks take months"),
    _K("EFFORT_SPREAD", 0.6, 0.3, 0.9, "lognormal sd", "tasks",
       ASSUMED + "tasks of the same width differ widely in effort"),
    _K("LOCAL_VALUE", 1.0, 1.0, 1.0, "improvement per unit crossed", "tasks",
       "scale anchor: a completed one-unit local task is worth 1"),
    _K("NATIONAL_VALUE", 1.5, 1.0, 2.0, "improvement per unit crossed", "tasks",
       ASSUMED + "national initiatives target known priorities and are worth more per unit"),
    _K("TASK_POOL_YEARS", 2.5, 2.0, 4.0, "years of arrivals", "tasks",
       "implementation: room for this many years of expected arrivals (crowded-out arrivals are "
       "counted)"),
    _K("TASK_POOL_EXTRA", 8.0, 8.0, 16.0, "task slots", "tasks",
       "implementation: spare slots per hospital", integer=True),
    _K("MAX_REPORTING_LOAD", 0.8, 0.5, 0.95, "share of QI capacity", "tasks",
       ASSUMED + "reporting never takes all of anyone's QI time"),
    _K("REPORTING_WEEKS", 52.0, 26.0, 104.0, "weeks", "tasks",
       "[M] bodies make hospitals 'report in different ways on the same thing' for the life of "
       "their programme, whatever becomes of the local effort (assumption: a year)", integer=True),
    _K("NATIONAL_DIFFUSION", 0.3, 0.0, 1.0, "per additional body", "tasks",
       "[M] 'excessive pluralisation of responsibility under the NHS reforms at national level was "
       "seen as running the risk of leaving \"nobody in charge\"' [DL]: each further body lowers "
       "the steer (follow-up) every body gives its own initiatives"),
    # --- leadership emergence -----------------------------------------------------------------
    _K("CLAIM_RATE", 0.6, 0.3, 1.2, "per week per unit of claim propensity", "emergence",
       "[DA] claiming; set so that an unled task finds a claimant within weeks under distributed "
       "leadership (assumption)"),
    _K("JOIN_DAMPING", 0.3, 0.1, 0.6, "factor per leader", "emergence",
       ASSUMED + "a task that already has leaders attracts fewer claims"),
    _K("GRANT_EXPERTISE", 0.4, 0.2, 0.6, "weight", "emergence",
       "[W] leadership goes 'to wherever expertise, capability and motivation sit'; weight of "
       "expertise in standing (credibility takes 1 - this - GRANT_RELATIONS)"),
    _K("GRANT_RELATIONS", 0.2, 0.0, 0.4, "weight", "emergence",
       "[M] distributed leadership rests on 'skills, character traits and relationships'; weight of "
       "relational capital in standing"),
    _K("DROP_RATE", 0.08, 0.02, 0.15, "per week", "emergence",
       ASSUMED + "an unmotivated leader of an unconsolidated task steps down within months"),
    _K("NEWCOMER_EMBEDDEDNESS", 0.2, 0.1, 0.4, "share", "emergence",
       "[M] newcomers have few working ties ('movement of key people')"),
    _K("EMBED_WEEKS", 52.0, 26.0, 104.0, "weeks", "emergence",
       ASSUMED + "a newcomer is embedded after about a year"),
    _K("NEWCOMER_CREDIBILITY", 0.4, 0.2, 0.6, "share", "emergence",
       ASSUMED + "credibility others grant a newcomer, as a share of what they will grant once "
       "embedded"),
    # --- influence and effort ------------------------------------------------------------------
    _K("CROSS_UNIT_REACH", 0.3, 0.1, 0.5, "share", "effort",
       "[M] influence weakens across 'institutionalised boundaries between professions, clinical "
       "areas and organisational units'"),
    _K("INFLUENCE_AUTHORITY_WEIGHT", 0.5, 0.3, 0.7, "weight", "effort",
       "[M] a leader influences by 'control' and by 'credibility'; equal weights (assumption)"),
    _K("INFLUENCE_SUBSTITUTION", 0.5, 0.25, 1.0, "CES exponent", "effort",
       "[M] control and credibility are complements, not substitutes: 'combining credibility with "
       "control'; credibility 'needed to be backed up by managerial authority'. Influence is a CES "
       "mean of authority and credibility reach with this exponent (1: substitutes, added; lower: "
       "each matters more without the other)"),
    _K("ROUTINE_PULL", 1.0, 0.5, 2.0, "influence", "effort",
       ASSUMED + "routine clinical work competes with QI tasks for staff's time as much as one fully "
       "led task"),
    _K("VACUUM_PULL", 0.15, 0.0, 0.3, "influence", "effort",
       "[D, M] a task nobody leads still asks for attention, which goes nowhere"),
    _K("AGREEMENT_EFFORT", 0.5, 0.2, 0.8, "share", "effort",
       "[D] commitment: people work harder for a direction they share; share of effort that "
       "depends on agreement"),
    # --- progress -------------------------------------------------------------------------------
    _K("RESOURCE_FLOOR", 0.3, 0.1, 0.5, "share of resources", "progress",
       "[M] 'leaders required infrastructural administrative support and/or positional power to "
       "command influence': with no management support, QI runs on this share of the resources "
       "(goodwill, own time), and only positional power commands it"),
    _K("LINE_RESOURCES", 1.0, 0.2, 1.0, "share of resources", "progress",
       "[M] 'infrastructural administrative support and/or positional power': without management "
       "support, a leader with clout over a task's units commands this share of their resources by "
       "positional power (so concentrated leadership achieves something without support; [C] "
       "support is a precondition for what *distributed* leadership contributes; calibrated on "
       "SUP-1: positional power stands in for support over the leader's own units)"),
    _K("CLOUT_WEIGHT", 0.8, 0.5, 1.0, "share", "progress",
       "[M] support reaches a task through 'managerial clout'; share of support that reaches it only "
       "through a leader with authority over it"),
    _K("SUPPORT_BACKING_EXPONENT", 3.0, 1.0, 4.0, "exponent", "progress",
       "[C, M] management backs emergent leaders only when it backs QI strongly ('backed up, "
       "underwritten ... by old forms of leadership')"),
    _K("EXPERTISE_WEIGHT", 0.7, 0.2, 0.8, "share", "progress",
       "[W] leadership 'to wherever expertise ... sit[s]': share of progress that depends on the "
       "leaders' expertise (calibrated on SUP-1 and MIX-1, with LINE_RESOURCES)"),
    _K("FIT_WEIGHT", 0.5, 0.2, 0.8, "share", "progress",
       "[D] alignment: share of alignment that depends on how the direction fits the task's aim"),
    _K("COMPLEXITY_OVERHEAD", 0.5, 0.25, 1.0, "effort per unit crossed", "progress",
       "[M] improvement 'relies crucially on the conjoint effort of multiple parties separated by "
       "such boundaries'"),
    _K("LINE_OVERHEAD_CUT", 0.5, 0.25, 0.75, "share", "progress",
       "[MZ] coordination by direct supervision where a leader's authority covers the units"),
    _K("BROKER_OVERHEAD_CUT", 0.5, 0.25, 0.75, "share", "progress",
       "[MZ, G] coordination by mutual adjustment through a liaison role [C: coordinators]"),
    _K("LATERAL_OVERHEAD_CUT", 0.5, 0.25, 0.75, "share", "progress",
       "[W] 'relationships between leaders'; relational coordination (Gittell 2009) and lateral "
       "relations between managers (Galbraith 1973): share of the overhead removed when every unit "
       "crossed has a manager who leads the task or is tied to one of its leaders"),
    _K("BROKER_MANDATE", 0.25, 0.0, 0.5, "share of authority", "progress",
       "[C] coordinators connect distributed teams to management; share of their post's authority "
       "they lend a brokered task's clout"),
    # --- direction and conflict -----------------------------------------------------------------
    _K("CONFLICT_THRESHOLD", 0.6, 0.5, 0.75, "cohesion", "direction",
       "[M] 'mixed messages': cohesion below which several voices are in conflict (assumption: "
       "aims more than about 78 degrees apart)"),
    _K("NEGOTIATION_RATE", 0.15, 0.05, 0.3, "per week", "direction",
       "[C] negotiation of 'aims, roles, and scope' takes a few weeks"),
    _K("NEGOTIATION_CEILING", 0.5, 0.25, 0.75, "share", "direction",
       "[C] negotiation closes part of leaders' divergence, not all of it (assumption)"),
    _K("TIE_ALIGNMENT", 0.5, 0.25, 0.75, "share", "direction",
       "[W] 'where relationships between leaders are well developed ... direction, alignment and "
       "commitment'"),
    # --- consolidation and gains ------------------------------------------------------------------
    _K("CONSOLIDATION_BASE", 0.4, 0.2, 0.6, "share of consolidation_rate", "consolidation",
       "[C] stable leadership consolidates by itself, slowly"),
    _K("CONSOLIDATION_FORMAL", 0.3, 0.1, 0.5, "share of consolidation_rate", "consolidation",
       "[C] 'the active participation of formal managers ... plays a pivotal role in this "
       "consolidation'"),
    _K("CONSOLIDATION_BROKER", 0.3, 0.1, 0.5, "share of consolidation_rate", "consolidation",
       "[C] '... and local coordinators'"),
    _K("HELD_DECAY", 0.001, 0.0, 0.005, "per week", "consolidation",
       "[C] consolidated gains are 'robust': they fade over decades, not years (assumption)"),
    # --- collective culture: learning from errors or blame -------------------------------------
    _K("LEARNING_RATE", 0.1, 0.02, 0.3, "per failed task", "culture",
       "[W] 'treating complaints and errors as opportunities for system learning': a failed or "
       "abandoned task raises the QI capability of the units it crossed, in proportion to the "
       "culture"),
    _K("CAPABILITY_GAIN", 0.5, 0.2, 0.8, "share of effort", "culture",
       ASSUMED + "a unit that has learned all it can needs this much less effort for new tasks"),
    _K("BLAME_SHOCK", 0.15, 0.02, 0.3, "share of motivation", "culture",
       "[W] errors as 'prompts for blame': leaders of a failed task lose this share of their "
       "motivation, in proportion to the absence of a collective culture"),
    # --- commitment -------------------------------------------------------------------------------
    _K("MOTIVATION_RATE", 0.05, 0.02, 0.1, "per week", "commitment",
       ASSUMED + "commitment follows experience over months"),
    _K("MOTIVATION_BASE", 0.25, 0.1, 0.4, "motivation", "commitment",
       ASSUMED + "target motivation with no support, progress or supportive leadership"),
    _K("MOTIVATION_SUPPORT", 0.3, 0.15, 0.45, "per unit of support", "commitment",
       "[M] 'without senior leadership support, the enthusiasm and will of those at the sharp end "
       "were seen as vulnerable to withering'"),
    _K("MOTIVATION_PROGRESS", 0.25, 0.1, 0.4, "per unit of progress seen", "commitment",
       ASSUMED + "seeing progress sustains commitment"),
    _K("MOTIVATION_SUPPORTIVE", 0.2, 0.05, 0.35, "per unit of supportive leadership", "commitment",
       "[W] 'if leaders and managers create positive, supportive environments for staff ...'"),
    _K("MOTIVATION_RELATED", 0.1, 0.05, 0.2, "per share of QI work under related leadership",
       "commitment",
       "[W, M] 'where relationships between leaders are well developed, trusts will benefit from "
       "direction, alignment and commitment'; staff 'should not be expected to answer to competing, "
       "conflicting, or duplicative requirements': commitment rises with the share of one's QI work "
       "whose leaders act with one's own manager (relational coordination and staff's commitment, "
       "Gittell et al. 2008). Set before it was run, not tuned (assumption: half the weight of "
       "supportive leadership)"),
    _K("MOTIVATION_CONFLICT", 0.35, 0.15, 0.5, "per share of work in conflict", "commitment",
       "[M] 'mixed messages, and conflicting expectations and demands'"),
    _K("MOTIVATION_FOCUS", 0.1, 0.0, 0.2, "per unit of national steer lost", "commitment",
       "[M] pluralisation at national level brought 'reported loss of focus on quality and safety' "
       "and 'a consequent attenuation of the importance of quality and safety' (assumption: a third "
       "of the weight of local support)"),
    _K("MOTIVATION_OVERLOAD", 0.4, 0.2, 0.6, "per unit of overload", "commitment",
       "[M] 'too many initiatives coming down ... report in different ways on the same thing'"),
    _K("EXCESS_DEMAND", 0.25, 0.1, 0.5, "overload per task beyond one", "commitment",
       ASSUMED + "more demands than time overload people"),
    _K("PROGRESS_SIGNAL", 25.0, 10.0, 50.0, "per unit of weekly progress", "commitment",
       ASSUMED + "scales the weekly progress one sees into [0, 1]"),
    # --- aims -------------------------------------------------------------------------------------
    _K("AIM_DRIFT", 0.01, 0.005, 0.03, "per week", "aims",
       ASSUMED + "people slowly come to share the direction they work under"),
    _K("AIM_ANCHOR", 0.02, 0.01, 0.05, "per week", "aims",
       "[M] professional cultures pull their members back ('traditional structures, cleavages')"),
    _K("LEADER_PULL", 0.1, 0.0, 0.3, "weight", "aims",
       ASSUMED + "leaders are accountable to the aims of the tasks they lead"),
    # --- the collaborative (learning sessions between hospitals; sim.collaborative) ----------------
    _K("SESSION_TRANSFER", 0.3, 0.1, 0.6, "share of the work left", "collaborative",
       "[BTS] learning sessions between action periods: teams share 'what worked' (Kilo 1998, IHI "
       "Breakthrough Series); share of a task's remaining work one session saves at full "
       "collaborative_learning, when every peer completed a task of the same topic and an expert "
       "leader or coordinator brings the lesson home (assumption: about a third)"),
    _K("LEARNING_SIMILARITY", 0.85, 0.7, 0.95, "aim agreement", "collaborative",
       "[R] innovations spread to adopters for whom they are compatible (Rogers 2003); agreement of "
       "aims above which a peer's lesson applies, in full at identical aims (assumption: within "
       "about 45 degrees)"),
    _K("COLLABORATIVE_OVERHEAD", 1.0, 0.5, 2.0, "per unit of collaborative_complexity",
       "collaborative",
       "[C] 'collaborative settings where public services are performed across professions and "
       "organizations': translating a peer's lesson across organisations costs more the more a "
       "shared aim spans and the more hospitals' aims differ (assumption: doubles it at full "
       "complexity)"),
    _K("REGIONAL_OVERHEAD_CUT", 0.5, 0.25, 0.75, "share", "collaborative",
       "[C, MZ] regional QIC coordinators broker between hospitals as a liaison role does between "
       "units; share of the cross-hospital overhead removed for a hospital a regional coordinator "
       "covers (as BROKER_OVERHEAD_CUT within one hospital)"),
    _K("COLLABORATIVE_EXTRA_UNITS", 2.0, 1.0, 3.0, "units", "collaborative",
       "[C, M] a shared aim of a complex collaborative spans more units and professions: a national "
       "initiative crosses Binomial(this, collaborative_complexity) more units", integer=True),
    _K("COLLABORATIVE_AIM_SPREAD", 1.0, 0.5, 2.0, "per unit of collaborative_complexity",
       "collaborative",
       "[C] hospitals of a complex collaborative differ more in their aims: hospitals' aims scatter "
       "1 + this x collaborative_complexity times as far around the consensus (assumption)"),
)
SPECS: dict[str, ConstantSpec] = {s.name: s for s in CONSTANT_SPECS}
CONSTANT_NAMES = tuple(SPECS)

#: The constants of a run, as a named tuple of floats (the numba kernel reads it as is).
Constants = namedtuple("Constants", CONSTANT_NAMES)
DEFAULTS = Constants(*(float(s.value) for s in CONSTANT_SPECS))


def resolve_constants(overrides: Mapping[str, float] | None = None) -> Constants:
    """The default constants with ``overrides`` (already validated) applied."""
    return DEFAULTS._replace(**overrides) if overrides else DEFAULTS


def describe_constants() -> list[dict[str, Any]]:
    """Rows (name, value, low, high, unit, group, rationale) for docs and the CLI."""
    return [{"name": s.name, "value": s.value, "low": s.low, "high": s.high, "unit": s.unit,
             "group": s.group, "rationale": s.rationale} for s in CONSTANT_SPECS]


def constants_markdown() -> str:
    """The table of ``docs/ODD.md`` section 10 (Markdown), one row per constant, by group."""
    lines = ["| constant | value | range | unit | group | rationale |",
             "|---|---|---|---|---|---|"]
    for s in CONSTANT_SPECS:
        lines.append(f"| `{s.name}` | {s.value:.4g} | [{s.low:g}, {s.high:g}] | {s.unit} | {s.group} | "
                     f"{s.rationale} |")
    return "\n".join(lines)
