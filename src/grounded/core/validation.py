"""Pydantic validation with errors turned into ``InvalidInput`` naming the field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from grounded.errors import InvalidInput

SchemaT = TypeVar("SchemaT", bound=BaseModel)


#: What a text holding a NUL character is told (PostgreSQL cannot store one).
NUL_MESSAGE = "contains a NUL character (\\x00), which cannot be stored"

#: The largest amount of money (ARR, deal value) grounded stores, in whole currency units.
MAX_MONEY = 10**15


class Schema(BaseModel):
    """Input schemas: unknown fields are errors, strings are trimmed, numbers are finite,
    and no text may contain a NUL character (PostgreSQL cannot store one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        where = _nul_in(data, ())
        if where is not None:
            # A ValidationError (not a ValueError) keeps the field's location: the error
            # names ``title`` (``body.title`` in the API), not the whole object.
            problem = PydanticCustomError("nul_character", NUL_MESSAGE)
            raise ValidationError.from_exception_data(
                cls.__name__, [InitErrorDetails(type=problem, loc=where, input=_at(data, where))]
            )
        return data


class ReadSchema(BaseModel):
    """Output schemas, built from model instances."""

    model_config = ConfigDict(from_attributes=True)


def _nul_in(value: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The location of the first string holding a NUL character, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict) and any(isinstance(key, str) and "\x00" in key for key in value):
        return path  # a key holding one: the object is at fault, its keys cannot be stored either
    items: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _nul_in(item, (*path, key if isinstance(key, int) else str(key)))
        if found is not None:
            return found
    return None


def _at(data: Any, where: tuple[str | int, ...]) -> Any:
    for part in where:
        data = data[part]
    return data


def validate(schema: type[SchemaT], data: Mapping[str, Any]) -> SchemaT:
    """Build ``schema`` from ``data``; a bad value raises ``InvalidInput`` for its field."""
    try:
        return schema.model_validate(dict(data))
    except ValidationError as error:
        raise invalid_from(error) from error


def invalid_from(error: ValidationError) -> InvalidInput:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = plain_message(first["msg"])
    if len(error.errors()) > 1:
        message += f" (and {len(error.errors()) - 1} more problem(s))"
    return InvalidInput(message, field=field)


def plain_message(message: str) -> str:
    """A pydantic message as a person reads it: without the "Value error, " our own
    validators' messages get in front."""
    return message.removeprefix("Value error, ")


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken to be UTC; aware ones are converted to UTC."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("is outside the range of dates grounded can store") from error


def finite_values(value: Any) -> Any:
    """A JSON-like value (attributes) as given, refused if a number in it is infinite or NaN:
    JSON cannot hold one, so it would be stored as null without a word."""
    _refuse_non_finite(value, "")
    return value


def _refuse_non_finite(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'the value'} is {value}, not a finite number: JSON cannot hold it")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_non_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_non_finite(item, f"{where}[{index}]")
