"""Re-imports sort rows against one read of what the channel holds (grounded.ingest.snapshot):
it must sort exactly as the per-batch lookup does, whatever the ids hash to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from grounded.ingest import hashindex, snapshot
from grounded.ingest.evidence_target import EvidenceWriter
from grounded.ingest.hashindex import HashIndex
from grounded.ingest.pipeline import ImportReport
from grounded.models import Evidence
from tests.ingest.conftest import ZENDESK_HEADER, Importer, Write, counts_add_up, new_importer, zendesk_row

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
def test_a_newer_export_is_sorted_as_the_lookup_sorts_it(
    importer: Importer, file: Write, separate_reader: bool
) -> None:
    importer(file("v1.csv", _export(30)), batch_rows=10, separate_reader=separate_reader)
    newer = _newer(file)
    dry = importer(newer, batch_rows=10, separate_reader=separate_reader, dry_run=True)
    assert _counts(dry) == (10, 3, 27, 2)
    assert len(_texts(importer)) == 30
    report = importer(newer, batch_rows=10, separate_reader=separate_reader)
    _check_newer(importer, report)
    again = importer(newer, batch_rows=10, separate_reader=separate_reader)
    assert _counts(again) == (0, 0, 40, 2)


def test_looked_up_batch_by_batch_the_counts_are_the_same(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    importer(file("v1.csv", _export(30)), batch_rows=10)
    read = {"snapshots": 0}
    real_read = snapshot.Snapshot.read

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = real_read(*args, **kwargs)
        read["snapshots"] += found is not None
        return found

    monkeypatch.setattr(snapshot.Snapshot, "read", counted)
    monkeypatch.setattr(snapshot, "LIMIT", 29)  # the channel holds 30: too many to read whole
    _check_newer(importer, importer(_newer(file), batch_rows=10))
    assert read["snapshots"] == 0


COLLISIONS: dict[str, Callable[[str], int]] = {
    # every id the same hash: nothing in the snapshot is certain, every row is asked for
    "all the same": lambda value: 0,
    # stored ids in pairs (1 and 2, 3 and 4, ...): a changed and an unchanged row share one
    "stored ids in pairs": lambda value: (int(value) + 1) // 2 if value.isdigit() else hash(value),
    # each new id on a stored one's hash (31 on 1, ...): unique in the snapshot, so a new
    # row is found there, with another fingerprint
    "new ids on stored ones": lambda value: hash(
        str(int(value) - 30) if value.isdigit() and int(value) > 30 else value
    ),
    # ids reduced to a few bits: collisions everywhere, mixed with unique hashes
    "three bits": lambda value: hash(value) & 7,
}


@pytest.mark.parametrize("name", list(COLLISIONS))
def test_colliding_id_hashes_never_hide_a_change(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(snapshot, "id_hash", COLLISIONS[name])
    importer(file("v1.csv", _export(30)), batch_rows=10)
    _check_newer(importer, importer(_newer(file), batch_rows=10))


def test_two_stored_ids_sharing_a_hash_are_asked_for(
    importer: Importer, file: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Ids 1 and 2 share a hash, and each stored row holds the other's fingerprint from the
    file (what only a collision of the fingerprints could make): whichever the search finds
    first matches one of them, so only asking the database for both keeps them right."""
    monkeypatch.setattr(snapshot, "id_hash", lambda value: 0 if value in ("1", "2") else hash(value))
    importer(file("v1.csv", _export(3)))
    newer = file("v2.csv", _export(3, {2: "two, edited"}))
    elsewhere = new_importer(importer.engine, tmp_path / "elsewhere")
    elsewhere(newer)
    digests = {e.external_id: e.row_hash for e in elsewhere.evidence()}
    assert digests["1"] == importer.evidence(external_id="1")[0].row_hash  # row 1 is unchanged
    with importer.engine.begin() as connection:
        for external, other in (("1", "2"), ("2", "1")):
            connection.execute(
                sa.update(Evidence)
                .where(Evidence.workspace_id == importer.workspace_id, Evidence.external_id == external)
                .values(row_hash=digests[other])
            )
    assert _counts(importer(newer)) == (0, 2, 1, 0)
    assert [e.text for e in importer.evidence()] == [
        "Ticket body number 1, about weekly reports",
        "two, edited",
        "Ticket body number 3, about weekly reports",
    ]
    assert _counts(importer(newer)) == (0, 0, 3, 0)


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


