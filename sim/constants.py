"""Codes and fixed behavioural constants of the model.

The numba kernel receives the behavioural constants it uses as run-time arguments
(:data:`sim.kernel_data.KERNEL_CONSTANTS`), so editing a value here takes effect at once, even with
numba's on-disk cache; only the integer codes and ``MAX_LEADERS`` are compiled into it.

Codes (roles, levels, task kinds and statuses) are small integers so that they can live in numpy
arrays and be read by the numba kernel. The constants below are structural choices of the model that
are not offered as knobs; each is documented in ``docs/ODD.md`` (section 7, "Submodels") with the
reason for its value.
"""

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

# Formal authority of each kind of post (0 none, 1 chief executive).
AUTHORITY_EXECUTIVE = 1.0
AUTHORITY_MIDDLE = 0.75
AUTHORITY_UNIT_MANAGER = 0.5
AUTHORITY_HYBRID = 0.45
AUTHORITY_COORDINATOR = 0.3
AUTHORITY_CLINICIAN = 0.0

# Weekly share of working time available for QI, by post (capacity).
CAPACITY_EXECUTIVE = 0.15
CAPACITY_MANAGER = 0.2
CAPACITY_HYBRID = 0.12
CAPACITY_CLINICIAN = 0.06
CAPACITY_COORDINATOR = 0.6
# How many tasks one person can lead at once: 1 + floor(capacity * LEADS_PER_CAPACITY).
LEADS_PER_CAPACITY = 10.0

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

# --- behavioural constants ------------------------------------------------------------------------
CROSS_UNIT_REACH = 0.3     # influence of a leader on staff outside their unit / formal scope
ROUTINE_PULL = 1.0         # pull of routine clinical work competing with QI tasks for capacity
VACUUM_PULL = 0.15         # attention a task nobody leads still asks of the staff of its units
CLAIM_RATE = 0.6           # weekly claim hazard per unit of claim propensity
JOIN_DAMPING = 0.3         # a task that already has k leaders attracts JOIN_DAMPING**k the claims
GRANT_EXPERTISE = 0.4      # weights of the distributed grant score (sum to 1)
GRANT_CREDIBILITY = 0.4
GRANT_RELATIONS = 0.2
RELATIONS_FULL = 10.0      # informal ties at which relational capital is full
SUPPORT_FLOOR = 0.05       # progress factor with no management support ("yields little")
COMPLEXITY_OVERHEAD = 0.5  # extra effort per additional unit a task crosses
BROKER_OVERHEAD_CUT = 0.5  # share of that overhead a coordinator's brokering removes
LINE_OVERHEAD_CUT = 0.5    # share of it removed when a leader has clout over all the units crossed
CONFLICT_THRESHOLD = 0.6  # cohesion below which several voices send mixed messages
NEGOTIATION_RATE = 0.15    # weekly rise of negotiated agreement on a brokered task
NEGOTIATION_CEILING = 0.5  # share of leaders' divergence that full negotiation closes
TIE_ALIGNMENT = 0.5        # how far a tie between two leaders closes their divergence
DROP_RATE = 0.08           # weekly hazard of an unmotivated, unconsolidated leader stepping down
EFFORT_PER_UNIT = 2.5      # median effort (staff-weeks of QI time) a task needs per unit it crosses
EFFORT_SPREAD = 0.6        # lognormal sd of a task's effort around that median
LOCAL_VALUE = 1.0          # improvement gained per unit a completed local task crosses
NATIONAL_VALUE = 1.5       # the same for a national initiative
HELD_DECAY = 0.001         # weekly decay of consolidated (held) gains
MAX_REPORTING_LOAD = 0.8   # reporting can never take more than this share of QI capacity
MOTIVATION_RATE = 0.05     # weekly adjustment of motivation towards its target
PROGRESS_SIGNAL = 25.0     # scales the progress a person sees into [0, 1]
LEADER_PULL = 0.1          # weight of a led task's aim in its leader's aim drift (accountability)
AIM_DRIFT = 0.01           # weekly pull of a person's aim towards the direction they work under
AIM_ANCHOR = 0.02          # weekly pull of a person's aim back towards their unit's culture
EMBED_WEEKS = 52.0         # time constant (weeks) of a newcomer becoming embedded
EXPERTISE_WEIGHT = 0.5     # share of progress that depends on the expertise of the task's leaders
BROKER_MANDATE = 0.25       # share of their post's authority a brokering coordinator lends a task
CLOUT_WEIGHT = 0.8         # share of management support that only reaches a task through a leader
                           # with formal authority (managerial clout)
# aims (radians): professional cleavage between management's and clinicians' direction
HOSPITAL_AIM_SPREAD = 0.4  # sd of hospitals' aims around the national consensus (0)
CLINICAL_OFFSET = 0.8      # how far clinical cultures lean away from management's aims
UNIT_AIM_SPREAD = 0.9      # sd of units' cultures around that clinical lean
PERSON_AIM_SPREAD = 0.4    # sd of a person's aim around their anchor culture
