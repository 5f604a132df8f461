"""Metric specs: what each kind of metric must say, every meaning-changing choice explicit.

A spec is YAML a team keeps in git (``metrics/*.yaml``), one metric per file or a list
under ``metrics:``. It is checked here for shape (a kind's required fields, windows above
zero, a funnel of two steps or more) with errors that name the file and line, and later,
against the event store, for the events and properties it names (``metrics.checks``).

Fields shared by every kind::

    key: weekly_report_views        # how people refer to it
    name: Weekly report views
    kind: count
    description: Report pages opened per week.
    unit: views
    good: up                        # or down
    owner: Priya (PM)
    period: week                    # day | week | month: the grain of the series
    week_start: monday              # weeks start on this day (stated, never assumed)
    where:                          # filters: event properties and account properties
      properties.status: error      # one value, or a list of values
      account.plan: [enterprise, growth]
    by: [account.segment]           # breakdowns

The kinds and their own fields are the classes below; docs/metrics.md walks through each.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from grounded.core.validation import plain_message
from grounded.errors import InvalidInput
from grounded.ingest import yamlfile
from grounded.metrics.schemas import METRIC_KEY
from grounded.models.enums import GoodDirection, MetricKind

#: The fields every spec has that say who and what, not how it is computed.
HEADER = ("key", "name", "kind", "description", "unit", "good", "owner")
#: Where a filter or breakdown looks: event properties, or the account's record.
ACCOUNT_FIELDS = ("plan", "segment", "region", "arr_band", "name")
FIELD = re.compile(r"^(properties\.[A-Za-z0-9_$-][A-Za-z0-9_.$-]{0,99}|account\.(plan|segment|region|arr_band|name))$")
DURATION = re.compile(r"^\s*(-?\d+)\s*(m|min|h|d|w)\s*$")
_UNIT = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday 0 … Sunday 6, as ``date.weekday()``."""
        return list(Weekday).index(self)


class Actor(StrEnum):
    USER = "user"
    ACCOUNT = "account"

    @property
    def column(self) -> str:
        return "user_id" if self is Actor.USER else "account_id"


MAX_WINDOW_DAYS = 3650
"""The longest window (a funnel's, a time to complete's): ten years, far more than any
product question needs, and well inside what every engine's intervals hold."""


def seconds(text: str, *, field: str) -> int:
    """A window such as ``7d``, ``36h``, ``90min`` or ``2w``, in seconds; above zero and at
    most ``MAX_WINDOW_DAYS`` days. Every duration field of a spec is read through here."""
    match = DURATION.match(str(text))
    if match is None:
        raise ValueError(f"{field} '{text}' is not a duration; write a number and a unit: 30min, 36h, 7d or 2w")
    number = match.group(1)
    if len(number.lstrip("-")) > 15:  # far past the limit either way (and int() refuses 4,300 digits)
        number = ("-" if number.startswith("-") else "") + "9" * 15
    amount = int(number) * _UNIT[match.group(2)]
    if amount <= 0:
        raise ValueError(f"{field} must be above zero (got '{text}')")
    if amount > MAX_WINDOW_DAYS * 86400:
        raise ValueError(f"{field} must be at most {MAX_WINDOW_DAYS}d (ten years) (got '{text}')")
    return amount


Events = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1)]