def _number(pair: np.ndarray) -> int:
    return (int(pair[0]) << 64) | int(pair[1])


def test_fingerprints_stand_for_their_text_exactly() -> None:
    digest = "0123456789abcdef" * 2
    other = "fedcba9876543210" * 2
    pairs, canonical = snapshot.fingerprints([digest, other])
    assert canonical.tolist() == [True, True]
    assert [_number(pair) for pair in pairs] == [int(digest, 16), int(other, 16)]
    odd = [digest, digest.upper(), None, "ab" * 15 + "a", "ab" * 16 + "a", " " + digest[1:], "g" * 32, "é" * 32]
    pairs, canonical = snapshot.fingerprints(odd)
    assert canonical.tolist() == [True, False, False, False, False, False, False, False]
    assert _number(pairs[0]) == int(digest, 16)
    # Values of other lengths that join into a valid run of hex digits are not taken apart wrongly.
    assert snapshot.fingerprints(["ab" * 15 + "a", "b" + "ab" * 16])[1].tolist() == [False, False]
    assert snapshot.fingerprints(["1" * 32])[1].tolist() == [True]
    assert snapshot.fingerprints([])[1].tolist() == []


def _held(stored: dict[str, str | None]) -> snapshot.Snapshot:
    return snapshot.Snapshot(snapshot.hashes(list(stored)), *snapshot.fingerprints(list(stored.values())))


def test_a_snapshot_sorts_rows_in_memory() -> None:
    held = _held({"a": "1" * 32, "b": "2" * 32, "c": None})
    new, ask = held.sort([("a", "1" * 32), ("b", "3" * 32), ("c", "4" * 32), ("d", "5" * 32), ("a2", None)])
    assert new == {"d": None, "a2": None}
    assert ask == [("b", "3" * 32), ("c", "4" * 32)]
    assert _held({}).sort([("a", "1" * 32)]) == ({"a": None}, [])
    # Two stored ids on one hash: a row matching either one's fingerprint is asked for.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshot, "id_hash", {"x": 5, "y": 5, "z": 6, "w": 7, "v": 6 << 60}.__getitem__)
        shared = _held({"x": "1" * 32, "y": "2" * 32, "z": "3" * 32})
        rows = [("x", "2" * 32), ("y", "1" * 32), ("z", "3" * 32), ("w", "3" * 32), ("v", "3" * 32)]
        assert shared.sort(rows) == ({"w": None, "v": None}, rows[:2])


@pytest.mark.parametrize("spread", ["uniform", "crowded"])
def test_finding_hashes_agrees_with_bisection(spread: str) -> None:
    """The bucket walk (and the bisection it falls back to when buckets are deep) finds
    exactly what a plain search finds, negative hashes and repeated ones included."""
    generator = np.random.default_rng(7)
    stored = np.sort(generator.integers(-(2**63), 2**63 - 1, size=5000, dtype=np.int64))
    if spread == "crowded":
        stored = np.sort(stored >> np.int64(52))  # a few thousand values, mostly repeated
    index = HashIndex(stored)
    assert (index.deepest > hashindex.DEEPEST) == (spread == "crowded")
    wanted = np.concatenate([stored[::3], generator.integers(-(2**63), 2**63 - 1, size=2000, dtype=np.int64)])
    where = index.find(wanted)
    assert ((where >= 0) == np.isin(wanted, stored)).all()
    assert (where[where >= 0] == np.searchsorted(stored, wanted[where >= 0])).all()  # the first of equals
