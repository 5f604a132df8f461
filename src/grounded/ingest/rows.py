"""A mapping compiled against a file's columns: fast functions from a record's values to
the fields of what it becomes (evidence, a request, an account)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from grounded.errors import ImportRejected
from grounded.evidence.schemas import MAX_TEXT
from grounded.evidence.service import content_hash
from grounded.ingest import fields as convert
from grounded.ingest.fields import RowProblem
from grounded.ingest.mapping import DateSource, Mapping, Source
from grounded.ingest.privacy import Redactor
from grounded.models.enums import DEFAULT_MODE, EvidenceKind

Values = dict[str, Any]
Getter = Callable[[Values], Any]
MAX_TITLE = 500
MAX_ID = 200


@dataclass(slots=True)
class Prepared:
    """What one accepted row becomes. ``external_id`` is unique within the run."""

    external_id: str
    title: str
    text: str
    occurred_at: datetime
    kind: str
    mode: str
    account: str | None
    account_name: str | None
    person: str | None
    person_name: str | None
    person_email: str | None
    group: str | None
    attributes: dict[str, Any]
    row_hash: str
    content_hash: str
    quotes: list[str] = field(default_factory=list)
    request: dict[str, Any] | None = None


class Columns:
    """Resolves the mapping's column names against the file's, forgivingly (case and
    spacing), and collects what is missing so it can be reported in one message."""

    def __init__(self, available: Sequence[str], *, optional: set[str]) -> None:
        self.available = list(available)
        self._loose = {_loose(name): name for name in available}
        self.optional = optional
        self.missing: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.absent_attributes: list[str] = []

    def find(self, column: str, field_name: str) -> str | None:
        if column in self.available:
            return column
        found = self._loose.get(_loose(column))
        if found is None:
            if field_name.startswith("attributes."):
                self.absent_attributes.append(column)
            elif field_name in self.optional:
                self.notes.append(f"column '{column}' is not in the file; {field_name} is left empty")
            else:
                self.missing.append((field_name, column))
        return found

    def check(self, name: str) -> None:
        if self.absent_attributes:
            self.notes.append(f"attribute columns not in this file, left out: {', '.join(self.absent_attributes)}")
        if self.missing:
            wanted = ", ".join(f"'{column}' (for {name_})" for name_, column in self.missing)
            raise ImportRejected(
                f"{name} has no column {wanted}. Its columns are: {', '.join(self.available) or '(none)'}. "
                "Point the mapping at the right columns (grounded import --detect FILE proposes one)"
            )


def _loose(name: str) -> str:
    return "".join(name.lower().split()).replace("_", "")


def getter(source: Source | None, columns: Columns, field_name: str) -> Getter:
    """How to read one field from a record's values."""
    if source is None:
        return lambda values: None
    if isinstance(source, str):
        column = columns.find(source, field_name)
        return (lambda values: values.get(column)) if column else (lambda values: None)
    if isinstance(source, list):
        found = [c for c in (columns.find(c, field_name) for c in source) if c]
        return lambda values: "\n\n".join(_joinable(values.get(c)) for c in found if _joinable(values.get(c)))
    if "value" in source:
        constant = source["value"]
        return lambda values: constant
    if "template" in source:
        template = str(source["template"])
        return lambda values: template.format_map(_Blank(values))
    if "column" in source:
        return getter(str(source["column"]), columns, field_name)
    raise ImportRejected(f"{field_name}: use a column name, a list of columns, {{value: …}} or {{template: …}}")