def _events(value: Any) -> Any:
    """``event: a`` and ``events: [a, b]`` both mean a list."""
    return [value] if isinstance(value, str) else value


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False, frozen=True)

    key: str = Field(pattern=METRIC_KEY, description="lowercase letters, digits and underscores")
    name: str = Field(min_length=1, max_length=300)
    description: str = ""
    unit: str = Field(default="", max_length=50)
    good: GoodDirection = GoodDirection.UP
    owner: str | None = Field(default=None, max_length=200)
    period: Period = Period.WEEK
    week_start: Weekday = Weekday.MONDAY
    timezone: str = Field(default="UTC", description="an IANA zone: days, weeks and months start at its midnight")
    where: dict[str, str | int | float | bool | list[str | int | float | bool]] = Field(default_factory=dict)
    by: list[str] = Field(default_factory=list, max_length=3)
    #: Backends the metric must run on: checked when it is defined (``metrics.backends``).
    backends: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _one_event(cls, data: Any) -> Any:
        """``event: a`` is ``events: [a]`` for the kinds that take events."""
        if isinstance(data, dict) and "event" in data and "events" in cls.model_fields:
            data = {**data, "events": _events(data["event"])}
            del data["event"]
        return data

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from grounded.metrics import zones

        return zones.check(value)

    @field_validator("backends")
    @classmethod
    def _known_backends(cls, value: list[str]) -> list[str]:
        from grounded.metrics import backends

        for name in value:
            backends.dialect_of(name)
        return sorted({name.strip().lower() for name in value})

    @field_validator("where")
    @classmethod
    def _where_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, wanted in value.items():
            _field_name(name, "where")
            if isinstance(wanted, list) and not wanted:
                raise ValueError(f"where.{name} lists no values; give one value or a list of them")
        return value

    @field_validator("by")
    @classmethod
    def _by_fields(cls, value: list[str]) -> list[str]:
        for name in value:
            _field_name(name, "by")
        if len(set(value)) != len(value):
            raise ValueError("by names the same field twice")
        return value

    def sets(self) -> list[EventSet]:
        """The event sets the spec names (steps, start and return, attempts…)."""
        return []

    def metrics_named(self) -> set[str]:
        """The other catalogue metrics it is computed from (ratios and derived metrics)."""
        return set()

    def events_named(self) -> set[str]:
        """Every event name the spec refers to (checked against the event store)."""
        own = getattr(self, "events", None) or []
        return set(own) | {event for s in self.sets() for event in s.events}

    def properties_named(self) -> set[str]:
        """Every event property the spec filters or breaks down by."""
        names = [*self.where, *self.by, *(name for s in self.sets() for name in s.where)]
        return {name.removeprefix("properties.") for name in names if name.startswith("properties.")}

    def definition(self) -> dict[str, Any]:
        """What is stored as the catalogue's definition: everything but the header and the
        backends it must run on (a check when it is defined, not part of its meaning)."""
        return self.model_dump(mode="json", exclude=self._not_stored(), exclude_defaults=False)

    def _not_stored(self) -> set[str]:
        return {*HEADER, "backends"}


def _field_name(name: str, where: str) -> None:
    if not FIELD.match(name):
        raise ValueError(
            f"{where} names '{name}'; name an event property as properties.<name> or an account field as "
            f"account.<{'|'.join(ACCOUNT_FIELDS)}>"
        )


