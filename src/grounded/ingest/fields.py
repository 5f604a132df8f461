"""Turning export values into field values. A value that cannot be converted raises
``RowProblem`` naming the field, which the pipeline turns into a quarantined row."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grounded.errors import InvalidInput


class RowProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


#: Patterns tried, in order, when a date column says format: auto and the value is not ISO
#: 8601. Day-first comes before month-first; the first pattern that fits every value seen
#: so far is kept (so 03/04 after 13/04 reads as the 3rd of April).
AUTO_PATTERNS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y",
    "%a, %d %b %Y %H:%M:%S %z",
    "%a %b %d %H:%M:%S %Y",
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
EPOCH_MS_FROM = 100_000_000_000  # numbers above this are milliseconds


def zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(f"unknown time zone {name!r} (use a name like Europe/Berlin)", field="timezone") from error


class DateParser:
    """Parses one column's dates; ``auto`` learns the column's pattern as it goes."""

    def __init__(self, field: str, *, format_: str = "auto", timezone: str = "UTC") -> None:
        self.field = field
        self.format = format_
        self.zone = zone(timezone)
        self.candidates = list(AUTO_PATTERNS) if format_ == "auto" else [format_]

    def __call__(self, value: Any) -> datetime:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RowProblem(self.field, "is empty")
        if isinstance(value, datetime):
            return self._utc(value)
        if isinstance(value, date):
            return self._utc(datetime(value.year, value.month, value.day, tzinfo=self.zone))
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise RowProblem(self.field, f"expected a date, got {_kind(value)}")
        return self._parse(str(value).strip())

    def _parse(self, text: str) -> datetime:
        if self.format in ("epoch", "epoch_ms") or (self.format == "auto" and _NUMBER.match(text)):
            return self._epoch(text)
        if self.format in ("auto", "iso"):
            try:
                return self._utc(datetime.fromisoformat(text))
            except ValueError:
                if self.format == "iso":
                    raise RowProblem(self.field, f"{_show(text)} is not an ISO 8601 date") from None
        for pattern in self.candidates:
            parsed = _strptime(text, pattern)
            if parsed is None:
                continue
            if len(self.candidates) > 1:
                self.candidates = self.candidates[self.candidates.index(pattern) :]
            return self._utc(parsed)
        expected = "a date" if self.format == "auto" else f"a date like {self.format}"
        raise RowProblem(self.field, f"{_show(text)} is not {expected}")

    def _epoch(self, text: str) -> datetime:
        try:
            number = float(text)
        except ValueError:
            raise RowProblem(self.field, f"{_show(text)} is not a number of seconds since 1970") from None
        if self.format == "epoch_ms" or (self.format == "auto" and abs(number) >= EPOCH_MS_FROM):
            number /= 1000
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=number)
        except OverflowError:
            raise RowProblem(self.field, f"{_show(text)} is out of range") from None

    def _utc(self, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=self.zone)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise RowProblem(self.field, f"{value.isoformat()} is out of range") from None


def _strptime(text: str, pattern: str) -> datetime | None:
    try:
        return datetime.strptime(text, pattern)  # noqa: DTZ007  (the zone is applied in _utc)
    except ValueError:
        return None


def text(field: str, value: Any, *, limit: int) -> str:
    """Text as exported (outer white space trimmed); numbers become text; objects do not."""
    if value is None:
        return ""
    if isinstance(value, str):
        result = value.strip()
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise RowProblem(field, f"expected text, got {_kind(value)}")
    else:
        result = str(value)
    if len(result) > limit:
        raise RowProblem(field, f"is {len(result):,} characters; the limit is {limit:,}")
    if "\x00" in result:
        raise RowProblem(field, NUL_PROBLEM)
    return result


#: PostgreSQL stores no NUL character in text or JSON, so no backend gets one.
NUL_PROBLEM = "contains a NUL character (\\x00), which cannot be stored; remove it"


def whole_number(field: str, value: Any, *, limit: int = 10**15) -> int | None:
    """``180000``, ``"180,000"``, ``"$180,000.00"`` → 180000; empty → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowProblem(field, "expected a number, got true/false")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        cleaned = re.sub(r"[\s,$€£¥]", "", value.strip())
        try:
            number = float(cleaned)
        except ValueError:
            raise RowProblem(field, f"{_show(value)} is not a number") from None
    else:
        raise RowProblem(field, f"expected a number, got {_kind(value)}")
    if not math.isfinite(number) or abs(number) > limit:
        raise RowProblem(field, f"{_show(str(value))} is not a usable amount")
    if number < 0:
        raise RowProblem(field, f"{_show(str(value))} is negative")
    return round(number)


def attribute(value: Any, field: str = "attributes") -> Any:
    """A value kept in the attributes JSON: JSON types as they are, dates as ISO text."""
    if isinstance(value, str):
        if "\x00" in value:
            raise RowProblem(field, NUL_PROBLEM)
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        text = json.dumps(value, default=str)
        if "\\u0000" in text:
            raise RowProblem(field, NUL_PROBLEM)
        return json.loads(text)
    return str(value)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
