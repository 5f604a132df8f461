"""``grounded import --detect FILE``: propose a mapping from the file's columns and a sample.

A file whose columns match a preset's identifying columns gets that preset. Otherwise the
columns are matched against the names tools commonly use for each field, and the date
column's format is pinned from the sample so day-first and month-first dates cannot be
mixed up later. The proposal is YAML to save and edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from grounded.ingest import mapping as mappings
from grounded.ingest.fields import AUTO_PATTERNS, DateParser, RowProblem
from grounded.ingest.readers import open_reader

SAMPLE = 200
#: Field → column names that usually carry it, most specific first.
SYNONYMS = {
    "external_id": (
        "id",
        "ticket id",
        "issue key",
        "key",
        "conversation id",
        "response id",
        "note id",
        "request id",
        "uuid",
        "number",
        "ref",
        "reference",
    ),
    "title": ("subject", "title", "summary", "topic"),
    "text": (
        "description",
        "body",
        "conversation body",
        "text",
        "content",
        "comment",
        "comments",
        "message",
        "details",
        "feedback",
        "note",
    ),
    "occurred_at": (
        "created at",
        "created",
        "created_at",
        "date",
        "submitted at",
        "timestamp",
        "time",
        "opened",
        "when",
        "date created",
    ),
    "account": ("organization", "organisation", "company", "company name", "account", "account id", "customer"),
    "person": ("requester email", "user email", "author email", "customer email", "email", "reporter"),
    "person_name": ("requester", "user name", "author name", "customer name", "author", "name"),
}
EVENT_COLUMNS = {
    "user": ("user_id", "user", "distinct_id"),
    "event": ("event", "event_name", "name"),
    "timestamp": ("timestamp", "time", "occurred_at", "created_at"),
}


@dataclass
class Proposal:
    text: str
    preset: str | None
    columns: list[str]
    matched: dict[str, str] = field(default_factory=dict)


def propose(path: Path, *, format_: str | None = None, encoding: str | None = None) -> Proposal:
    reader = open_reader(path, format_=format_, encoding=encoding)
    sample = [r.values for r in islice(reader.records(), SAMPLE) if r.values]
    best, score = _best_preset(reader.columns)
    if best is not None and score >= 0.6:
        header = f"# {path.name} looks like a '{best}' export ({score:.0%} of its identifying columns)\n"
        return Proposal(header + mappings.preset_text(best), best, reader.columns)
    return _generic(path, reader.columns, sample)


def _best_preset(columns: list[str]) -> tuple[str | None, float]:
    present = {_loose(c) for c in columns}
    best, best_score = None, 0.0
    for name in mappings.preset_names():
        wanted = [_loose(c) for c in mappings.preset(name).headers]
        score = sum(c in present for c in wanted) / len(wanted) if wanted else 0.0
        if score > best_score:
            best, best_score = name, score
    return best, best_score


def _loose(name: str) -> str:
    return "".join(name.lower().split()).replace("_", "")


def _find(columns: list[str], candidates: tuple[str, ...], taken: set[str]) -> str | None:
    loose = {_loose(c): c for c in columns if c not in taken}
    for candidate in candidates:
        if _loose(candidate) in loose:
            return loose[_loose(candidate)]
    return None


def _generic(path: Path, columns: list[str], sample: list[dict[str, Any]]) -> Proposal:
    event_fields = {f: _find(columns, names, set()) for f, names in EVENT_COLUMNS.items()}
    if all(event_fields.values()) and not _find(columns, SYNONYMS["text"], set()):
        return _events(path, columns, event_fields)
    taken: set[str] = set()
    matched: dict[str, str] = {}
    for field_name, names in SYNONYMS.items():
        column = _find(columns, names, taken)
        if column:
            matched[field_name] = column
            taken.add(column)
    fields_: dict[str, Any] = {k: v for k, v in matched.items() if k != "occurred_at"}
    if "occurred_at" in matched:
        fields_["occurred_at"] = {
            "column": matched["occurred_at"],
            "format": _date_format(matched["occurred_at"], sample),
            "timezone": "UTC",
        }
    attributes = [c for c in columns if c not in taken and _categorical(c, sample)]
    document = {
        "target": "evidence",
        "source": _slug(path),
        "kind": "ticket",
        "fields": fields_,
        "attributes": attributes,
    }
    missing = [f for f in ("text", "occurred_at") if f not in matched]
    notes = "".join(
        f"# needed before importing: no column looks like {f}; name the one that holds it under fields.{f}\n"
        for f in missing
    )
    text = (
        f"# proposed mapping for {path.name}: check kind, then save and run\n"
        f"#   grounded import --mapping this.yaml {path.name}\n{notes}"
    ) + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return Proposal(text, None, columns, matched)


def _events(path: Path, columns: list[str], found: dict[str, str | None]) -> Proposal:
    taken = {c for c in found.values() if c}
    extra = {
        "account": _find(columns, ("account_id", "account", "company_id", "group_id"), taken),
        "event_id": _find(columns, ("event_id", "id", "uuid", "insert_id"), taken),
        "properties": _find(columns, ("properties", "props", "event_properties"), taken),
    }
    fields_ = {**{k: v for k, v in found.items() if v}, **{k: v for k, v in extra.items() if v}}
    document = {"target": "events", "source": _slug(path), "fields": fields_}
    return Proposal(
        f"# proposed mapping for {path.name}: usage events into the event store\n"
        + yaml.safe_dump(document, sort_keys=False),
        None,
        columns,
        {k: str(v) for k, v in fields_.items()},
    )


def _date_format(column: str, sample: list[dict[str, Any]]) -> str:
    """``auto`` when every sampled value is ISO 8601, else the first pattern that reads them all."""
    values = [str(row.get(column)).strip() for row in sample if row.get(column) not in (None, "")]
    parser = DateParser(column)
    try:
        for value in values:
            parser(value)
    except RowProblem:
        return "auto"
    if len(parser.candidates) == len(AUTO_PATTERNS):
        return "auto"  # all ISO 8601 (or epoch numbers)
    return parser.candidates[0]


def _categorical(column: str, sample: list[dict[str, Any]]) -> bool:
    """Worth keeping as an attribute: a handful of short values (status, priority, tags)."""
    values = [row.get(column) for row in sample if row.get(column) not in (None, "")]
    if not values:
        return False
    distinct = {str(v) for v in values}
    return len(distinct) <= max(12, len(values) // 4) and max(len(str(v)) for v in values) <= 60


def _slug(path: Path) -> str:
    stem = path.name.split(".")[0]
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem).strip("-_")
    return cleaned.lower() or "import"
