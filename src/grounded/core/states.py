"""State machines: which status may follow which. Services consult them before every move."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from grounded.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    entity: str
    transitions: Mapping[S, frozenset[S]]

    def allowed(self, current: S) -> frozenset[S]:
        return self.transitions.get(current, frozenset())

    def check(self, current: S, target: S, *, label: str | None = None) -> None:
        """Raise ``InvalidTransition`` naming the allowed next states unless the move is legal."""
        if target not in self.allowed(current):
            raise InvalidTransition(
                label or self.entity,
                current.value,
                target.value,
                [state.value for state in self.allowed(current)],
            )

    def is_final(self, state: S) -> bool:
        return not self.allowed(state)
