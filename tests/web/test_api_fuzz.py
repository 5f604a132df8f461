"""The JSON API fuzzed against its own OpenAPI description (schemathesis): every operation,
with generated valid and invalid input (its examples, boundary and negative values, then
random ones), as an admin of a real workspace. No answer may be a server error, and every
answer must be one the description declares: its status, its content type, its schema.

Run it alone with ``pytest tests/web/test_api_fuzz.py`` (about half a minute per backend).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.engine import events

from grounded.models.enums import Role
from tests.web.conftest import World

pytestmark = pytest.mark.slow

#: Random cases per operation, after the examples and the boundary cases.
MAX_EXAMPLES = 25
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# Not checked: ``negative_data_rejection``. Pydantic's lax mode accepts a number for a
# date-time (a Unix time) and a boolean for a number, which that check counts as accepting
# what the description refuses; both are read, never dropped, and never reach a 5xx.


@dataclass(frozen=True)
class Found:
    operation: str
    check: str
    title: str
    message: str
    reproduce: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.check}: {self.title}\n  {self.message}\n  {self.reproduce}"


def fuzz_config(world: World) -> schemathesis.Config:
    """Every check that fits, the admin's token, the workspace's slug in every path."""
    return schemathesis.Config.from_dict(
        {
            "seed": 6,
            "headers": {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"},
            "parameters": {"ws": world.slug},
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all", "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "workers": 1,
            "cache": {"enabled": False},
        }
    )


def fuzz(app: FastAPI, world: World) -> Iterator[events.EngineEvent]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=fuzz_config(world))
    yield from schemathesis.engine.from_schema(schema).execute()


def test_every_operation_answers_as_described(app: FastAPI, world: World) -> None:
    found: dict[tuple[str, str, str], Found] = {}
    tested: set[str] = set()
    errors: list[str] = []
    for event in fuzz(app, world):
        if isinstance(event, events.ScenarioFinished):
            tested.add(event.recorder.label)
            for checks in event.recorder.checks.values():
                for check in (c for c in checks if c.failure_info is not None):
                    info = check.failure_info
                    assert info is not None
                    key = (event.recorder.label, check.name, info.failure.title)
                    found.setdefault(
                        key,
                        Found(
                            event.recorder.label, check.name, info.failure.title, info.failure.message, info.code_sample
                        ),
                    )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
    assert not errors
    assert not found, "\n".join(str(f) for f in found.values())
    described = {f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items() for method in item}
    assert tested == described
    assert len(described) > 30
