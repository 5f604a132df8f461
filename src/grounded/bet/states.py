"""Lifecycles of bets, assumptions and experiments."""

from grounded.core.states import StateMachine
from grounded.models.enums import AssumptionStatus, BetStatus, ExperimentStatus

B = BetStatus
BET = StateMachine[BetStatus](
    "bet",
    {
        B.IDEA: frozenset({B.SHAPING, B.NOT_YET, B.DROPPED}),
        B.SHAPING: frozenset({B.COMMITTED, B.NOT_YET, B.DROPPED, B.IDEA}),
        B.COMMITTED: frozenset({B.BUILDING, B.NOT_YET, B.DROPPED}),
        B.BUILDING: frozenset({B.MEASURING, B.DROPPED}),
        B.MEASURING: frozenset({B.DONE, B.BUILDING, B.DROPPED}),
        B.NOT_YET: frozenset({B.IDEA, B.SHAPING, B.DROPPED}),
        B.DROPPED: frozenset({B.IDEA}),
        B.DONE: frozenset(),
    },
)
#: Saying no (or not yet) must come with the reason.
BET_NEEDS_REASON = frozenset({B.NOT_YET, B.DROPPED})

A = AssumptionStatus
ASSUMPTION = StateMachine[AssumptionStatus](
    "assumption",
    {
        A.OPEN: frozenset({A.TESTING, A.SUPPORTED, A.REFUTED, A.ACCEPTED_RISK}),
        A.TESTING: frozenset({A.SUPPORTED, A.REFUTED, A.ACCEPTED_RISK, A.OPEN}),
        A.SUPPORTED: frozenset({A.TESTING}),
        A.REFUTED: frozenset({A.TESTING}),
        A.ACCEPTED_RISK: frozenset({A.TESTING, A.OPEN}),
    },
)

X = ExperimentStatus
EXPERIMENT = StateMachine[ExperimentStatus](
    "experiment",
    {
        X.PLANNED: frozenset({X.RUNNING, X.ABANDONED}),
        X.RUNNING: frozenset({X.COMPLETED, X.ABANDONED}),
        X.COMPLETED: frozenset(),
        X.ABANDONED: frozenset(),
    },
)
