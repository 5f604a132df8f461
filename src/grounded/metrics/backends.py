"""Whether a backend can express a metric, decided when the metric is defined.

A spec names the backends it must run on (``backends: [trino, bigquery]``), ``grounded
metric define --backend NAME`` adds some, and a workspace whose default event source is a
warehouse URL adds that warehouse's. Each metric is compiled for each of them (compile only,
nothing runs); one that a backend cannot express is refused with the spec, its line and the
operation the backend lacks, before anything is stored.
"""

from __future__ import annotations

import re
from datetime import date

from grounded.errors import InvalidInput
from grounded.metrics.spec import EVENT_KINDS, Spec

#: The names a spec or ``--backend`` may use, and the Ibis dialect each compiles to.
BACKENDS = {
    "duckdb": "duckdb",
    "clickhouse": "clickhouse",
    "chdb": "clickhouse",
    "spark": "pyspark",
    "pyspark": "pyspark",
    "databricks": "databricks",
    "trino": "trino",
    "athena": "athena",
    "bigquery": "bigquery",
    "snowflake": "snowflake",
    "postgres": "postgres",
    "postgresql": "postgres",
    "risingwave": "risingwave",
    "materialize": "materialize",
    "mysql": "mysql",
    "mssql": "mssql",
    "oracle": "oracle",
    "exasol": "exasol",
    "impala": "impala",
    "flink": "flink",
    "druid": "druid",
    "datafusion": "datafusion",
    "sqlite": "sqlite",
}
_RULE = re.compile(r"Compilation rule for '(\w+)' operation is not defined")
#: Any fixed range: what a metric compiles to does not depend on it.
_SINCE, _UNTIL = date(2026, 1, 5), date(2026, 2, 2)


def dialect_of(name: str) -> str:
    found = BACKENDS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"backend '{name}' is not one of: {', '.join(sorted(BACKENDS))}")
    return found


def of_url(url: str) -> str | None:
    """The backend an Ibis connection URL names (its scheme), if grounded knows it."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    return scheme if scheme in BACKENDS else None


def lacking(spec: Spec, backend: str) -> str | None:
    """The operation ``backend`` lacks to express the metric, or None when it can."""
    from grounded.metrics.compute import abstract_frame, compile_sql

    if spec.kind not in EVENT_KINDS:
        return None
    dialect = dialect_of(backend)
    try:
        compile_sql(spec, abstract_frame(dialect, _SINCE, _UNTIL), dialect)
    except InvalidInput as error:
        return _operation(str(error))
    return None


def _operation(message: str) -> str:
    rule = _RULE.search(message)
    if rule:
        return rule.group(1)
    if "JSON field read" in message:
        return "a JSON field read (an event property)"
    detail = message.split(": ", 2)[-1]
    return detail.removeprefix("UnsupportedOperationError: ")


def refusals(loaded: list[tuple[Spec, str]], extra: list[str]) -> list[str]:
    """For each spec and each backend it must run on, why it cannot: ``file line N:
    metric K cannot run on B: it needs OPERATION``."""
    problems = []
    for spec, where in loaded:
        for backend in sorted({*spec.backends, *extra}):
            operation = lacking(spec, backend)
            if operation is not None:
                file, _, line = where.rpartition(":")
                problems.append(
                    f"{file} line {line}: metric {spec.key} cannot run on {backend}: its SQL needs {operation}, "
                    f"which Ibis cannot compile for {backend}; compute it on another engine, change the choice "
                    "that needs it, or take the backend out of its backends"
                )
    return problems
