"""Re-importing a newer export: new, changed, unchanged and quarantined rows counted and
stored exactly, in a dry run, in a thread or a reading process, and after an interruption."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from grounded.ingest.evidence_target import EvidenceWriter
from grounded.ingest.pipeline import ImportReport
from grounded.models import Evidence
from tests.ingest.conftest import ZENDESK_HEADER, Importer, Write, counts_add_up, zendesk_row

EDITS = {7: "seven, edited", 23: "twenty-three, edited", 30: "thirty, edited"}


def _export(count: int, edits: dict[int, str] | None = None, extra: str = "") -> str:
    edits = edits or {}
    return ZENDESK_HEADER + "".join(zendesk_row(n, text=edits.get(n)) for n in range(1, count + 1)) + extra


def _counts(report: ImportReport) -> tuple[int, int, int, int]:
    counts_add_up(report)
    c = report.counts
    return c.new_count, c.updated_count, c.unchanged_count, c.quarantined_count


def _texts(importer: Importer) -> dict[str, str]:
    return {e.external_id or "": e.text for e in importer.evidence()}


def _newer(file: Write) -> Any:
    """30 stored rows, then an export of 40: three edited, ten new, a repeated id and a
    row too short to read (both quarantined)."""
    return file("v2.csv", _export(40, EDITS, extra=zendesk_row(5, text="again") + "41,too,few\n"))


def _check_newer(importer: Importer, report: ImportReport) -> None:
    assert _counts(report) == (10, 3, 27, 2)
    texts = _texts(importer)
    assert len(texts) == 40
    assert {n: texts[str(n)] for n in EDITS} == EDITS
    assert texts["6"] == texts["8"].replace("8", "6") == "Ticket body number 6, about weekly reports"


@pytest.mark.parametrize("separate_reader", [False, True])
def test_a_newer_export_is_counted_and_stored_exactly(importer: Importer, file: Write, separate_reader: bool) -> None:
    importer(file("v1.csv", _export(30)), batch_rows=10, separate_reader=separate_reader)
    newer = _newer(file)
    dry = importer(newer, batch_rows=10, separate_reader=separate_reader, dry_run=True)
    assert _counts(dry) == (10, 3, 27, 2)
    assert len(_texts(importer)) == 30
    report = importer(newer, batch_rows=10, separate_reader=separate_reader)
    _check_newer(importer, report)
    again = importer(newer, batch_rows=10, separate_reader=separate_reader)
    assert _counts(again) == (0, 0, 40, 2)


def test_a_stored_row_without_a_fingerprint_is_rewritten(importer: Importer, file: Write) -> None:
    path = file("v1.csv", _export(12))
    importer(path, batch_rows=5)
    with importer.engine.begin() as connection:
        connection.execute(
            sa.update(Evidence)
            .where(Evidence.workspace_id == importer.workspace_id, Evidence.external_id.in_(["4", "9"]))
            .values(row_hash=None)
        )
    assert _counts(importer(path, batch_rows=5)) == (0, 2, 10, 0)
    assert None not in {e.row_hash for e in importer.evidence()}
    assert _counts(importer(path, batch_rows=5)) == (0, 0, 12, 0)


def test_an_interrupted_reimport_resumes_with_the_right_counts(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    importer(file("v1.csv", _export(30)), batch_rows=10)
    newer = _newer(file)
    real_write = EvidenceWriter.write
    calls = {"n": 0}

    def flaky(self: EvidenceWriter, session: Any, new: Any, changed: Any, *, dry_run: bool) -> tuple[int, int, int]:
        calls["n"] += 1
        if calls["n"] == 3:  # the third batch (rows 21-30, with the edit of row 23)
            raise KeyboardInterrupt
        return real_write(self, session, new, changed, dry_run=dry_run)

    monkeypatch.setattr(EvidenceWriter, "write", flaky)
    with pytest.raises(KeyboardInterrupt):
        importer(newer, batch_rows=10)
    assert _texts(importer)["7"] == EDITS[7]
    assert _texts(importer)["23"] != EDITS[23]
    monkeypatch.setattr(EvidenceWriter, "write", real_write)
    report = importer(newer, batch_rows=10)
    assert report.resumed_from == 21
    _check_newer(importer, report)
