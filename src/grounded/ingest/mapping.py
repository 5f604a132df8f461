"""Mappings: which column of an export feeds which field, for each kind of target.

A mapping is YAML (see docs/importing.md). Column references are header names, or ``#3``
for the third column of a file without a header. A field can also be a constant:
``{value: sales}``. Presets are mappings shipped with grounded for common exports.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from grounded.core.validation import Schema, plain_message
from grounded.errors import InvalidInput
from grounded.ingest import yamlfile
from grounded.models.enums import EvidenceKind, EvidenceMode

Target = Literal["evidence", "requests", "accounts", "events"]
#: A column name, several columns (joined), or a constant.
Source = str | list[str] | dict[str, Any]


class DateSource(Schema):
    column: str
    format: str = Field(default="auto", description="auto, iso, epoch, epoch_ms or a strptime pattern")
    timezone: str = Field(default="UTC", description="zone of times written without an offset")

    @field_validator("format")
    @classmethod
    def _readable_format(cls, value: str) -> str:
        """A pattern that could never read a date is refused here, not row by row."""
        if value in NAMED_FORMATS:
            return value
        if "%" not in value:
            raise ValueError(
                f"{value!r} is not {', '.join(NAMED_FORMATS)} or a strptime pattern (such as %d/%m/%Y %H:%M)"
            )
        sample = datetime(2026, 11, 2, 9, 15, 30, tzinfo=UTC)
        try:
            datetime.strptime(sample.strftime(value), value)  # noqa: DTZ007  (a check of the pattern)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a strptime pattern Python can read ({error})") from None
        return value


#: The date formats known by name; anything else is a strptime pattern.
NAMED_FORMATS = ("auto", "iso", "epoch", "epoch_ms")


class EvidenceFields(Schema):
    external_id: Source | None = None
    title: Source | None = None
    text: Source
    occurred_at: str | DateSource
    account: Source | None = None
    account_name: Source | None = None
    person: Source | None = None
    person_name: Source | None = None
    person_email: Source | None = None
    stakeholder_group: Source | None = None
    kind: Source | None = None
    # Markdown notes: the column holding the list of quotes to split out.
    quotes: str | None = None


class RequestFields(EvidenceFields):
    requester: Source | None = None
    deal_value: Source | None = None
    deadline: str | DateSource | None = None
    deadline_kind: Source | None = None


class AccountFields(Schema):
    external_id: Source
    name: Source
    segment: Source | None = None
    plan: Source | None = None
    arr: Source | None = None
    region: Source | None = None


class EventFields(Schema):
    user: Source
    event: Source
    timestamp: str | DateSource
    account: Source | None = None
    event_id: Source | None = None
    properties: Source | None = None


FIELDS: dict[str, type[Schema]] = {
    "evidence": EvidenceFields,
    "requests": RequestFields,
    "accounts": AccountFields,
    "events": EventFields,
}


class Mapping(Schema):
    target: Target = "evidence"
    source: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", max_length=100)
    description: str = ""
    kind: EvidenceKind | None = None
    kind_values: dict[str, EvidenceKind] = Field(default_factory=dict)
    mode: EvidenceMode | None = None
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    header: bool = True
    fields: dict[str, Any]
    attributes: list[str] | dict[str, str] = Field(default_factory=list)
    headers: list[str] = Field(default_factory=list, description="columns that identify this export (for --detect)")
    optional: list[str] = Field(default_factory=list, description="fields whose columns some exports leave out")

    @field_validator("fields")
    @classmethod
    def _fields_for_target(cls, value: dict[str, Any], info: Any) -> dict[str, Any]:
        target = info.data.get("target", "evidence")
        FIELDS[target].model_validate(value)
        return value

    @model_validator(mode="after")
    def _evidence_has_a_kind(self) -> Mapping:
        if self.target in ("evidence", "requests") and self.kind is None and "kind" not in self.fields:
            raise ValueError("say what kind of evidence this is: kind: ticket (or fields.kind with kind_values)")
        return self

    def typed_fields(self) -> Any:
        return FIELDS[self.target].model_validate(self.fields)

    def attribute_columns(self) -> dict[str, str]:
        """attribute name → column."""
        if isinstance(self.attributes, dict):
            return dict(self.attributes)
        return {_attribute_name(column): column for column in self.attributes}

    def columns(self) -> set[str]:
        """Every column the mapping reads."""
        used: set[str] = set(self.attribute_columns().values())
        for value in self.fields.values():
            used |= _columns_of(value)
        return used


def _attribute_name(column: str) -> str:
    return "_".join(column.lower().replace("(", " ").replace(")", " ").split())


def _columns_of(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    if isinstance(value, dict) and "column" in value:
        return {str(value["column"])}
    return set()


def parse(text: str, *, name: str) -> Mapping:
    """A mapping from YAML text; errors name the file, the YAML line and the field."""
    data, lines = yamlfile.load(text, name=name)
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: a mapping is a YAML object with target, source, fields…")
    try:
        return Mapping.model_validate(data)
    except ValidationError as error:
        # The deepest error: where a field takes one of several shapes, the one the value
        # took (a date given as {column, format} is wrong in its format, not "not a string").
        first = max(error.errors(), key=lambda found: len(found["loc"]))
        location = tuple(str(part) for part in first["loc"] if not _UNION_TAG.match(str(part)))
        line = yamlfile.line_of(lines, location)
        where = f" line {line}" if line else ""
        field = ".".join(location) or "mapping"
        raise InvalidInput(f"{name}{where}: {field}: {plain_message(first['msg'])}") from error


#: How pydantic names the shapes of a union in an error's location (not YAML keys).
_UNION_TAG = re.compile(r"^(constrained-)?(str|int|float|bool|list\[.*\]|dict\[.*\])$|^[A-Z][A-Za-z]+$")


def load_file(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}", field="mapping") from error
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path} is not UTF-8 text", field="mapping") from error
    return parse(text, name=path.name)


PRESETS = resources.files("grounded.ingest") / "presets"


def preset_names() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in PRESETS.iterdir() if p.name.endswith(".yaml"))


def preset(name: str) -> Mapping:
    names = preset_names()
    if name not in names:
        raise InvalidInput(f"no preset '{name}'; choose from {', '.join(names)}", field="preset")
    return parse((PRESETS / f"{name}.yaml").read_text(encoding="utf-8"), name=f"preset {name}")


def preset_text(name: str) -> str:
    preset(name)
    return (PRESETS / f"{name}.yaml").read_text(encoding="utf-8")
