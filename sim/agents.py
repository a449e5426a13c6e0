"""Mesa agents: thin, readable views over the model's staff arrays.

Each staff post is one Mesa agent of its role's class (:class:`Manager`, :class:`Clinician`,
:class:`Coordinator`). Reading an attribute reads the model's arrays (``agent.motivation`` is
``model.org.staff.motivation[agent.post]``), so agents are always current and cost nothing in the
kernel. When a person leaves (turnover) their agent is removed from the model and a new agent is
created for the newcomer in the same post (when the model's agents are next looked at: see
:meth:`sim.model.LeadershipModel.agents`).
"""

from __future__ import annotations

import mesa
import numpy as np

from . import constants as C


def _view(name: str, doc: str, cast=float, writable: bool = False):
    def get(self):
        return cast(getattr(self.model.org.staff, name)[self.post])

    def set_(self, value):
        getattr(self.model.org.staff, name)[self.post] = value

    return property(get, set_ if writable else None, doc=doc)


class StaffMember(mesa.Agent):
    """A person in a staff post. ``post`` is the index into the model's staff arrays."""

    role_name = "staff"

    def __init__(self, model, post: int):
        super().__init__(model)
        self.post = int(post)

    authority = _view("authority", "Formal (positional) authority, 0..1.")
    expertise = _view("expertise", "Clinical / QI expertise, 0..1.")
    base_credibility = _view("credibility", "Credibility with peers once embedded, 0..1.")
    capacity = _view("capacity", "Share of weekly time available for QI, 0..1.")
    motivation = _view("motivation", "Commitment to QI, 0..1 (dynamic).", writable=True)
    aim = _view("aim", "Preferred direction of improvement, radians (dynamic).", writable=True)
    tenure = _view("tenure", "Weeks in post.", int)
    hospital = _view("hospital", "Hospital id.", int)
    unit = _view("unit", "Unit (ward) id.", int)
    leader_weeks = _view("leader_weeks", "Weeks spent as a legitimate leader of a task.")
    is_hybrid = _view("hybrid", "Whether a hybrid clinician-manager.", bool)

    @property
    def credibility(self) -> float:
        """Credibility others grant now (base credibility scaled by embeddedness)."""
        return float(self.model.org.staff.effective_credibility(self.model.constants)[self.post])

    @property
    def supervisor(self) -> StaffMember | None:
        """The agent this person reports to (formal reporting line), if any."""
        sup = int(self.model.org.staff.supervisor[self.post])
        return self.model.agent_for_post(sup) if sup >= 0 else None

    @property
    def tasks_led(self) -> list[int]:
        """Ids of the active tasks this person leads."""
        t = self.model.org.tasks
        active = t.status == C.ACTIVE
        return [int(x) for x in np.flatnonzero(active & (t.leaders == self.post).any(axis=1))]

    @property
    def ties(self) -> list[int]:
        """Posts this person has informal ties with."""
        return [int(x) for x in self.model.org.network.neighbours(self.post)]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(post={self.post}, hospital={self.hospital}, unit={self.unit}, "
                f"motivation={self.motivation:.2f}, leads={len(self.tasks_led)})")


class Manager(StaffMember):
    """An executive, middle manager or unit manager: formal authority over a scope of units."""

    role_name = "manager"

    @property
    def level(self) -> str:
        return C.LEVEL_NAMES[int(self.model.org.staff.level[self.post])]


class Clinician(StaffMember):
    """A doctor or nurse; ``is_hybrid`` marks clinician-managers with formal authority."""

    role_name = "clinician"


class Coordinator(StaffMember):
    """A local quality coordinator: boundary spanner who brokers tasks across units."""

    role_name = "coordinator"

    @property
    def tasks_brokered(self) -> list[int]:
        t = self.model.org.tasks
        return [int(x) for x in np.flatnonzero((t.status == C.ACTIVE) & (t.broker == self.post))]


ROLE_CLASSES = {C.MANAGER: Manager, C.CLINICIAN: Clinician, C.COORDINATOR: Coordinator}
