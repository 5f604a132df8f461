"""PostgreSQL plans the import's lookups on a table it has no statistics for (right after a
bulk load, before autovacuum's ANALYZE): each lookup must still be an index probe per id,
not a walk over every row of the source, and a big import leaves fresh statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from grounded.ingest import pipeline
from grounded.ingest.store import POSTGRES_UNMATCHED
from tests.conftest import fresh_database
from tests.ingest.conftest import ZENDESK_HEADER, new_importer, zendesk_row

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with fresh_database("postgresql", tmp_path) as engine:
        with engine.begin() as connection:  # no ANALYZE behind the test's back
            connection.exec_driver_sql("ALTER TABLE evidence SET (autovacuum_enabled = false)")
        yield engine


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _last_analyze(engine: Engine) -> Any:
    with engine.connect() as connection:
        return connection.exec_driver_sql(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'evidence'"
        ).scalar()


def test_lookups_probe_the_index_per_id_without_statistics(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "ANALYZE_AFTER", 10**9)
    importer = new_importer(engine, tmp_path / "data")
    path = tmp_path / "tickets.csv"
    path.write_text(ZENDESK_HEADER + "".join(zendesk_row(n) for n in range(1, 3001)), encoding="utf-8")
    assert importer(path).counts.new_count == 3000
    assert _last_analyze(engine) is None

    wanted = [str(n) for n in range(100, 110)]
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + POSTGRES_UNMATCHED,
                (wanted, ["stale"] * len(wanted), importer.workspace_id, "zendesk"),
            )
            (document,) = cursor.fetchone()
    finally:
        raw.close()
    plan = (document if isinstance(document, list) else json.loads(document))[0]["Plan"]
    scans = [node for node in _nodes(plan) if node.get("Relation Name") == "evidence"]
    assert scans, plan
    # Ten ids, ten probes of one row each; the plan this replaced read all 3,000 rows.
    assert sum(node["Actual Rows"] * node["Actual Loops"] for node in scans) == len(wanted)
    assert all("external_id" in node.get("Index Cond", "") for node in scans)
    assert plan["Actual Rows"] == len(wanted)  # every one differs from "stale"


def test_a_big_import_leaves_fresh_statistics(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "ANALYZE_AFTER", 50)
    importer = new_importer(engine, tmp_path / "data")
    small = tmp_path / "small.csv"
    small.write_text(ZENDESK_HEADER + "".join(zendesk_row(n) for n in range(1, 31)), encoding="utf-8")
    assert importer(small).counts.new_count == 30
    assert _last_analyze(engine) is None  # 30 rows written: below the threshold
    big = tmp_path / "big.csv"
    big.write_text(ZENDESK_HEADER + "".join(zendesk_row(n) for n in range(1, 101)), encoding="utf-8")
    report = importer(big)
    assert (report.counts.new_count, report.counts.unchanged_count) == (70, 30)
    assert _last_analyze(engine) is not None