def _joinable(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def date_parser(source: str | DateSource | None, columns: Columns, field_name: str) -> Callable[[Values], datetime]:
    spec = DateSource(column=source) if isinstance(source, str) else source
    if spec is None:
        raise ImportRejected(f"{field_name} needs a date column")
    read = getter(spec.column, columns, field_name)
    parse = convert.DateParser(field_name, format_=spec.format, timezone=spec.timezone)
    return lambda values: parse(read(values))


class EvidenceConverter:
    """Values → ``Prepared`` evidence (or ``RowProblem``)."""

    def __init__(self, mapping: Mapping, available: Sequence[str], *, name: str, redactor: Redactor | None) -> None:
        fields_ = mapping.typed_fields()
        self.columns = Columns(available, optional=set(mapping.optional))
        c = self.columns
        self.mapping, self.redactor = mapping, redactor
        self.external_id = getter(fields_.external_id, c, "external_id")
        self.title = getter(fields_.title, c, "title")
        self.text = getter(fields_.text, c, "text")
        self.occurred_at = date_parser(fields_.occurred_at, c, "occurred_at")
        self.refs = {
            name_: getter(getattr(fields_, name_), c, name_)
            for name_ in ("account", "account_name", "person", "person_name", "person_email", "stakeholder_group")
        }
        self.kind_of = getter(fields_.kind, c, "kind")
        self.quotes_column = c.find(fields_.quotes, "quotes") if fields_.quotes else None
        self.attributes = {
            key: getter(column, c, f"attributes.{key}") for key, column in mapping.attribute_columns().items()
        }
        self.request = _RequestReader(fields_, c) if mapping.target == "requests" else None
        c.check(name)

    def __call__(self, values: Values) -> Prepared:
        title = convert.text("title", self.title(values), limit=MAX_TITLE)
        text = convert.text("text", self.text(values), limit=MAX_TEXT) or title
        if not text:
            raise RowProblem("text", "is empty, and so is the title: there is nothing to keep")
        if self.redactor is not None:
            title, text = self.redactor(title), self.redactor(text)
        occurred = self.occurred_at(values)
        kind = self._kind(values)
        refs = {name: _ref(name, read(values)) for name, read in self.refs.items()}
        attributes = {key: convert.attribute(read(values)) for key, read in self.attributes.items()}
        attributes = {key: value for key, value in attributes.items() if value not in (None, "")}
        quotes = self._quotes(values)
        request = self.request(values) if self.request else None
        external = _ref("external_id", self.external_id(values))
        if external is not None and len(external) > MAX_ID:
            raise RowProblem("external_id", f"is {len(external)} characters; the limit is {MAX_ID}")
        canonical = _canonical(title, text, occurred, kind, refs, attributes, quotes, request)
        digest = hashlib.blake2b(canonical.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return Prepared(
            external_id=external
            or "h:"
            + hashlib.blake2b(f"{title}\x1f{text}\x1f{occurred.isoformat()}".encode(), digest_size=16).hexdigest(),
            title=title,
            text=text,
            occurred_at=occurred,
            kind=kind,
            mode=(self.mapping.mode or DEFAULT_MODE[EvidenceKind(kind)]).value,
            account=refs["account"] or refs["account_name"],
            account_name=refs["account_name"],
            person=refs["person"] or refs["person_email"],
            person_name=refs["person_name"],
            person_email=refs["person_email"],
            group=_slug(refs["stakeholder_group"]),
            attributes=attributes,
            row_hash=digest,
            content_hash=content_hash(title, text),
            quotes=quotes,
            request=request,
        )

    def _kind(self, values: Values) -> str:
        raw = self.kind_of(values)
        if raw in (None, "") and self.mapping.kind is not None:
            return self.mapping.kind.value
        lookup = {str(k).lower(): v for k, v in self.mapping.kind_values.items()}
        found = lookup.get(str(raw).strip().lower())
        if found is None:
            try:
                found = EvidenceKind(str(raw).strip().lower())
            except ValueError:
                if self.mapping.kind is not None:
                    return self.mapping.kind.value
                raise RowProblem("kind", f"{raw!r} is not a kind of evidence this mapping knows") from None
        return found.value

    def _quotes(self, values: Values) -> list[str]:
        if self.quotes_column is None:
            return []
        found = values.get(self.quotes_column) or []
        if not isinstance(found, list):
            raise RowProblem("quotes", "expected a list of quotes")
        quotes = [convert.text("quotes", q, limit=MAX_TEXT) for q in found]
        return [self.redactor(q) for q in quotes] if self.redactor else quotes


class _RequestReader:
    """The request fields of a request sheet row."""

    def __init__(self, fields_: Any, columns: Columns) -> None:
        self.requester = getter(fields_.requester, columns, "requester")
        self.deal_value = getter(fields_.deal_value, columns, "deal_value")
        self.deadline = date_parser(fields_.deadline, columns, "deadline") if fields_.deadline else None
        self.deadline_kind = getter(fields_.deadline_kind, columns, "deadline_kind")

    def __call__(self, values: Values) -> dict[str, Any]:
        deadline: date | None = None
        if self.deadline is not None:
            try:
                deadline = self.deadline(values).date()
            except RowProblem as problem:
                if "is empty" not in str(problem):
                    raise
        kind = str(self.deadline_kind(values) or "").strip().lower()
        if kind and kind not in ("hard", "soft"):
            raise RowProblem("deadline_kind", f"{kind!r} is not hard or soft")
        return {
            "requester": _ref("requester", self.requester(values)),
            "deal_value": convert.whole_number("deal_value", self.deal_value(values)),
            "deadline": deadline,
            "deadline_kind": (kind or "soft") if deadline else None,
        }


def _ref(field_name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowProblem(field_name, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > 320:
        raise RowProblem(field_name, f"is {len(text)} characters; the limit is 320")
    return text or None


def _slug(value: str | None) -> str | None:
    return "-".join(value.lower().split()) if value else None


def _canonical(*parts: Any) -> str:
    return json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
