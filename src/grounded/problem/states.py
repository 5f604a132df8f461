"""Problem and link lifecycles."""

from grounded.core.states import StateMachine
from grounded.models.enums import LinkStatus, ProblemStatus

P = ProblemStatus
PROBLEM = StateMachine[ProblemStatus](
    "problem",
    {
        P.HYPOTHESIS: frozenset({P.VALIDATED, P.INVALIDATED, P.PARKED}),
        P.VALIDATED: frozenset({P.SOLVED, P.PARKED, P.INVALIDATED}),
        P.INVALIDATED: frozenset({P.HYPOTHESIS}),
        P.PARKED: frozenset({P.HYPOTHESIS, P.VALIDATED}),
        P.SOLVED: frozenset({P.VALIDATED}),
    },
)

L = LinkStatus
LINK = StateMachine[LinkStatus](
    "link",
    {
        L.SUGGESTED: frozenset({L.ACCEPTED, L.REJECTED}),
        L.ACCEPTED: frozenset({L.REJECTED}),
        L.REJECTED: frozenset({L.ACCEPTED}),
    },
)
