"""Mechanism 6, commitment, and the drift of aims that gives direction its pull.

Motivation moves each week a share ``MOTIVATION_RATE`` of the way towards a target that

* rises with management support ("top-level backing ... without senior leadership support, the
  enthusiasm and will of those at the sharp end were seen as vulnerable to withering", McKee et al.
  2013; "people further down the chain want out of it");
* rises with the progress a person sees on the tasks they work on;
* rises with supportive, credible leadership received (West et al. 2014: "if leaders and managers
  create positive, supportive environments for staff...");
* falls with the share of their QI work that is in conflict (mixed messages) and with overload
  (reporting burden plus more demands than time).

Aims drift towards the direction of the tasks a person works on (leaders towards the aims of the
tasks they are accountable for) and back towards their unit's or hospital's culture.
"""

from __future__ import annotations

import numpy as np

from . import constants as C
from .organisation import wrap

BASE = 0.25
W_SUPPORT = 0.3
W_PROGRESS = 0.25
W_SUPPORTIVE = 0.2
W_CONFLICT = 0.35
W_OVERLOAD = 0.4
EXCESS_DEMAND = 0.25   # overload per unit of task demand beyond one task's worth


def motivation_target(support, load, seen_progress, seen_conflict, supportive, share, demand):
    """Target motivation of each person (arrays aligned on staff)."""
    involved = share > 0
    safe = np.where(involved, share, 1.0)
    conflict_share = np.where(involved, seen_conflict / safe, 0.0)
    supportive_mean = np.where(involved, supportive / safe, 0.0)
    progress = np.minimum(1.0, seen_progress * C.PROGRESS_SIGNAL)
    overload = load + EXCESS_DEMAND * np.maximum(0.0, demand - 1.0)
    return (BASE + W_SUPPORT * support + W_PROGRESS * progress + W_SUPPORTIVE * supportive_mean
            - W_CONFLICT * conflict_share - W_OVERLOAD * overload)


def update_motivation(motivation, target):
    """Move motivation towards its target; stays within [0, 1]."""
    motivation += C.MOTIVATION_RATE * (target - motivation)
    np.clip(motivation, 0.0, 1.0, out=motivation)


def drift_aims(aim, pull_cos, pull_sin, anchor, cos_aim=None, sin_aim=None):
    """Turn aims towards the direction they are pulled and back towards their anchor culture.

    ``cos_aim`` and ``sin_aim`` may be given when already computed for the current aims.
    """
    cos_aim = np.cos(aim) if cos_aim is None else cos_aim
    sin_aim = np.sin(aim) if sin_aim is None else sin_aim
    # sin(target - aim) for target = atan2(pull_sin, pull_cos), without computing the angle
    norm = np.hypot(pull_cos, pull_sin)
    towards = (pull_sin * cos_aim - pull_cos * sin_aim) / np.where(norm > 0.0, norm, 1.0)
    aim += C.AIM_DRIFT * towards
    aim += C.AIM_ANCHOR * np.sin(anchor - aim)
    aim[:] = wrap(aim)
