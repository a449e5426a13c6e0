"""Mechanism 6, commitment, and the drift of aims that gives direction its pull.

Motivation moves each week a share ``MOTIVATION_RATE`` of the way towards a target
(``MOTIVATION_BASE`` plus or minus the ``MOTIVATION_*`` weights of :mod:`sim.constants`) that

* rises with management support ("top-level backing ... without senior leadership support, the
  enthusiasm and will of those at the sharp end were seen as vulnerable to withering", McKee et al.
  2013; "people further down the chain want out of it");
* rises with the progress a person sees on the tasks they work on;
* rises with supportive, credible leadership received (West et al. 2014: "if leaders and managers
  create positive, supportive environments for staff...");
* rises with the share of their QI work whose leaders act with their own manager: the manager
  leads it, is tied to one of its leaders, or a collective culture makes them act together (West et
  al.: "where relationships between leaders are well developed, trusts will benefit from direction,
  alignment and commitment"; McKee et al.: staff "should not be expected to answer to competing,
  conflicting, or duplicative requirements"; relational coordination, Gittell et al. 2008);
* falls with the share of their QI work that is in conflict (mixed messages), with the national
  focus lost when responsibility is spread across many bodies ("reported loss of focus on quality and
  safety", McKee et al.), and with overload (reporting burden plus more demands than time).

Aims drift towards the direction of the tasks a person works on (leaders towards the aims of the
tasks they are accountable for) and back towards their unit's or hospital's culture.
"""

from __future__ import annotations

import math

from .constants import Constants


def motivation_target(kc: Constants, support: float, focus: float, load: float, seen_progress: float,
                      seen_conflict: float, supportive: float, seen_related: float, share: float,
                      demand: float) -> float:
    """Target motivation of one person: support, national focus and load of their hospital, and what
    they saw in the tasks they worked on this week (share-weighted sums from the kernel)."""
    if share > 0.0:
        conflict_share = seen_conflict / share
        supportive_mean = supportive / share
        related_share = seen_related / share
    else:
        conflict_share = 0.0
        supportive_mean = 0.0
        related_share = 0.0
    progress = min(1.0, seen_progress * kc.PROGRESS_SIGNAL)
    overload = load + kc.EXCESS_DEMAND * max(0.0, demand - 1.0)
    return (kc.MOTIVATION_BASE + kc.MOTIVATION_SUPPORT * support + kc.MOTIVATION_PROGRESS * progress
            + kc.MOTIVATION_SUPPORTIVE * supportive_mean + kc.MOTIVATION_RELATED * related_share
            - kc.MOTIVATION_CONFLICT * conflict_share
            - kc.MOTIVATION_FOCUS * (1.0 - focus) - kc.MOTIVATION_OVERLOAD * overload)


def updated_motivation(kc: Constants, motivation: float, target: float) -> float:
    """Move motivation ``MOTIVATION_RATE`` of the way towards its target; stays within [0, 1]."""
    return min(1.0, max(0.0, motivation + kc.MOTIVATION_RATE * (target - motivation)))


def drifted_aim(kc: Constants, aim: float, pull_cos: float, pull_sin: float, anchor_cos: float,
                anchor_sin: float, cos_aim: float, sin_aim: float) -> float:
    """Turn an aim towards the direction it is pulled and back towards its anchor culture.

    ``pull_cos, pull_sin`` is the effort-weighted direction of the tasks worked on this week (plus
    the aims of the tasks led); ``anchor_cos, anchor_sin`` the direction of the person's culture;
    ``cos_aim, sin_aim`` those of the current aim. Both pulls act on the current aim at once:
    ``AIM_DRIFT * sin(pull angle - aim) + AIM_ANCHOR * sin(anchor - aim)``, computed without the
    angles. The result is kept in [-pi, pi).
    """
    norm = math.sqrt(pull_cos * pull_cos + pull_sin * pull_sin)
    towards = (pull_sin * cos_aim - pull_cos * sin_aim) / (norm if norm > 0.0 else 1.0)
    back = anchor_sin * cos_aim - anchor_cos * sin_aim
    aim = aim + kc.AIM_DRIFT * towards + kc.AIM_ANCHOR * back
    while aim >= math.pi:
        aim -= 2.0 * math.pi
    while aim < -math.pi:
        aim += 2.0 * math.pi
    return aim


def end_of_week(staff, hospitals, out, kc, anchor_cos, anchor_sin, cos_aim, sin_aim) -> None:
    """Commitment and aim drift of every person after the week's interaction kernel (plain Python).

    ``out`` is the kernel's output (:class:`sim.kernel_data.KOut`), ``kc`` the run's constants;
    ``cos_aim, sin_aim`` are those of the aims the kernel saw, ``anchor_cos, anchor_sin`` those of
    each person's culture (see :func:`sim.organisation.aim_anchor`). Updates ``staff.motivation``
    and ``staff.aim`` in place.
    """
    support, load = hospitals.management_support, hospitals.reporting_load
    focus = hospitals.national_focus
    for i in range(staff.motivation.shape[0]):
        h = staff.hospital[i]
        target = motivation_target(kc, support[h], focus[h], load[h], out.seen_progress[i],
                                   out.seen_conflict[i], out.supportive[i], out.seen_related[i],
                                   out.share[i], out.demand[i])
        staff.motivation[i] = updated_motivation(kc, staff.motivation[i], target)
        staff.aim[i] = drifted_aim(kc, staff.aim[i], out.pull_cos[i], out.pull_sin[i], anchor_cos[i],
                                   anchor_sin[i], cos_aim[i], sin_aim[i])