class EventSet(BaseModel):
    """Some events, optionally narrowed by their properties."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    events: Events
    where: dict[str, str | int | float | bool | list[str | int | float | bool]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _one_event(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"events": [data]}
        if isinstance(data, dict) and "event" in data:
            data = {**data, "events": _events(data["event"])}
            del data["event"]
        return data

    @field_validator("where")
    @classmethod
    def _property_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not name.startswith("properties."):
                raise ValueError(f"an event set's where names event properties only (properties.<name>), not '{name}'")
            _field_name(name, "where")
        return value


class _WithEvents(Base):
    events: Events


class Count(_WithEvents):
    """How many times the events happened in each period."""

    kind: Literal[MetricKind.COUNT] = MetricKind.COUNT


class Unique(_WithEvents):
    """How many distinct users (or accounts) did the events in each period."""

    kind: Literal[MetricKind.UNIQUE] = MetricKind.UNIQUE
    of: Actor = Actor.USER


class ActiveUsers(Base):
    """Users (or accounts) who did anything (or any of ``events``) in each calendar period,
    or, with ``rolling_days``, on each day in the window of that many days ending that day."""

    kind: Literal[MetricKind.ACTIVE_USERS] = MetricKind.ACTIVE_USERS
    of: Actor = Actor.USER
    events: list[str] | None = None
    rolling_days: int | None = Field(default=None, description="e.g. 7 for a rolling week")

    @field_validator("rolling_days")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 366:
            raise ValueError(f"rolling_days must be from 1 to 366 (got {value})")
        return value

    @field_validator("events")
    @classmethod
    def _some(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("events lists no event; leave it out to count any activity")
        return value


class Adoption(Base):
    """The share of active users (or accounts) in each period who used the feature."""

    kind: Literal[MetricKind.ADOPTION] = MetricKind.ADOPTION
    of: Actor = Actor.USER
    feature: EventSet
    active: EventSet | None = None

    def sets(self) -> list[EventSet]:
        return [self.feature, *([self.active] if self.active else [])]


class Cohort(StrEnum):
    FIRST = "first"
    RECURRING = "recurring"


class RetentionMode(StrEnum):
    ON = "on"
    ON_OR_AFTER = "on_or_after"


class Clock(StrEnum):
    CALENDAR = "calendar"
    ROLLING = "rolling"


class Retention(Base):
    """Of the users who started (``start``) in a period, the share who came back
    (``return``) in period N after it ("on"), or in period N or later ("on or after")."""

    model_config = ConfigDict(populate_by_name=True)
    kind: Literal[MetricKind.RETENTION] = MetricKind.RETENTION
    of: Actor = Actor.USER
    start: EventSet
    return_: EventSet = Field(alias="return")
    cohort: Cohort = Cohort.FIRST
    mode: RetentionMode = RetentionMode.ON
    clock: Clock = Clock.CALENDAR
    periods: int = Field(ge=1, le=366, description="how many periods after the start to follow")

    @model_validator(mode="before")
    @classmethod
    def _return_needed(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("mode") is True:
            data = {**data, "mode": "on"}  # YAML 1.1 reads a bare "on" as true
        if isinstance(data, dict) and "return" not in data and "return_" not in data:
            raise ValueError(
                "a retention needs a return event: add 'return: <event>' (the same as start to measure coming back)"
            )
        return data

    @model_validator(mode="after")
    def _rolling_months(self) -> Retention:
        if self.clock is Clock.ROLLING and self.period is Period.MONTH:
            raise ValueError("a rolling clock needs periods of fixed length: use period day or week, or clock calendar")
        return self

    def sets(self) -> list[EventSet]:
        return [self.start, self.return_]

    def definition(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=self._not_stored(), by_alias=True)


class Entry(StrEnum):
    FIRST = "first"
    ANY = "any"


class Funnel(Base):
    """Users (or accounts) who did step 1, and the share who went on to each later step in
    order within ``window`` of step 1. ``entry: first`` counts each one's first step 1 in
    the range; ``any`` lets every step 1 start an attempt, and counts the furthest one got.
    A step at the same moment as the step before it counts as after it. With ``exclude``,
    an attempt in which that event happens between step 1 and the end of the attempt is
    not counted."""

    kind: Literal[MetricKind.FUNNEL] = MetricKind.FUNNEL
    of: Actor = Actor.USER
    steps: list[EventSet]
    window: str = Field(description="e.g. 7d; measured from step 1")
    entry: Entry = Entry.FIRST
    exclude: EventSet | None = None

    @field_validator("steps")
    @classmethod
    def _two_steps(cls, value: list[EventSet]) -> list[EventSet]:
        if len(value) < 2:
            raise ValueError(f"a funnel needs at least two steps (got {len(value)}); to count one event use kind count")
        if len(value) > 12:
            raise ValueError(f"a funnel has at most 12 steps (got {len(value)})")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        seconds(value, field="window")
        return value

    @property
    def window_seconds(self) -> int:
        return seconds(self.window, field="window")

    def sets(self) -> list[EventSet]:
        return [*self.steps, *([self.exclude] if self.exclude else [])]


class Stickiness(Base):
    """How many days in each week (or month) active users were active: the distribution,
    and average daily actives over the period's actives (DAU/WAU, DAU/MAU)."""

    kind: Literal[MetricKind.STICKINESS] = MetricKind.STICKINESS
    of: Actor = Actor.USER
    events: list[str] | None = None
    period: Period = Period.MONTH

    @field_validator("period")
    @classmethod
    def _not_days(cls, value: Period) -> Period:
        if value is Period.DAY:
            raise ValueError("stickiness counts active days within a period: use period week or month")
        return value


