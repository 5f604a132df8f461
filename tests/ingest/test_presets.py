"""Every preset against a small export shaped like the real one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from grounded.db.engine import session_scope
from grounded.ingest import detect
from grounded.ingest import mapping as mappings
from grounded.models import Account, EventSource, Request, RequestAccount
from grounded.models.enums import Disposition, EvidenceKind, EvidenceMode
from tests.ingest.conftest import Importer, Write, counts_add_up, new_importer


def test_every_preset_is_a_valid_mapping() -> None:
    names = mappings.preset_names()
    assert set(names) >= {
        "zendesk",
        "intercom",
        "jira",
        "canny",
        "productboard",
        "nps",
        "requests",
        "crm_accounts",
        "usage_events",
        "interviews",
    }
    for name in names:
        assert mappings.preset(name).headers, name


def test_intercom_conversations(importer: Importer, file: Write) -> None:
    path = file(
        "conversations.csv",
        "Conversation ID,Created at,Title,Conversation body,User email,User name,"
        "Company name,State,Tags\n"
        '215,2026-10-01 08:30:00,Export,"Our CSV export has the wrong dates",a@x.example,Ann,Acme,closed,bug\n',
    )
    report = importer(path, "intercom")
    assert report.counts.new_count == 1
    item = importer.evidence()[0]
    assert (item.source_key, item.external_id, item.kind, item.mode) == (
        "intercom",
        "215",
        EvidenceKind.TICKET,
        EvidenceMode.OBSERVED,
    )
    assert item.attributes == {"state": "closed", "tags": "bug"}


def test_jira_issues_with_jira_dates(importer: Importer, file: Write) -> None:
    path = file(
        "jira.csv",
        "Issue key,Summary,Description,Created,Reporter,Issue Type,Status,Custom field (Customer)\n"
        'REP-12,Totals wrong,"Totals differ from Salesforce",02/Nov/26 9:15 AM,Dana,Bug,Open,Acme\n'
        "REP-13,Slow,,03/Nov/26 4:05 PM,Sam,Bug,Done,Acme\n",
    )
    report = importer(path, "jira")
    assert report.counts.new_count == 2
    first, second = importer.evidence()
    assert first.occurred_at.isoformat() == "2026-11-02T09:15:00+00:00"
    assert second.occurred_at.isoformat() == "2026-11-03T16:05:00+00:00"
    assert second.text == "Slow"  # no description: the summary stands in


def test_canny_and_productboard_are_stated(importer: Importer, file: Write) -> None:
    canny = file(
        "canny.csv",
        "ID,Title,Details,Author Name,Author Email,Company Name,Created At,Board,Status,Score\n"
        "p1,Saved reports,Let us save a report layout,Ann,a@x.example,Acme,2026-09-01T10:00:00Z,"
        "Feature Requests,open,14\n",
    )
    board = file(
        "notes.csv",
        "Note ID,Title,Content,Created at,Customer email,Customer name,Company name,Tags\n"
        "n1,Call,They rebuild reports weekly,2026-09-02,b@y.example,Bo,Beta,reporting\n",
    )
    assert importer(canny, "canny").counts.new_count == 1
    assert importer(board, "productboard").counts.new_count == 1
    kinds = {(e.source_key, e.kind, e.mode) for e in importer.evidence()}
    assert kinds == {
        ("canny", EvidenceKind.REQUEST, EvidenceMode.STATED),
        ("productboard", EvidenceKind.NOTE, EvidenceMode.STATED),
    }


def test_nps_answers_with_and_without_comments(importer: Importer, file: Write) -> None:
    path = file(
        "nps.csv",
        "Response ID,Submitted at,Score,Comment,Email,Company,Survey\n"
        "r1,2026-10-05,9,Reports are great,a@x.example,Acme,Q4\n"
        "r2,2026-10-06,3,,b@y.example,Beta,Q4\n",
    )
    assert importer(path, "nps").counts.new_count == 2
    first, second = importer.evidence()
    assert (first.title, first.text, first.attributes["score"]) == ("NPS 9", "Reports are great", "9")
    assert (second.title, second.text) == ("NPS 3", "NPS 3")  # no comment: the score is the evidence


def test_request_sheets_make_requests_with_the_money_behind_them(importer: Importer, file: Write) -> None:
    path = file(
        "requests.csv",
        "Request ID,Created,Title,Description,Requester,Team,Account,Deal value,Deadline,"
        "Deadline type\n"
        'q1,2026-10-01,Ledger export,Northwind needs a ledger export,Jordan,sales,Northwind,"$180,000",'
        "2026-12-15,hard\n"
        "q2,2026-10-02,SOC 2 audit log,Auditors want access logs,Grace,legal,,,,\n"
        "q3,2026-10-03,Odd team,Unknown group,Pat,pirates,,,,\n",
    )
    report = importer(path, "requests")
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count) == (2, 1)
    assert "stakeholder group" in importer.quarantined()[0].reason
    with session_scope(importer.engine) as session:
        made = list(
            session.scalars(
                sa.select(Request).where(Request.workspace_id == importer.workspace_id).order_by(Request.number)
            )
        )
        assert [
            (r.title, r.deal_value, str(r.deadline), r.deadline_kind.value if r.deadline_kind else None, r.disposition)
            for r in made
        ] == [
            ("Ledger export", 180000, "2026-12-15", "hard", Disposition.NEW),
            ("SOC 2 audit log", None, "None", None, Disposition.NEW),
        ]
        stake = session.scalars(sa.select(RequestAccount).where(RequestAccount.request_id == made[0].id)).one()
        assert stake.deal_value == 180000
    again = importer(path, "requests")
    assert (again.counts.new_count, again.counts.unchanged_count) == (0, 2)


def test_crm_accounts_are_created_then_updated(importer: Importer, file: Write) -> None:
    header = "Account ID,Account Name,Segment,Plan,ARR,Region,Industry\n"
    importer(
        file(
            "v1.csv",
            header + 'A1,Acme,SMB,Starter,"6,000",NA,Retail\nA2,Beta,Enterprise,Enterprise,180000,EMEA,Health\n',
        ),
        "crm_accounts",
    )
    report = importer(
        file(
            "v2.csv",
            header + "A1,Acme,Mid-Market,Growth,38000,NA,Retail\nA2,Beta,Enterprise,"
            "Enterprise,180000,EMEA,Health\nA3,Gamma,SMB,Starter,lots,NA,\n",
        ),
        "crm_accounts",
    )
    counts_add_up(report)
    assert (
        report.counts.new_count,
        report.counts.updated_count,
        report.counts.unchanged_count,
        report.counts.quarantined_count,
    ) == (0, 1, 1, 1)
    with session_scope(importer.engine) as session:
        rows = {
            a.external_id: (a.segment, a.plan, a.arr, a.attributes)
            for a in session.scalars(sa.select(Account).where(Account.workspace_id == importer.workspace_id))
        }
    assert rows == {
        "A1": ("Mid-Market", "Growth", 38000, {"industry": "Retail"}),
        "A2": ("Enterprise", "Enterprise", 180000, {"industry": "Health"}),
    }


def test_usage_events_go_to_the_event_store_once(importer: Importer, file: Write) -> None:
    lines = [
        {
            "event_id": f"e{n}",
            "user_id": f"u{n % 3}",
            "account_id": "A1",
            "event": "export_csv",
            "timestamp": f"2026-11-0{1 + n % 5}T10:00:00Z",
            "properties": {"rows": n},
        }
        for n in range(10)
    ]
    lines.append({"user_id": "u1", "event": "login", "timestamp": "never"})
    path = file("events.jsonl", "\n".join(json.dumps(line) for line in lines))
    report = importer(path, "usage_events")
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count) == (10, 1)
    parts = sorted((importer.data_dir / "workspaces").glob("*/events/*.parquet"))
    table = pa.concat_tables([pq.read_table(p) for p in parts])
    assert table.num_rows == 10
    assert set(table.column("properties").to_pylist()) == {json.dumps({"rows": n}) for n in range(10)}
    again = importer(path, "usage_events")
    assert (again.counts.new_count, again.counts.unchanged_count) == (0, 10)
    with session_scope(importer.engine) as session:
        source = session.scalars(sa.select(EventSource).where(EventSource.workspace_id == importer.workspace_id)).one()
        assert (source.name, source.is_default, source.location.endswith("/events/*.parquet")) == (
            "product-events",
            True,
            True,
        )


def test_interview_notes_and_their_quotes(importer: Importer, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "dana.md").write_text(
        "---\nid: int-001\ninterviewee: Dana Whitfield\nrole: Head of Finance Ops\naccount: Bluepeak\n"
        "date: 2026-10-02\ninterviewer: Priya\n---\n# Dana at Bluepeak\nContext: weekly reporting.\n\n"
        '> "Reporting is fine, honestly."\n\nThey export every Monday.\n\n> We pull it into Excel\n> on Mondays.\n'
    )
    report = importer(notes, "interviews")
    assert (report.counts.new_count, report.quotes) == (1, 2)
    note, *quotes = importer.evidence()
    assert (note.kind, note.title, note.attributes["interviewer"]) == (
        EvidenceKind.INTERVIEW_NOTE,
        "Dana at Bluepeak",
        "Priya",
    )
    assert [(q.kind, q.text, q.parent_id, q.external_id) for q in quotes] == [
        (EvidenceKind.QUOTE, "Reporting is fine, honestly.", note.id, "int-001#q1"),
        (EvidenceKind.QUOTE, "We pull it into Excel on Mondays.", note.id, "int-001#q2"),
    ]
    assert importer(notes, "interviews").counts.unchanged_count == 1
    assert len(importer.evidence()) == 3


def test_parquet_and_json_arrays_read_like_csv(lite_importer: Importer, tmp_path: Path) -> None:
    rows = [
        {"Id": n, "Subject": f"S{n}", "Description": f"Body {n}", "Created at": f"2026-11-0{n}T10:00:00Z"}
        for n in range(1, 4)
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "tickets.parquet")
    (tmp_path / "tickets.json").write_text(json.dumps(rows))
    assert lite_importer(tmp_path / "tickets.parquet").counts.new_count == 3
    assert lite_importer(tmp_path / "tickets.json").counts.unchanged_count == 3


def test_detect_recognises_a_preset(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Id,Subject,Description,Created at,Requester email,Organization,Status\n"
        "1,Hi,Hello,2026-11-02T10:00:00Z,a@x.example,Acme,open\n"
    )
    proposal = detect.propose(path)
    assert proposal.preset == "zendesk"
    assert mappings.parse(proposal.text, name="proposal").source == "zendesk"


def test_detect_proposes_a_mapping_and_pins_day_first_dates(tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_text(
        "Ref,When,Feedback,Customer,Sentiment\n"
        + "".join(
            f"F{n},{day:02d}/03/2026 10:00,Some feedback {n},Acme,positive\n" for n, day in enumerate((5, 13, 2), 1)
        )
    )
    proposal = detect.propose(path)
    parsed = mappings.parse(proposal.text, name="proposal")
    assert proposal.preset is None
    assert parsed.fields["text"] == "Feedback"
    assert parsed.fields["occurred_at"] == {"column": "When", "format": "%d/%m/%Y %H:%M", "timezone": "UTC"}
    assert parsed.fields["account"] == "Customer"
    assert parsed.attributes == ["Sentiment"]


def test_detect_recognises_usage_events(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("user_id,event,timestamp,plan\nu1,login,2026-11-02T10:00:00Z,pro\n")
    assert mappings.parse(detect.propose(path).text, name="p").target == "events"


def _events_table() -> pa.Table:
    base = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    return pa.table(
        {
            "user_id": ["u1", "u2", "", "u3", "u4", "u5", "u1", "u6"],
            "account_id": ["A1", None, "A1", "A2", "A2", "A3", "A1", "A3"],
            "event": ["export_csv", "report_viewed", "login", "query_run", "query_run", "login", "export_csv", "x"],
            "timestamp": pa.array(
                [base + timedelta(minutes=n) for n in range(5)] + [None] + [base, base + timedelta(seconds=1.5)],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "properties": ['{"rows": 1}', "", "{}", '{"status": "ok"}', "[1, 2]", "{}", '{"rows": 1}', "{}"],
        }
    )


def test_usage_events_from_parquet_are_read_by_column_with_the_same_results(
    importer: Importer, file: Write, tmp_path: Path
) -> None:
    table = _events_table()
    parquet = tmp_path / "events.parquet"
    pq.write_table(table, parquet)
    report = importer(parquet, "usage_events")
    counts_add_up(report)
    assert report.reader == "columns"
    assert (report.counts.new_count, report.counts.quarantined_count) == (4, 4)
    reasons = {q.row_number: q.reason for q in importer.quarantined()}
    assert reasons[3] == "user: is empty"
    assert reasons[5] == "properties: is JSON but not an object"
    assert reasons[6] == "timestamp: is empty"
    assert reasons[7].startswith("external id '")
    assert reasons[7].endswith("(first at row 1); keep one, or give each row its own id")
    again = importer(parquet, "usage_events")
    assert (again.counts.new_count, again.counts.unchanged_count, again.counts.quarantined_count) == (0, 4, 4)
    stored = pa.concat_tables(
        [pq.read_table(p) for p in sorted((importer.data_dir / "workspaces").glob("*/events/*.parquet"))]
    )
    # The same events as CSV go the row-by-row way; both ways give the same keys.
    rows = table.to_pylist()
    csv_text = "user_id,account_id,event,timestamp,properties\n" + "".join(
        f"{r['user_id']},{r['account_id'] or ''},{r['event']},{r['timestamp'].isoformat() if r['timestamp'] else ''},"
        + '"'
        + r["properties"].replace('"', '""')
        + '"\n'
        for r in rows
    )
    other = new_importer(importer.engine, tmp_path / "other")
    by_rows = other(file("events.csv", csv_text), "usage_events")
    assert by_rows.reader == "thread"
    assert (by_rows.counts.new_count, by_rows.counts.quarantined_count) == (4, 4)
    stored_by_rows = pa.concat_tables(
        [pq.read_table(p) for p in sorted((other.data_dir / "workspaces").glob("*/events/*.parquet"))]
    )
    assert sorted(stored.column("event_key").to_pylist()) == sorted(stored_by_rows.column("event_key").to_pylist())
    assert sorted(stored.column("occurred_at").to_pylist()) == sorted(stored_by_rows.column("occurred_at").to_pylist())
    assert {q.row_number for q in other.quarantined()} == {4, 6, 7, 8}  # line numbers: the header is line 1


@pytest.mark.parametrize("unit", ["s", "ms", "ns"])
def test_usage_event_times_in_other_units_are_kept_to_the_microsecond_or_quarantined(
    lite_importer: Importer, tmp_path: Path, unit: str
) -> None:
    per_second = {"s": 1, "ms": 1_000, "ns": 1_000_000_000}[unit]
    start = 1_767_225_600  # 2026-01-01 00:00:00 UTC
    counts = [start * per_second, start * per_second + (1_501 if unit == "ns" else 1)]
    if unit != "ns":  # nanoseconds since 1970 in 64 bits reach from 1677 to 2262 only
        counts.append(-70_000_000_000 * per_second)  # about the year -250
        counts.append(2**53)  # as microseconds, beyond 64 bits (Parquet keeps seconds as milliseconds)
    table = pa.table(
        {
            "user_id": [f"u{i}" for i in range(len(counts))],
            "account_id": ["a"] * len(counts),
            "event": ["open"] * len(counts),
            "timestamp": pa.array(counts, pa.timestamp(unit, tz="UTC")),
        }
    )
    parquet = tmp_path / "events.parquet"
    pq.write_table(table, parquet)
    report = lite_importer(parquet, "usage_events")
    counts_add_up(report)
    assert report.reader == "columns"
    assert report.counts.new_count == 2
    reasons = {q.row_number: q.reason for q in lite_importer.quarantined()}
    assert reasons == dict.fromkeys(range(3, len(counts) + 1), "timestamp: is outside the years 1–9999")
    stored = pa.concat_tables(
        [pq.read_table(p) for p in sorted((lite_importer.data_dir / "workspaces").glob("*/events/*.parquet"))]
    )
    micros = sorted(stored.column("occurred_at").cast(pa.int64()).to_pylist())
    second = {"s": 1_000_000, "ms": 1_000, "ns": 1}[unit]  # nanoseconds: 1,501 ns is 1 µs
    assert micros == [start * 1_000_000, start * 1_000_000 + second]


def test_detect_says_which_fields_it_could_not_find(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("ref,colour\n1,red\n2,blue\n", encoding="utf-8")
    proposal = detect.propose(path)
    assert proposal.preset is None
    assert "# needed before importing: no column looks like text; name the one that holds it under fields.text" in (
        proposal.text
    )
    assert "no column looks like occurred_at" in proposal.text
    assert "TODO" not in proposal.text
