"""``grounded metric rollup`` and the rollups in ``metric compute``: imports keep them up to
date, compute says when it answered from them, and the numbers are the events' numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.cli.test_metric import SPECS, _spec, with_events

__all__ = ["with_events"]  # the fixture, shared with test_metric


def _import(cli: Invoke, folder: Path, rows: list[tuple[str, ...]], name: str) -> str:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "account_id", "event", "timestamp", "properties"])
        writer.writerows(rows)
    return cli("import", "--preset", "usage_events", str(path)).stdout


def test_compute_answers_from_the_rollup_the_import_kept(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    opens = with_events("metric", "compute", "weekly_opens", "--json").json()
    assert opens["answered_from"] == "rollup account_day_events"
    assert "answered from the activity rollup account_day_events" in opens["notes"]
    raw = with_events("metric", "compute", "weekly_opens", "--no-rollup", "--json").json()
    assert raw["answered_from"] == "events"
    assert opens["values"] == raw["values"]
    assert [v["value"] for v in opens["values"]] == [2.0, 2.0]
    failures = with_events("metric", "compute", "save_failures", "--json").json()
    assert failures["answered_from"] == "events"
    assert any("not the rollup: a failure_rate metric" in note for note in failures["notes"])
    back = with_events("metric", "compute", "back_next_week", "--json").json()
    assert back["answered_from"] == "rollup user_firsts+user_week_events"  # each user's first, then weeks
    assert (
        back["values"] == with_events("metric", "compute", "back_next_week", "--no-rollup", "--json").json()["values"]
    )
    shown = " ".join(with_events("metric", "compute", "back_next_week").stdout.split())
    assert "answered from the activity rollup user_firsts" in shown  # the table's footnote


def test_late_events_reach_the_rollup_at_import(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    out = _import(with_events, tmp_path, [("u9", "B", "open", "2026-01-06T08:00:00Z", "{}")], "late.csv")
    assert "activity rollup updated: 1 day(s) recomputed" in out
    opens = with_events("metric", "compute", "weekly_opens", "--json").json()
    assert opens["answered_from"] == "rollup account_day_events"
    assert [v["value"] for v in opens["values"]] == [3.0, 2.0]


def test_the_rollup_command_updates_and_rebuilds(with_events: Invoke) -> None:
    update = with_events("metric", "rollup", "--json").json()
    assert (update["new_parts"], update["days_recomputed"], update["rebuilt"]) == (0, 0, False)
    rebuilt = with_events("metric", "rollup", "--rebuild", "--json").json()
    assert rebuilt["rebuilt"] is True
    assert rebuilt["days_recomputed"] == 4  # the events are on 01-05, 01-06, 01-13 and 01-14
    assert rebuilt["rows"] == {
        "user_days": 4,
        "user_day_events": 6,
        "account_days": 4,
        "account_day_events": 6,
        "user_firsts": 5,
        "user_week_events": 6,
        "user_weeks": 4,
        "user_months": 3,
        "day_users": 4,
    }
    # user days: u1 on 05, u2 on 06, u3 on 13, u1 on 14; with event names: u1 and u2 also save.
    # Firsts: u1 and u2 open and save, u3 opens. Weeks: u1 and u2 open and save in the first,
    # u3 and u1 open in the second (4 user-weeks, 6 with names); January: u1, u2, u3.
    shown = " ".join(with_events("metric", "rollup").stdout.split())
    assert "user_day_events" in shown
    assert "0 day(s) recomputed" in shown


def test_a_warehouse_source_is_not_rolled_up(ready: Invoke) -> None:
    ready("metric", "source", "add", "warehouse", "--kind", "ibis", "--location", "duckdb:///nowhere.duckdb")
    refused = ready("metric", "rollup", "--source", "warehouse", ok=False)
    assert refused.exit_code != 0
    assert "rollups are kept for Parquet and CSV event sources" in refused.stderr + refused.stdout


def test_without_events_there_is_nothing_to_roll_up(ready: Invoke) -> None:
    refused = ready("metric", "rollup", ok=False)
    assert "no event source to roll up" in refused.stderr + refused.stdout


def test_an_event_on_the_last_day_of_the_calendar_is_rolled_up(ready: Invoke, tmp_path: Path) -> None:
    """An outlying event on 9999-12-31 (the last day Python's dates hold) crashed the import's
    rollup update ("unexpected OverflowError"); removing a file whose events ran from 2026 to
    it walked three million days. Both now work, and the rollup keeps what the files hold."""
    far = ("u9", "A", "open", "9999-12-31T23:00:00Z", "{}")
    out = _import(ready, tmp_path, [("u1", "A", "open", "2026-01-05T09:00:00Z", "{}"), far], "far.csv")
    assert "activity rollup updated: 2 day(s) recomputed" in out
    _import(ready, tmp_path, [("u2", "A", "open", "2026-01-06T09:00:00Z", "{}")], "next.csv")
    (first,) = (tmp_path / "data").glob("**/events/*SRC-1-*.parquet")
    first.unlink()
    update = ready("metric", "rollup", "--json").json()
    assert (update["removed_parts"], update["days_recomputed"]) == (1, 3)  # 01-05, 01-06 and 9999-12-31
    assert update["rows"]["user_days"] == 1  # u2 on 01-06 is what is left
    assert update["rows"]["user_weeks"] == update["rows"]["user_months"] == 1
    rebuilt = ready("metric", "rollup", "--rebuild", "--json").json()
    assert rebuilt["rows"] == update["rows"]