class FailureRate(Base):
    """Failures over attempts, in per cent, in each period."""

    kind: Literal[MetricKind.FAILURE_RATE] = MetricKind.FAILURE_RATE
    attempts: EventSet
    failures: EventSet

    def sets(self) -> list[EventSet]:
        return [self.attempts, self.failures]


class TimeToComplete(Base):
    """Seconds from a user's first ``start`` in a period to their first ``finish`` at or
    after it within ``window``: the median and the 90th percentile (nearest rank)."""

    kind: Literal[MetricKind.TIME_TO_COMPLETE] = MetricKind.TIME_TO_COMPLETE
    of: Actor = Actor.USER
    start: EventSet
    finish: EventSet
    window: str = "1d"
    percentiles: list[int] = Field(default_factory=lambda: [50, 90], min_length=1, max_length=5)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        seconds(value, field="window")
        return value

    @field_validator("percentiles")
    @classmethod
    def _percent(cls, value: list[int]) -> list[int]:
        for p in value:
            if not 1 <= p <= 99:
                raise ValueError(f"a percentile is from 1 to 99 (got {p})")
        return sorted(set(value))

    @property
    def window_seconds(self) -> int:
        return seconds(self.window, field="window")

    def sets(self) -> list[EventSet]:
        return [self.start, self.finish]


class Survey(Base):
    """From survey evidence in the workspace (not events): the score attribute of each
    answer. NPS: per cent promoters (9–10) minus per cent detractors (0–6), on 0–10.
    CSAT: per cent of answers at ``satisfied_from`` or above, on 1–``scale``."""

    survey: str | None = Field(default=None, description="only answers whose survey attribute is this")
    score_attribute: str = "score"

    @field_validator("timezone")
    @classmethod
    def _utc_only(cls, value: str) -> str:
        if value not in ("UTC", "Etc/UTC"):
            raise ValueError(f"survey answers are counted by UTC day; leave timezone out (got '{value}')")
        return value

    @field_validator("by")
    @classmethod
    def _accounts_only(cls, value: list[str]) -> list[str]:
        return _survey_fields(value)

    @field_validator("where")
    @classmethod
    def _accounts_where(cls, value: dict[str, Any]) -> dict[str, Any]:
        _survey_fields(list(value))
        return value


class Nps(Survey):
    kind: Literal[MetricKind.NPS] = MetricKind.NPS


class Csat(Survey):
    kind: Literal[MetricKind.CSAT] = MetricKind.CSAT
    scale: int = Field(default=5, ge=2, le=10)
    satisfied_from: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _within(self) -> Csat:
        if self.satisfied_from > self.scale:
            raise ValueError(f"satisfied_from ({self.satisfied_from}) is above the scale ({self.scale})")
        return self


def _survey_fields(names: list[str]) -> list[str]:
    for name in names:
        if not name.startswith("account."):
            raise ValueError(
                f"survey answers are not events: filter or break down by account fields only, not '{name}'"
            )
    return names


class Ratio(Base):
    """One catalogue metric over another, period by period (times ``scale``)."""

    kind: Literal[MetricKind.RATIO] = MetricKind.RATIO
    numerator: str = Field(pattern=METRIC_KEY)
    denominator: str = Field(pattern=METRIC_KEY)
    scale: float = 100.0

    def metrics_named(self) -> set[str]:
        return {self.numerator, self.denominator}


class Derived(Base):
    """An arithmetic expression over other catalogue metrics, period by period:
    ``+ - * /``, parentheses, numbers and metric keys (``100 - csv_export_return``)."""

    kind: Literal[MetricKind.DERIVED] = MetricKind.DERIVED
    expression: str = Field(min_length=1, max_length=500)

    @field_validator("expression")
    @classmethod
    def _parses(cls, value: str) -> str:
        from grounded.metrics import expression

        expression.parse(value)
        return value

    def metrics_named(self) -> set[str]:
        from grounded.metrics import expression

        return expression.names(self.expression)


