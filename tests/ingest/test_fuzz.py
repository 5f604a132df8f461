"""Property: whatever bytes a CSV or JSONL export holds, the import does not crash, every
row read is accounted for (new + updated + unchanged + quarantined), and what the counts
say landed is what the database holds."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grounded.errors import ImportRejected
from grounded.ingest import mapping as mappings
from grounded.models import Evidence, QuarantinedRow
from tests.ingest.conftest import Importer, abc_csv

_runs = itertools.count()
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
nasty = st.text(alphabet=st.sampled_from(list("ab,;\"'\n\r\t\x00é€𝄞 \\{}[]:0123456789-TZ")), max_size=40)
dates = st.sampled_from(["2026-11-02T10:00:00Z", "2026-11-02", "02/11/2026 10:00", "yesterday", "", "1793955600"])


def _mapping(source: str) -> mappings.Mapping:
    return mappings.Mapping.model_validate(
        {
            **mappings.preset("zendesk").model_dump(),
            "source": source,
            "optional": ["account", "person", "person_name", "title"],
        }
    )


def _check(importer: Importer, path: Path, source: str) -> None:
    try:
        report = importer(path, _mapping(source), batch_rows=7)
    except ImportRejected:
        return  # a whole-file refusal (empty, no header…) writes nothing
    counts = report.counts
    assert (
        counts.new_count + counts.updated_count + counts.unchanged_count + counts.quarantined_count == counts.rows_read
    )
    with importer.engine.connect() as connection:
        landed = connection.execute(
            sa.select(sa.func.count())
            .select_from(Evidence)
            .where(Evidence.workspace_id == importer.workspace_id, Evidence.source_key == source)
        ).scalar()
        kept = connection.execute(
            sa.select(sa.func.count())
            .select_from(QuarantinedRow)
            .where(
                QuarantinedRow.workspace_id == importer.workspace_id,
                QuarantinedRow.source_id.in_(sa.text(f"(SELECT id FROM source WHERE source_key = '{source}')")),
            )
        ).scalar()
    assert landed == counts.new_count
    assert kept == counts.quarantined_count


@FUZZ
@given(rows=st.lists(st.tuples(st.integers(0, 30), nasty, nasty, dates, st.integers(2, 6), st.booleans()), max_size=25))
def test_any_csv_is_accounted_for(lite_importer: Importer, rows: list[tuple[int, str, str, str, int, bool]]) -> None:
    lines = ["Id,Subject,Description,Created at"]
    for ident, subject, body, when, width, quote in rows:
        fields = [str(ident), subject, f'"{body}"' if quote else body, when, "extra"][:width]
        lines.append(",".join(fields))
    source = f"fuzz-csv-{next(_runs)}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        _check(lite_importer, path, source)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty, inner, max_size=3),
    max_leaves=5,
)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "Id": st.integers(0, 20) | nasty,
                    "Subject": json_values,
                    "Description": json_values,
                    "Created at": dates | json_values,
                }
            ),
            nasty.map(lambda text: {"raw": text}),
        ),
        max_size=25,
    )
)
def test_any_jsonl_is_accounted_for(lite_importer: Importer, lines: list[dict[str, object]]) -> None:
    text = "\n".join(str(line["raw"]) if "raw" in line else json.dumps(line) for line in lines)
    source = f"fuzz-jsonl-{next(_runs)}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _check(lite_importer, path, source)


csv_cells = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\té\x00')), max_size=12)


@given(
    rows=st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=30),
    raw_tail=st.text(alphabet=st.sampled_from(list('ab,"\n\r')), max_size=20),
)
@settings(max_examples=150, deadline=None)
def test_chunks_of_any_size_read_the_same_records(rows: list[list[str]], raw_tail: str) -> None:
    """The CSV reader parses a chunk at a time and looks closer only at chunks with
    something odd in them: where the chunks fall must not change any record."""

    from grounded.ingest.encoding import sniff
    from grounded.ingest.readers.csvfile import CsvReader

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "t.csv"
        path.write_bytes(abc_csv(rows, raw_tail))
        try:
            reader = CsvReader(sniff(path, format_="csv", encoding="utf-8"), delimiter=",")
        except ImportRejected:
            return
        seen = [
            [
                (r.number, r.values, r.raw, r.problem)
                for chunk in reader.chunks(size)
                for r in chunk.records(reader.columns)
            ]
            for size in (1, 3, 500)
        ]
    assert seen[0] == seen[1] == seen[2]
    numbers = [number for number, *_ in seen[0]]
    assert numbers == sorted(set(numbers))
