"""A mapping compiled against a file's columns: fast functions from a record's values to
the fields of what it becomes (evidence, a request, an account)."""

from __future__ import annotations

import hashlib
import json
import operator
import string
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii as _json_text
from typing import Any, NamedTuple

from grounded.errors import ImportRejected
from grounded.evidence.schemas import MAX_TEXT
from grounded.evidence.service import content_hash
from grounded.ingest import fields as convert
from grounded.ingest.fields import RowProblem
from grounded.ingest.mapping import DateSource, Mapping, Source
from grounded.ingest.privacy import Redactor
from grounded.ingest.protocols import Identities
from grounded.models.enums import DEFAULT_MODE, EvidenceKind

Values = dict[str, Any]
Getter = Callable[[Values], Any]
MAX_TITLE = 500
MAX_ID = 200


class Prepared(NamedTuple):
    """What one accepted row becomes. ``external_id`` is unique within the run. Plain
    values only (text, numbers, JSON-like dicts): batches of these cross from the reading
    process to the writing one by ``marshal``, the fastest way Python has."""

    external_id: str
    title: str
    text: str
    #: When, in UTC, as the database stores it (``2026-11-02 09:15:00.000000``).
    occurred_at: str
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
    quotes: tuple[str, ...] = ()
    request: dict[str, Any] | None = None
    #: ``attributes`` as JSON, made where the row is read (the writing side is the busier).
    attributes_json: str = "{}"


class Columns:
    """Resolves the mapping's column names against the file's, forgivingly (case and
    spacing), collects what is missing so it can be reported in one message, and records
    which columns each field reads (a row's fingerprint covers exactly those)."""

    def __init__(self, available: Sequence[str], *, optional: set[str]) -> None:
        self.available = list(available)
        self._loose = {_loose(name): name for name in available}
        self.optional = optional
        self.missing: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.absent_attributes: list[str] = []
        self.used: dict[str, list[str]] = {}

    def find(self, column: str, field_name: str) -> str | None:
        found = column if column in self.available else self._loose.get(_loose(column))
        if found is None:
            if field_name.startswith("attributes."):
                self.absent_attributes.append(column)
            elif field_name in self.optional:
                self.notes.append(f"column '{column}' is not in the file; {field_name} is left empty")
            else:
                self.missing.append((field_name, column))
            return None
        self.used.setdefault(field_name, []).append(found)
        return found

    def read_by(self, *field_names: str) -> list[str]:
        """The columns these fields read, each once, in file order."""
        wanted = {column for name in field_names for column in self.used.get(name, ())}
        return [column for column in self.available if column in wanted]

    def all_used(self) -> list[str]:
        return self.read_by(*self.used)

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


def _filled(template: str, values: Values, field_name: str) -> str:
    try:
        return template.format_map(_Blank(values))
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as error:  # a format the value does not fit
        raise RowProblem(field_name, f"the template {template!r} could not be filled ({error})") from None


def _none(values: Values) -> None:
    return None


def getter(source: Source | None, columns: Columns, field_name: str) -> Getter:
    """How to read one field from a record's values."""
    if source is None:
        return _none
    if isinstance(source, str):
        column = columns.find(source, field_name)
        return (lambda values: values.get(column)) if column else _none
    if isinstance(source, list):
        found = [c for c in (columns.find(c, field_name) for c in source) if c]
        return lambda values: "\n\n".join(_joinable(values.get(c)) for c in found if _joinable(values.get(c)))
    if "value" in source:
        constant = source["value"]
        return lambda values: constant
    if "template" in source:
        template = str(source["template"])
        try:
            parts = list(string.Formatter().parse(template))
        except ValueError as error:
            raise ImportRejected(
                f"{field_name}: the template {template!r} is not valid ({error}); write {{{{ or }}}} for a brace itself"
            ) from None
        for _, name, _, _ in parts:
            if name:
                columns.find(name, f"{field_name} (template)")
        return lambda values: _filled(template, values, field_name)
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


#: Bumped when what a row becomes changes for the same input, so the next import of an
#: unchanged file rewrites its rows instead of calling them unchanged.
CONVERSION_VERSION = 1


