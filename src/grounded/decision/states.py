"""Decision and signal lifecycles."""

from grounded.core.states import StateMachine
from grounded.models.enums import DecisionStatus, SignalState

D = DecisionStatus
DECISION = StateMachine[DecisionStatus](
    "decision",
    {
        D.DRAFT: frozenset({D.PROPOSED}),
        D.PROPOSED: frozenset({D.ACCEPTED, D.REJECTED, D.DRAFT}),
        D.ACCEPTED: frozenset({D.UNDER_REVIEW, D.SUPERSEDED, D.DEPRECATED}),
        D.UNDER_REVIEW: frozenset({D.REAFFIRMED, D.SUPERSEDED, D.DEPRECATED}),
        D.REAFFIRMED: frozenset({D.UNDER_REVIEW, D.SUPERSEDED, D.DEPRECATED}),
        D.REJECTED: frozenset(),
        D.SUPERSEDED: frozenset(),
        D.DEPRECATED: frozenset(),
    },
)
#: Content may change only before acceptance; afterwards it is frozen.
EDITABLE = frozenset({D.DRAFT, D.PROPOSED})
#: States in which a decision is in force (and can be superseded, amended or reviewed).
IN_FORCE = frozenset({D.ACCEPTED, D.UNDER_REVIEW, D.REAFFIRMED})

G = SignalState
SIGNAL = StateMachine[SignalState](
    "signal",
    {
        G.ARMED: frozenset({G.OK, G.BREACHED, G.DISMISSED}),
        G.OK: frozenset({G.BREACHED, G.DISMISSED}),
        G.BREACHED: frozenset({G.OK, G.ACKNOWLEDGED, G.DISMISSED}),
        G.ACKNOWLEDGED: frozenset({G.OK, G.BREACHED, G.DISMISSED}),
        G.DISMISSED: frozenset({G.ARMED}),
    },
)
