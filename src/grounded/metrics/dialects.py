"""What differs between engines, in one place: reading a property out of an event's JSON
``properties`` text. Everything else compiles through Ibis unchanged.

Ibis has JSON operations, but not on every backend (its ClickHouse compiler has none), so
properties are read with each engine's own function, called as an Ibis builtin. A metric
that filters or breaks down by a property is refused, naming the operation, on an engine
that is not listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from grounded.errors import InvalidInput


@ibis.udf.scalar.builtin(name="json_extract_string")  # type: ignore[untyped-decorator]
def _duckdb_json(document: str, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: the value at a JSON path as text (numbers too), NULL when absent."""


@ibis.udf.scalar.builtin(name="get_json_object")  # type: ignore[untyped-decorator]
def _spark_json(document: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the value at a JSON path as text, NULL when absent."""


@ibis.udf.scalar.builtin(name="json_extract_scalar")  # type: ignore[untyped-decorator]
def _trino_json(document: str, path: str) -> str:  # type: ignore[empty-body]
    """Trino and BigQuery: a scalar at a JSON path as text."""


@ibis.udf.scalar.builtin(name="JSONExtractRaw")  # type: ignore[untyped-decorator]
def _clickhouse_raw(document: str, key: str) -> str:  # type: ignore[empty-body]
    """ClickHouse: the raw JSON of a key ('"error"', '5', or '' when absent)."""


@ibis.udf.scalar.builtin(name="JSONExtractString")  # type: ignore[untyped-decorator]
def _clickhouse_string(document: str, key: str) -> str:  # type: ignore[empty-body]
    """ClickHouse: a string value without its quotes ('' when absent or not a string)."""


@ibis.udf.scalar.builtin(name="json_extract_path_text")  # type: ignore[untyped-decorator]
def _postgres_json(document: dt.JSON, key: str) -> str:  # type: ignore[empty-body]
    """PostgreSQL: the value of a key as text."""


@ibis.udf.scalar.builtin(name="JSON_EXTRACT_PATH_TEXT")  # type: ignore[untyped-decorator]
def _snowflake_json(document: str, key: str) -> str:  # type: ignore[empty-body]
    """Snowflake: the value of a key as text."""


@ibis.udf.scalar.builtin(name="epoch_us")  # type: ignore[untyped-decorator]
def duckdb_epoch_us(moment: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB: microseconds since 1970, the stored value (no calendar: see ``zones``)."""


@ibis.udf.scalar.builtin(name="make_date")  # type: ignore[untyped-decorator]
def duckdb_make_date(days: dt.int32) -> dt.date:
    """DuckDB: the date that many days after 1970-01-01."""


@ibis.udf.scalar.builtin(name="divide")  # type: ignore[untyped-decorator]
def duckdb_divide(dividend: dt.int64, divisor: dt.int64) -> dt.int64:
    """DuckDB: integer division, truncated toward zero (``//`` on integers; Ibis's own
    floor division goes through a float: ``FLOOR(a / b)``)."""


def _clickhouse(document: ir.StringValue, name: str) -> ir.StringValue:
    raw = _clickhouse_raw(document, name)
    text = _clickhouse_string(document, name)
    # A string comes back without its quotes; a number or boolean as written; absent as NULL.
    return ibis.cases((raw == "", ibis.null(str)), (raw.startswith('"'), text), else_=raw)


def _path(name: str) -> str:
    return "$." + name if name.replace("_", "").isalnum() else '$."' + name.replace('"', '\\"') + '"'


PROPERTY: dict[str, Callable[[ir.StringValue, str], ir.StringValue]] = {
    "duckdb": lambda document, name: _duckdb_json(document, _path(name)),
    "pyspark": lambda document, name: _spark_json(document, _path(name)),
    "trino": lambda document, name: _trino_json(document, _path(name)),
    "bigquery": lambda document, name: _trino_json(document, _path(name)),
    "clickhouse": _clickhouse,
    "postgres": lambda document, name: _postgres_json(document.cast("json"), name),
    "snowflake": lambda document, name: _snowflake_json(document, name),
}


def property_of(table: ir.Table, name: str, dialect: str) -> ir.StringValue:
    """An event property as text: a column of that name if the table has one, else read
    from the JSON in ``properties``."""
    if name in table.columns and name not in {"user_id", "account_id", "event", "occurred_at", "properties"}:
        return table[name].cast("string")
    reader = PROPERTY.get(dialect)
    if reader is None:
        raise InvalidInput(
            f"the {dialect} engine cannot read event properties (the operation is a JSON field read); "
            f"give the events a column named '{name}' or use one of: {', '.join(sorted(PROPERTY))}"
        )
    if "properties" not in table.columns:
        raise InvalidInput(f"the events have no 'properties' column to read '{name}' from, and no column '{name}'")
    return reader(table["properties"], name)


def literal_text(value: Any) -> str:
    """A filter value as the text a property read gives back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