Spec = Annotated[
    Count
    | Unique
    | ActiveUsers
    | Adoption
    | Retention
    | Funnel
    | Stickiness
    | FailureRate
    | TimeToComplete
    | Nps
    | Csat
    | Ratio
    | Derived,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[Spec] = TypeAdapter(Spec)
EVENT_KINDS = {
    MetricKind.COUNT,
    MetricKind.UNIQUE,
    MetricKind.ACTIVE_USERS,
    MetricKind.ADOPTION,
    MetricKind.RETENTION,
    MetricKind.FUNNEL,
    MetricKind.STICKINESS,
    MetricKind.FAILURE_RATE,
    MetricKind.TIME_TO_COMPLETE,
}


def parse(
    data: Any, *, name: str = "spec", lines: dict[tuple[str, ...], int] | None = None, at: tuple[str, ...] = ()
) -> Spec:
    """A spec from parsed YAML or JSON, or InvalidInput naming the file, line and fix."""
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{name}: a metric spec is a mapping of fields (key, name, kind…), not {type(data).__name__}"
        )
    if "kind" not in data:
        raise InvalidInput(f"{_where(name, lines, at)}: the spec has no kind; give one of: {_kinds()}")
    given = data["kind"]
    if isinstance(given, (dict, list)):  # unhashable: the set test below would raise TypeError
        shape = "a list" if isinstance(given, list) else "a mapping"
        raise InvalidInput(f"{_where(name, lines, (*at, 'kind'))}: kind is {shape}, not one of: {_kinds()}")
    if given not in {kind.value for kind in MetricKind}:
        raise InvalidInput(f"{_where(name, lines, (*at, 'kind'))}: kind '{given}' is not one of: {_kinds()}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        raise InvalidInput(_explain(error, name=name, lines=lines, at=at, key=data.get("key"))) from None


def from_stored(key: str, name: str, kind: MetricKind, definition: dict[str, Any], **header: Any) -> Spec:
    """The spec of a catalogue entry, from its stored definition."""
    data = {"key": key, "name": name, "kind": kind.value, **definition}
    data.update({k: v for k, v in header.items() if v is not None})
    return parse(data, name=f"metric {key}")


def header(spec: Spec) -> dict[str, Any]:
    return {
        "key": spec.key,
        "name": spec.name,
        "kind": spec.kind,
        "description": spec.description,
        "unit": spec.unit,
        "good_direction": spec.good,
        "owner": spec.owner,
    }


def _kinds() -> str:
    return ", ".join(kind.value for kind in MetricKind)


def _where(name: str, lines: dict[tuple[str, ...], int] | None, path: tuple[str, ...]) -> str:
    line = yamlfile.line_of(lines, path) if lines else None
    return f"{name} line {line}" if line else name


def _explain(
    error: ValidationError, *, name: str, lines: dict[tuple[str, ...], int] | None, at: tuple[str, ...], key: Any
) -> str:
    problems = []
    for item in error.errors():
        # The first element of the location is the union's tag (the kind).
        loc = [str(part) for part in item["loc"][1:]]
        loc = ["return" if part == "return_" else part for part in loc]
        message = plain_message(item["msg"])
        if item["type"] == "extra_forbidden":
            message = "is not a field of this kind; see docs/metrics.md for the fields each kind takes"
        elif item["type"] == "missing":
            message = "is required for this kind"
        elif item["type"] == "string_pattern_mismatch" and loc[-1:] in (["key"], ["numerator"], ["denominator"]):
            message = f"'{item['input']}' is not a metric key: 2 to 100 lowercase letters, digits and _, first a letter"
        field = ".".join(part for part in loc if not part.startswith("function-")) or "spec"
        where = _where(name, lines, (*at, *[p for p in loc if not p.startswith("function-")]))
        problems.append(f"{where}: {field} {message}" if field != "spec" else f"{where}: {message}")
    label = f" (metric {key})" if isinstance(key, str) and key not in name else ""
    return "; ".join(problems) + label


def window_delta(text: str) -> timedelta:
    return timedelta(seconds=seconds(text, field="window"))
