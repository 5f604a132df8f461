"""Form handling shared by the pages: validation errors beside the field, values kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from grounded.core.validation import validate
from grounded.errors import InvalidInput

SchemaT = TypeVar("SchemaT", bound=BaseModel)


class FormInvalid(Exception):
    """A form that did not validate: the errors by field, and what was typed."""

    def __init__(self, errors: dict[str, str], values: Mapping[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.values = dict(values)


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields that were filled in (an empty text box means 'not given')."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def parse(schema: type[SchemaT], values: Mapping[str, Any]) -> SchemaT:
    try:
        return validate(schema, given(values))
    except InvalidInput as error:
        raise FormInvalid({(error.field or "form").split(".")[0]: error.detail}, values) from error


def errors_of(error: InvalidInput, values: Mapping[str, Any]) -> FormInvalid:
    """A service's refusal of a form's value, shown beside that field."""
    return FormInvalid({(error.field or "form").split(".")[0]: error.detail}, values)
