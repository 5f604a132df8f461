"""Usage events from Parquet, column by column.

An event export is millions of rows of a few short columns: converting them one Python
object at a time costs more than everything else an import does. When the export is
Parquet and the mapping names plain columns, the events are converted with Arrow compute,
batch by batch: text trimmed and measured, times cast to UTC microseconds, keys hashed,
duplicates and known events found with NumPy. Only the rows that fail a check are looked
at one by one (to be quarantined with their values and the reason). The result is the
same as the row-by-row path: the same keys, the same checks, the same counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from grounded.ingest.events import event_key, identity, micros_of, properties_text, stored_in
from grounded.ingest.fields import DateParser, RowProblem
from grounded.ingest.mapping import DateSource, EventFields
from grounded.ingest.protocols import Batch, Context, Failed
from grounded.ingest.readers.parquetfile import row_json
from grounded.ingest.rows import Columns

#: Rows per batch (and per Parquet part in the store): the work is per column, so big.
BATCH_ROWS = 262_144
_LIMITS = {"user": 320, "event": 200, "account": 200, "event_id": 200}
_FIELDS = ("user", "event", "account", "event_id", "properties")


@dataclass
class Converted:
    table: Any  # pyarrow.Table in the event store's columns, the rows that passed
    numbers: np.ndarray
    keys: np.ndarray
    failed: list[Failed]


class EventColumns:
    """The mapping's event fields, read column-wise from Arrow record batches."""

    def __init__(self, context: Context, available: list[str]) -> None:
        spec: EventFields = context.mapping.typed_fields()
        columns = Columns(available, optional=set(context.mapping.optional))
        self.columns: dict[str, str | None] = {}
        for name in _FIELDS:
            source = getattr(spec, name)
            self.columns[name] = columns.find(source, name) if isinstance(source, str) else None
        stamp = DateSource(column=spec.timestamp) if isinstance(spec.timestamp, str) else spec.timestamp
        self.time_column = columns.find(stamp.column, "timestamp")
        self.parse = DateParser("timestamp", format_=stamp.format, timezone=stamp.timezone)
        self.format = stamp.format
        columns.check(context.path.name)

    @staticmethod
    def supports(context: Context) -> bool:
        """Plain columns only (a constant or template goes the row-by-row way)."""
        spec: EventFields = context.mapping.typed_fields()
        plain = [getattr(spec, name) for name in _FIELDS]
        stamp = spec.timestamp
        return all(value is None or isinstance(value, str) for value in plain) and (
            isinstance(stamp, str) or stamp.format in ("auto", "iso", "epoch", "epoch_ms")
        )

    def convert(self, batch: Any, first: int) -> Converted:
        import pyarrow as pa
        import pyarrow.compute as pc

        count = batch.num_rows
        problems: dict[int, tuple[str, str]] = {}
        text = {name: self._text(batch, name, problems) for name in ("user", "event", "account", "event_id")}
        for name in ("user", "event"):
            for index in np.flatnonzero(pc.equal(pc.utf8_length(text[name]), 0).to_numpy(zero_copy_only=False)):
                problems.setdefault(int(index), (f"{name}: is empty", name))
        micros = self._micros(batch, problems)
        properties = self._properties(batch, problems)
        good = np.ones(count, dtype=bool)
        good[list(problems)] = False
        users, events = text["user"].to_pylist(), text["event"].to_pylist()
        accounts, ids = text["account"].to_pylist(), text["event_id"].to_pylist()
        keys = np.zeros(count, dtype=np.uint64)
        for index in np.flatnonzero(good):
            keys[index] = event_key(
                identity(users[index], events[index], int(micros[index]), properties[index], ids[index] or None)
            )
        mask = pa.array(good)
        table = pa.table(
            {
                "event_key": pa.array(keys, type=pa.uint64()),
                "event_id": pa.array([value or None for value in ids], type=pa.string()),
                "occurred_at": pa.array(micros, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                "user_id": text["user"],
                "account_id": pa.array([value or None for value in accounts], type=pa.string()),
                "event": text["event"],
                "properties": pa.array(properties, type=pa.string()),
            }
        ).filter(mask)
        numbers = np.arange(first, first + count, dtype=np.int64)
        failed = [Failed(int(numbers[i]), row_json(batch, i), *problems[i]) for i in sorted(problems)]
        return Converted(table, numbers[good], keys[good], failed)

    def _text(self, batch: Any, name: str, problems: dict[int, tuple[str, str]]) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        column = self.columns[name]
        if column is None:
            return pa.array([""] * batch.num_rows, type=pa.string())
        values = batch.column(column)
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            if pa.types.is_integer(values.type) or pa.types.is_floating(values.type) or pa.types.is_null(values.type):
                values = pc.cast(values, pa.string())
            else:
                for index in range(batch.num_rows):
                    problems.setdefault(index, (f"{name}: expected text, got {values.type}", name))
                return pa.array([""] * batch.num_rows, type=pa.string())
        values = pc.fill_null(pc.utf8_trim_whitespace(values), "")
        limit = _LIMITS[name]
        for found in np.flatnonzero(pc.greater(pc.utf8_length(values), limit).to_numpy(zero_copy_only=False)):
            length = len(values[int(found)].as_py())
            problems.setdefault(int(found), (f"{name}: is {length:,} characters; the limit is {limit:,}", name))
        for found in np.flatnonzero(pc.match_substring(values, "\x00").to_numpy(zero_copy_only=False)):
            problems.setdefault(int(found), (f"{name}: contains a NUL character (\\x00), which cannot be stored", name))
        return values

    def _micros(self, batch: Any, problems: dict[int, tuple[str, str]]) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        assert self.time_column is not None
        values = batch.column(self.time_column)
        kind = values.type
        if pa.types.is_timestamp(kind) and self.format in ("auto", "iso"):
            if kind.tz is None:
                values = pc.assume_timezone(values, self.parse.zone.key if hasattr(self.parse.zone, "key") else "UTC")
            counts = pc.cast(values, pa.int64())  # the stored counts of the column's unit, from 1970 in UTC
            missing = pc.is_null(counts).to_numpy(zero_copy_only=False)
            for found in np.flatnonzero(missing):
                problems.setdefault(int(found), ("timestamp: is empty", "timestamp"))
            raw = np.asarray(pc.fill_null(counts, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
            return _as_micros(raw, kind.unit, problems)
        # Text, numbers, dates: each value through the same parser the row-by-row path uses.
        out = np.zeros(batch.num_rows, dtype=np.int64)
        for index, value in enumerate(values.to_pylist()):
            try:
                moment = self.parse(value)
            except RowProblem as problem:
                problems.setdefault(index, (str(problem), "timestamp"))
                continue
            out[index] = micros_of(moment)
        return out

    def _properties(self, batch: Any, problems: dict[int, tuple[str, str]]) -> list[str]:
        column = self.columns["properties"]
        if column is None:
            return ["{}"] * batch.num_rows
        result: list[str] = []
        for index, value in enumerate(batch.column(column).to_pylist()):
            try:
                result.append(properties_text(value))
            except RowProblem as problem:
                problems.setdefault(index, (str(problem), "properties"))
                result.append("{}")
        return result


class Deduplicator:
    """Event keys seen so far in this file, with the row that had each first."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)
        self.rows = np.zeros(0, dtype=np.int64)

    def split(self, keys: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
        """(mask of rows whose key is new to the file, {row: first row} for the rest)."""
        first: dict[int, int] = {}
        fresh = np.ones(len(keys), dtype=bool)
        if len(self.keys):
            where = np.searchsorted(self.keys, keys)
            where = np.minimum(where, len(self.keys) - 1)
            earlier = self.keys[where] == keys
            for index in np.flatnonzero(earlier):
                first[int(numbers[index])] = int(self.rows[where[index]])
            fresh &= ~earlier
        _, unique_at = np.unique(keys, return_index=True)
        repeated = np.ones(len(keys), dtype=bool)
        repeated[unique_at] = False
        if repeated.any():
            for index in np.flatnonzero(repeated & fresh):
                original = int(np.flatnonzero(keys == keys[index])[0])
                first[int(numbers[index])] = int(numbers[original])
            fresh &= ~repeated
        keep = fresh
        merged_keys = np.concatenate([self.keys, keys[keep]])
        merged_rows = np.concatenate([self.rows, numbers[keep]])
        order = np.argsort(merged_keys, kind="stable")
        self.keys, self.rows = merged_keys[order], merged_rows[order]
        return fresh, first


def batches(reader: Any, converter: EventColumns, known: np.ndarray, *, checkpoint: int) -> Iterator[Batch]:
    """Sorted batches of events from a Parquet reader (see the module docstring)."""
    seen = Deduplicator()
    for first, record_batch in reader.batches(BATCH_ROWS):
        if isinstance(record_batch, Failed):  # the file is damaged from here on
            if record_batch.number > checkpoint:
                yield Batch(last=record_batch.number, read=1, failed=[record_batch])
            return
        converted = converter.convert(record_batch, first)
        fresh, repeats = seen.split(converted.keys, converted.numbers)
        stored = stored_in(converted.keys, known)
        after = converted.numbers > checkpoint
        failed = [f for f in converted.failed if f.number > checkpoint]
        for number, original in sorted(repeats.items()):
            if number > checkpoint:
                index = int(np.flatnonzero(converted.numbers == number)[0])
                key = f"{int(converted.keys[index]):016x}"
                failed.append(
                    Failed(
                        number,
                        row_json(record_batch, number - first),
                        f"external id '{key}' appears again (first at row {original}); "
                        "keep one, or give each row its own id",
                        "external_id",
                        key,
                    )
                )
        write = fresh & ~stored & after
        last = first + record_batch.num_rows - 1
        if last <= checkpoint:
            continue
        read = last - max(first, checkpoint + 1) + 1
        yield Batch(
            last=last,
            read=read,
            unchanged=int((fresh & stored & after).sum()),
            failed=sorted(failed, key=lambda item: item.number),
            new=[converted.table.filter(write)] if write.any() else [],
        )


class ColumnarFeed:
    """Events from a Parquet export, converted column-wise in this process (the work is
    Arrow's and NumPy's; a second process would only add copying)."""

    def __init__(self, context: Context, reader: Any, known: np.ndarray) -> None:
        self.context, self.reader, self.known = context, reader, known

    def __iter__(self) -> Iterator[Any]:
        converter = EventColumns(self.context, self.reader.columns)
        for batch in batches(self.reader, converter, self.known, checkpoint=self.context.checkpoint):
            yield _ready(batch)

    def stats(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        return None


def _ready(batch: Batch) -> Any:
    return lambda _connection: batch


#: Microseconds from 1970 of the first and the last moment of the years 1–9999 (what every
#: engine and Python's datetime can hold).
_EARLIEST_US = -62_135_596_800_000_000
_LATEST_US = 253_402_300_799_999_999
_PER_US = {"s": 1_000_000, "ms": 1_000, "us": 1}


def _as_micros(raw: np.ndarray, unit: str, problems: dict[int, tuple[str, str]]) -> np.ndarray:
    """Counts of ``unit`` as microseconds: nanoseconds are kept to the microsecond (floored);
    a moment outside the years 1–9999 is a problem of its row (and 0 in the result)."""
    if unit == "ns":
        micros = raw // 1_000
    else:
        factor = _PER_US[unit]
        low, high = -(_LATEST_US // factor), _LATEST_US // factor  # nothing in range overflows
        fits = (raw >= low) & (raw <= high)
        micros = np.where(fits, raw, 0) * factor
    outside = (micros < _EARLIEST_US) | (micros > _LATEST_US)
    if unit != "ns":
        outside |= ~fits
    for found in np.flatnonzero(outside):
        problems.setdefault(int(found), ("timestamp: is outside the years 1–9999", "timestamp"))
    return np.where(outside, 0, micros)