class Fingerprint:
    """A row's fingerprint: a keyed hash of the raw values of the columns the mapping reads.

    The key covers the mapping and the options that change what a row becomes (redaction,
    hashed people), so the same file imported with another mapping counts its rows as
    changed. Hashing raw values, not converted ones, lets an unchanged row be recognised
    without converting it: that is what makes re-importing an export cheap.
    """

    def __init__(self, columns: Sequence[str], *, settings: dict[str, Any]) -> None:
        self.columns = list(columns)
        key = hashlib.blake2b(
            json.dumps({**settings, "version": CONVERSION_VERSION}, sort_keys=True, default=str).encode(),
            digest_size=32,
        ).digest()
        self.keyed = hashlib.blake2b(digest_size=16, key=key)  # copied per row: cheaper than keying
        self._get = operator.itemgetter(*self.columns) if len(self.columns) > 1 else None

    def __call__(self, values: Values) -> str:
        parts: Sequence[Any]
        try:
            parts = self._get(values) if self._get is not None else [values[c] for c in self.columns]
        except KeyError:  # a JSON object without some of the keys
            parts = [values.get(column) for column in self.columns]
        try:
            joined = "\x1f".join(parts)
        except TypeError:  # not all text (JSON, Parquet): write each value the same way every time
            joined = "\x1f".join(_raw_text(value) for value in parts)
        digest = self.keyed.copy()
        digest.update(joined.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def of_positions(self, positions: list[int]) -> Callable[[list[str]], str]:
        """The same fingerprint, of a row given as a list of fields."""
        return _positional(self, positions)


def _positional(fingerprint: Fingerprint, positions: list[int]) -> Callable[[list[str]], str]:
    get = operator.itemgetter(*positions) if len(positions) > 1 else None
    keyed = fingerprint.keyed
    if get is None:
        only = positions[0] if positions else None

        def one(row: list[str]) -> str:
            digest = keyed.copy()
            digest.update(("" if only is None else row[only]).encode("utf-8", "surrogatepass"))
            return digest.hexdigest()

        return one

    def many(row: list[str]) -> str:
        digest = keyed.copy()
        digest.update("\x1f".join(get(row)).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    return many


def _raw_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def settings(mapping: Mapping, **options: Any) -> dict[str, Any]:
    """What a row's fingerprint depends on besides its values."""
    return {"mapping": mapping.model_dump(mode="json"), **options}


class EvidenceConverter:
    """Values → ``Prepared`` evidence (or ``RowProblem``), in two steps: ``identify`` (the
    external id and fingerprint, cheap) and ``__call__`` (everything, only for rows that
    are new or changed)."""

    def __init__(
        self,
        mapping: Mapping,
        available: Sequence[str],
        *,
        name: str,
        redactor: Redactor | None,
        fingerprint: dict[str, Any] | None = None,
    ) -> None:
        fields_ = mapping.typed_fields()
        self.columns = Columns(available, optional=set(mapping.optional))
        c = self.columns
        self.mapping, self.redactor = mapping, redactor
        self.external_id = getter(fields_.external_id, c, "external_id")
        self.title = getter(fields_.title, c, "title")
        self.text = getter(fields_.text, c, "text")
        self.occurred_at = date_parser(fields_.occurred_at, c, "occurred_at")
        self.refs = [
            (name_, getter(getattr(fields_, name_), c, name_))
            for name_ in REF_FIELDS
            if getattr(fields_, name_) is not None
        ]
        self.kind_of = getter(fields_.kind, c, "kind") if fields_.kind is not None else None
        self.kind_lookup = {str(k).lower(): v for k, v in mapping.kind_values.items()}
        self.default_kind = mapping.kind.value if mapping.kind is not None else None
        self.quotes_column = c.find(fields_.quotes, "quotes") if fields_.quotes else None
        self.attributes = [
            (key, getter(column, c, f"attributes.{key}")) for key, column in mapping.attribute_columns().items()
        ]
        self.request = _RequestReader(fields_, c) if mapping.target == "requests" else None
        self.modes: dict[str, str] = {}
        c.check(name)
        self.fingerprint = Fingerprint(
            c.all_used(), settings=fingerprint if fingerprint is not None else settings(mapping)
        )
        self.content_key = Fingerprint(c.read_by("title", "text", "occurred_at"), settings={})
        # Rows that come as lists of fields (CSV) are identified by position, when the id is
        # one column (it nearly always is).
        id_column = c.used.get("external_id", [])
        self.id_position = available.index(id_column[0]) if len(id_column) == 1 else None
        self.row_fingerprint = self.fingerprint.of_positions([available.index(c) for c in self.fingerprint.columns])
        self.row_content_key = self.content_key.of_positions([available.index(c) for c in self.content_key.columns])

    def identify(self, values: Values) -> tuple[str, str]:
        """(external id, fingerprint). Rows without an id are known by their content."""
        raw = self.external_id(values)
        if isinstance(raw, str) and len(raw) > MAX_ID and len(raw.strip()) > MAX_ID:
            raise RowProblem("external_id", f"is {len(raw.strip())} characters; the limit is {MAX_ID}")
        external = _ref("external_id", raw)
        if external is None:
            external = "h:" + self.content_key(values)
        elif len(external) > MAX_ID:
            raise RowProblem("external_id", f"is {len(external)} characters; the limit is {MAX_ID}")
        return external, self.fingerprint(values)

    def identify_positional(self, rows: list[list[str]]) -> Identities | None:
        """``identify`` for rows of fields in column order (None when the id is not simply
        one column): the same results, a good deal faster."""
        if self.id_position is None:
            return None
        hashes: list[str | None] = list(map(self.row_fingerprint, rows))
        ids: list[str | None] = [value.strip() for value in map(operator.itemgetter(self.id_position), rows)]
        identities = Identities(ids, hashes)
        if all(ids) and max(map(len, ids), default=0) <= MAX_ID:  # type: ignore[arg-type]
            return identities
        for index, (external, row) in enumerate(zip(ids, rows, strict=True)):
            if not external:
                ids[index] = "h:" + self.row_content_key(row)
            elif len(external) > MAX_ID:
                identities.problems[index] = RowProblem(
                    "external_id", f"is {len(external)} characters; the limit is {MAX_ID}"
                )
                ids[index] = hashes[index] = None
        return identities

    def __call__(self, values: Values, external_id: str | None = None, row_hash: str | None = None) -> Prepared:
        if external_id is None or row_hash is None:
            external_id, row_hash = self.identify(values)
        title = convert.text("title", self.title(values), limit=MAX_TITLE)
        text = convert.text("text", self.text(values), limit=MAX_TEXT) or title
        if not text:
            raise RowProblem("text", "is empty, and so is the title: there is nothing to keep")
        if self.redactor is not None:
            title, text = self.redactor(title), self.redactor(text)
        occurred = self.occurred_at(values)
        kind = self._kind(values)
        refs = dict.fromkeys(REF_FIELDS)
        for name, read in self.refs:
            refs[name] = _ref(name, read(values))
        attributes = {}
        for key, read in self.attributes:
            value = read(values)
            if value is not None and value != "":
                value = convert.attribute(value, f"attributes.{key}")
                if value is not None and value != "":
                    attributes[key] = value
        return Prepared(
            external_id=external_id,
            title=title,
            text=text,
            occurred_at=utc_text(occurred),
            kind=kind,
            mode=self._mode(kind),
            account=refs["account"] or refs["account_name"],
            account_name=refs["account_name"],
            person=refs["person"] or refs["person_email"],
            person_name=refs["person_name"],
            person_email=refs["person_email"],
            group=_slug(refs["stakeholder_group"]),
            attributes=attributes,
            row_hash=row_hash,
            content_hash=content_hash(title, text),
            quotes=self._quotes(values),
            request=self.request(values) if self.request else None,
            attributes_json=attributes_json(attributes),
        )

    def _mode(self, kind: str) -> str:
        mode = self.modes.get(kind)
        if mode is None:
            mode = self.modes[kind] = (self.mapping.mode or DEFAULT_MODE[EvidenceKind(kind)]).value
        return mode

    def _kind(self, values: Values) -> str:
        if self.kind_of is None:
            assert self.default_kind is not None  # the mapping's validator insists on one or the other
            return self.default_kind
        raw = self.kind_of(values)
        if raw in (None, "") and self.default_kind is not None:
            return self.default_kind
        found = self.kind_lookup.get(str(raw).strip().lower())
        if found is None:
            try:
                found = EvidenceKind(str(raw).strip().lower())
            except ValueError:
                if self.default_kind is not None:
                    return self.default_kind
                raise RowProblem("kind", f"{raw!r} is not a kind of evidence this mapping knows") from None
        return found.value

    def _quotes(self, values: Values) -> tuple[str, ...]:
        if self.quotes_column is None:
            return ()
        found = values.get(self.quotes_column) or []
        if not isinstance(found, list):
            raise RowProblem("quotes", "expected a list of quotes")
        quotes = [convert.text("quotes", q, limit=MAX_TEXT) for q in found]
        return tuple(self.redactor(q) for q in quotes) if self.redactor else tuple(quotes)


REF_FIELDS = ("account", "account_name", "person", "person_name", "person_email", "stakeholder_group")


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
            "deadline": deadline.isoformat() if deadline else None,
            "deadline_kind": (kind or "soft") if deadline else None,
        }


def _ref(field_name: str, value: Any) -> str | None:
    if type(value) is str and len(value) <= 320 and "\x00" not in value:  # the common case, quickly
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowProblem(field_name, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > 320:
        raise RowProblem(field_name, f"is {len(text)} characters; the limit is 320")
    if "\x00" in text:
        raise RowProblem(field_name, convert.NUL_PROBLEM)
    return text or None


def utc_text(value: datetime) -> str:
    """A UTC time as the database stores it (SQLAlchemy's SQLite form): ``2026-11-02 09:15:00.000000``."""
    if value.tzinfo is UTC:  # as the date parsers return them: no new datetime needed
        return value.isoformat(" ", "microseconds")[:-6]
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def attributes_json(attributes: dict[str, Any]) -> str:
    """``json.dumps(attributes)``; text values (an export's, nearly always) written directly."""
    if not attributes:
        return "{}"
    if all(type(value) is str for value in attributes.values()):
        return "{" + ", ".join(f"{_json_text(key)}: {_json_text(value)}" for key, value in attributes.items()) + "}"
    return json.dumps(attributes)


def _slug(value: str | None) -> str | None:
    return "-".join(value.lower().split()) if value else None
