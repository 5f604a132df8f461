"""Lifecycles of requests, outcomes, increments and urgent exceptions."""

from grounded.core.states import StateMachine
from grounded.models.enums import Disposition, ExceptionStatus, IncrementStatus, OutcomeStatus

R = Disposition
REQUEST = StateMachine[Disposition](
    "request",
    {
        R.NEW: frozenset({R.TRIAGED, R.SCHEDULED, R.NOT_YET, R.DECLINED, R.MERGED}),
        R.TRIAGED: frozenset({R.SCHEDULED, R.NOT_YET, R.DECLINED, R.MERGED}),
        R.SCHEDULED: frozenset({R.TRIAGED, R.NOT_YET, R.DECLINED}),
        R.NOT_YET: frozenset({R.TRIAGED, R.SCHEDULED, R.DECLINED, R.MERGED}),
        R.DECLINED: frozenset({R.TRIAGED}),
        R.MERGED: frozenset(),
    },
)

Out = OutcomeStatus
OUTCOME = StateMachine[OutcomeStatus](
    "outcome",
    {
        Out.ACTIVE: frozenset({Out.ACHIEVED, Out.MISSED, Out.DROPPED}),
        Out.ACHIEVED: frozenset({Out.ACTIVE}),
        Out.MISSED: frozenset({Out.ACTIVE}),
        Out.DROPPED: frozenset({Out.ACTIVE}),
    },
)

Inc = IncrementStatus
INCREMENT = StateMachine[IncrementStatus](
    "increment",
    {
        Inc.PLANNED: frozenset({Inc.IN_PROGRESS, Inc.DROPPED}),
        Inc.IN_PROGRESS: frozenset({Inc.DONE, Inc.DROPPED, Inc.PLANNED}),
        Inc.DONE: frozenset(),
        Inc.DROPPED: frozenset({Inc.PLANNED}),
    },
)

Exc = ExceptionStatus
EXCEPTION = StateMachine[ExceptionStatus](
    "exception",
    {
        Exc.PENDING: frozenset({Exc.ACCEPTED, Exc.DECLINED}),
        Exc.ACCEPTED: frozenset(),
        Exc.DECLINED: frozenset({Exc.PENDING}),
    },
)
