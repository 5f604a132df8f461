"""Pydantic validation with errors turned into ``InvalidInput`` naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from grounded.errors import InvalidInput

SchemaT = TypeVar("SchemaT", bound=BaseModel)


class Schema(BaseModel):
    """Input schemas: unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadSchema(BaseModel):
    """Output schemas, built from model instances."""

    model_config = ConfigDict(from_attributes=True)


def validate(schema: type[SchemaT], data: Mapping[str, Any]) -> SchemaT:
    """Build ``schema`` from ``data``; a bad value raises ``InvalidInput`` for its field."""
    try:
        return schema.model_validate(dict(data))
    except ValidationError as error:
        raise invalid_from(error) from error


def invalid_from(error: ValidationError) -> InvalidInput:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = first["msg"]
    if len(error.errors()) > 1:
        message += f" (and {len(error.errors()) - 1} more problem(s))"
    return InvalidInput(message, field=field)
