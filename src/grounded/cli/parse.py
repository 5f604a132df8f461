"""Turning command-line strings into values, with errors that name the option."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from grounded.core.jsontext import unreadable
from grounded.core.validation import validate
from grounded.errors import InvalidInput

SchemaT = TypeVar("SchemaT", bound=BaseModel)


def when(text: str | None, *, option: str) -> datetime | None:
    """``2026-11-02``, ``2026-11-02T09:30`` or with an offset; dates without a zone are UTC."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)", field=option) from error
    except OverflowError as error:
        raise InvalidInput(f"{text!r} is outside the range of dates grounded can store", field=option) from error


def day(text: str | None, *, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not a date (use YYYY-MM-DD)", field=option) from error


def pairs(items: list[str] | None, *, option: str) -> dict[str, str]:
    """``key=value`` options into a dict."""
    result: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{item!r} is not key=value", field=option)
        result[key.strip()] = value.strip()
    return result


def json_file(path: Path | None, *, option: str) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidInput(f"{path} does not exist", field=option) from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path} is not a JSON file ({error})", field=option) from error
    except (RecursionError, ValueError) as error:  # well-formed, but too deep or a number too long
        raise InvalidInput(f"{path} {unreadable(error)}", field=option) from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}", field=option) from error
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a JSON object", field=option)
    return data


def json_text(text: str | None, *, option: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"not JSON ({error.msg} at column {error.colno})", field=option) from error
    except (RecursionError, ValueError) as error:
        raise InvalidInput(f"the JSON {unreadable(error)}", field=option) from None
    if not isinstance(data, dict):
        raise InvalidInput("must be a JSON object", field=option)
    return data


def given(**values: Any) -> dict[str, Any]:
    """Only the options the user actually gave (None means not given)."""
    return {key: value for key, value in values.items() if value is not None}


def schema(model: type[SchemaT], data: dict[str, Any]) -> SchemaT:
    """Validate, naming options the way the user typed them (``--why`` not ``why_it_matters``)."""
    return validate(model, data)


def effort(text: str | None, *, option: str = "effort") -> tuple[float, float] | None:
    """``3`` or ``2-4`` (weeks)."""
    if text is None:
        return None
    low, sep, high = text.partition("-")
    try:
        numbers = (float(low), float(high)) if sep else (float(low), float(low))
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not weeks like 3 or 2-4", field=option) from error
    return numbers
