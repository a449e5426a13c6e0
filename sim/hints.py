"""Spelling hints for names given by the user: one helper, used wherever a name is checked.

Every place that rejects an unknown name (a scenario key, ``--set KEY``, ``[overrides]``, a design
parameter, an outcome, a sensitivity parameter, a scenario file, a command-line flag) appends
:func:`did_you_mean` to its one-line message, so that ``leadrship_mix`` gets "(did you mean
leadership_mix?)" everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_names(name: object, allowed: Iterable[str], n: int = 2, cutoff: float = 0.6) -> list[str]:
    """Names of ``allowed`` that look like ``name`` (best first), by :mod:`difflib` similarity."""
    if not isinstance(name, str) or not name:
        return []
    allowed = [str(a) for a in allowed]
    close = difflib.get_close_matches(name, allowed, n=n, cutoff=cutoff)
    if not close:      # case or separators differ: LeadershipMix, leadership-mix
        folded = {a.replace("_", "").replace("-", "").lower(): a for a in allowed}
        key = name.replace("_", "").replace("-", "").lower()
        close = [folded[k] for k in difflib.get_close_matches(key, list(folded), n=n,
                                                              cutoff=cutoff)]
    return close


def did_you_mean(name: object, allowed: Iterable[str]) -> str:
    """``" (did you mean X?)"`` or ``" (did you mean X or Y?)"`` when ``name`` resembles names of
    ``allowed``; otherwise the empty string (so it can always be appended to a message)."""
    close = close_names(name, allowed)
    return f" (did you mean {' or '.join(close)}?)" if close else ""
