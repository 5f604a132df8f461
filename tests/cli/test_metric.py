"""``grounded metric``: specs from YAML, checked against the events; computed, charted and
compiled to SQL; each bad input answered with the file, the line and the fix."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke

EVENTS = [
    # user, account, event, timestamp, properties
    ("u1", "A", "open", "2026-01-05T09:00:00Z", "{}"),
    ("u1", "A", "save", "2026-01-05T09:30:00Z", '{"status": "ok"}'),
    ("u2", "A", "open", "2026-01-06T10:00:00Z", "{}"),
    ("u2", "A", "save", "2026-01-06T10:00:05Z", '{"status": "failed"}'),
    ("u3", "B", "open", "2026-01-13T10:00:00Z", "{}"),
    ("u1", "A", "open", "2026-01-14T10:00:00Z", "{}"),
]

SPECS = """\
metrics:
  - key: weekly_opens
    name: Weekly opens
    kind: count
    event: open
    period: week
  - key: weekly_users
    name: Weekly users
    kind: unique
    events: [open, save]
  - key: opens_per_user
    name: Opens per user
    kind: derived
    expression: weekly_opens / weekly_users
  - key: save_failures
    name: Save failures
    kind: failure_rate
    unit: "%"
    attempts: save
    failures: {event: save, where: {properties.status: failed}}
  - key: open_to_save
    name: Open to save
    kind: funnel
    unit: "%"
    steps: [open, save]
    window: 1h
  - key: back_next_week
    name: Back the next week
    kind: retention
    unit: "%"
    start: open
    return: open
    periods: 1
"""


@pytest.fixture
def with_events(ready: Invoke, tmp_path: Path) -> Invoke:
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "account_id", "event", "timestamp", "properties"])
        writer.writerows(EVENTS)
    ready("import", "--preset", "usage_events", str(path))
    return ready


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_define_compute_and_keep_values(with_events: Invoke, tmp_path: Path) -> None:
    defined = with_events("metric", "define", str(_spec(tmp_path, SPECS)), "--json").json()
    assert [m["status"] for m in defined["metrics"]] == ["created"] * 6
    opens = with_events("metric", "compute", "weekly_opens", "--json").json()
    assert opens["engine"] == "duckdb"
    assert (opens["since"], opens["until"]) == ("2026-01-05", "2026-01-15")
    assert [(v["period_start"], v["value"]) for v in opens["values"]] == [("2026-01-05", 2.0), ("2026-01-12", 2.0)]
    # 2 opens by 2 users, then 2 opens by 2 users
    ratio = with_events("metric", "compute", "opens_per_user", "--json").json()
    assert [v["value"] for v in ratio["values"]] == [1.0, 1.0]
    failures = with_events("metric", "compute", "save_failures", "--json").json()
    assert failures["values"][0]["value"] == 50.0
    funnel = with_events("metric", "compute", "open_to_save", "--detail", "--json").json()
    steps = [(v["detail"].get("step"), v["sample_size"]) for v in funnel["values"] if v["period_start"] == "2026-01-05"]
    assert steps == [(None, 2), (1, 2), (2, 2)]
    shown = with_events("metric", "show", "weekly_opens", "--json").json()
    assert shown["version"] == 1


def test_values_are_stored_and_replaced_not_duplicated(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    with_events("metric", "compute", "weekly_opens")
    with_events("metric", "compute", "weekly_opens")
    values = with_events("metric", "values", "weekly_opens", "--json").json()
    assert [(v["period_start"], v["value"], v["engine"]) for v in values["items"]] == [
        ("2026-01-05", 2.0, "duckdb"),
        ("2026-01-12", 2.0, "duckdb"),
    ]


def test_a_changed_definition_is_a_new_version(with_events: Invoke, tmp_path: Path) -> None:
    path = _spec(tmp_path, "key: opens\nname: Opens\nkind: count\nevent: open\n")
    with_events("metric", "define", str(path))
    path.write_text("key: opens\nname: Opens\nkind: count\nevent: open\nperiod: day\n", encoding="utf-8")
    again = with_events("metric", "define", str(path), "--json").json()
    assert (again["metrics"][0]["status"], again["metrics"][0]["version"]) == ("new version", 2)
    path.write_text("key: opens\nname: Opens, renamed\nkind: count\nevent: open\nperiod: day\n", encoding="utf-8")
    renamed = with_events("metric", "define", str(path), "--json").json()
    assert (renamed["metrics"][0]["status"], renamed["metrics"][0]["version"]) == ("updated", 2)


def test_a_dry_run_changes_nothing(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)), "--dry-run")
    assert with_events("metric", "list", "--json").json()["total"] == 0


def test_sql_for_each_dialect(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    clickhouse = with_events("metric", "sql", "save_failures", "--dialect", "clickhouse").stdout
    assert "JSONExtractRaw" in clickhouse
    spark = with_events("metric", "sql", "save_failures", "--dialect", "pyspark").stdout
    assert "get_json_object" in spark.lower()
    refused = with_events("metric", "sql", "opens_per_user", ok=False)
    assert refused.exit_code == 4
    assert "derived metric; it has no event SQL" in refused.stderr
    unknown = with_events("metric", "sql", "weekly_opens", "--dialect", "oracle", ok=False)
    assert "'oracle' is not one of: duckdb, clickhouse" in unknown.stderr


def test_chart_files(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    svg = tmp_path / "opens.svg"
    with_events("metric", "chart", "weekly_opens", "--out", str(svg))
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    png = tmp_path / "retention.png"
    with_events("metric", "chart", "back_next_week", "--out", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    refused = with_events("metric", "chart", "weekly_opens", "--out", str(tmp_path / "opens.gif"), ok=False)
    assert "write a chart as .svg or .png" in refused.stderr
    assert not (tmp_path / "opens.gif").exists()


def test_a_chart_that_cannot_be_written_keeps_nothing(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    missing = tmp_path / "no" / "such" / "c.svg"
    run = with_events("metric", "chart", "weekly_opens", "--out", str(missing), ok=False)
    assert run.exit_code == 4
    assert f"cannot write {missing}: the folder {missing.parent} does not exist" in run.stderr.replace("\n", "")
    assert not (tmp_path / "no").exists()
    taken = tmp_path / "taken.svg"
    taken.mkdir()  # a folder where the file should go: found only when writing, after computing
    run = with_events("metric", "chart", "weekly_opens", "--out", str(taken), ok=False)
    assert run.exit_code == 4
    assert f"out: cannot write {taken}:" in run.stderr.replace("\n", "")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("taken")) == ["taken.svg"]
    assert with_events("metric", "values", "weekly_opens", "--json").json()["items"] == []
    with_events("metric", "chart", "weekly_opens", "--out", str(tmp_path / "ok.svg"))  # a chart does keep them
    assert with_events("metric", "values", "weekly_opens", "--json").json()["items"] != []


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key: m_a\nname: A\nkind: count\nevent: open\nperiod: fortnight\n", "spec.yaml line 5: period"),
        (
            "key: m_a\nname: A\nkind: funnel\nsteps: [open]\nwindow: 1d\n",
            "line 4: steps a funnel needs at least two steps (got 1)",
        ),
        (
            "key: m_a\nname: A\nkind: funnel\nsteps: [open, save]\nwindow: 0d\n",
            "line 5: window window must be above zero (got '0d')",
        ),
        (
            "key: m_a\nname: A\nkind: funnel\nsteps: [open, save]\nwindow: -3d\n",
            "window must be above zero (got '-3d')",
        ),
        (
            "key: m_a\nname: A\nkind: funnel\nsteps: [open, save]\nwindow: 999999999d\n",
            "spec.yaml line 5: window window must be at most 3650d (ten years) (got '999999999d')",
        ),
        (
            "key: m_a\nname: A\nkind: funnel\nsteps: [open, save]\nwindow: 3651d\n",
            "line 5: window window must be at most 3650d (ten years) (got '3651d')",
        ),
        (
            "key: m_a\nname: A\nkind: time_to_complete\nstart: open\nfinish: save\nwindow: 522w\n",
            "line 6: window window must be at most 3650d (ten years) (got '522w')",
        ),
        (
            "key: m_a\nname: A\nkind: funnel\nsteps: [open, save]\nwindow: " + "9" * 5000 + "min\n",
            "line 5: window window must be at most 3650d (ten years)",
        ),
        ("key: m_a\nname: A\nkind: retention\nstart: open\nperiods: 4\n", "a retention needs a return event"),
        ("key: m_a\nname: A\nkind: count\nevent: open\ncolour: blue\n", "line 5: colour is not a field of this kind"),
        ("key: m_a\nname: A\nkind: sum\n", "line 3: kind 'sum' is not one of: count, unique"),
        ("key: m_a\nname: A\nkind: {x: 1}\nevent: open\n", "line 3: kind is a mapping, not one of: count, unique"),
        ("key: m_a\nname: A\nkind: [count]\nevent: open\n", "line 3: kind is a list, not one of: count, unique"),
        ("key: m_a\nname: A\nkind: count\n", "events is required for this kind"),
        ("key: m_a\nname: A\nkind: count\nevent: open\nwhere: {colour: red}\n", "name an event property as properties"),
        ("key: m_a\nname: A\nkind: derived\nexpression: __import__('os')\n", "only + - * /"),
        ("key: m_a\nname: A\nkind: count\nevent: [open\n", "not valid YAML"),
        (
            "key: m_a\nname: A\nkind: count\nevent: open\nperiod: week\nevent: save\n",
            "spec.yaml line 6: key 'event' is given twice (lines 4 and 6); keep one",
        ),
        (
            "key: m_a\nname: A\nkind: count\nevent: open\nwhere: {a: 1, a: 2}\n",
            "key 'a' is given twice (both on line 5)",
        ),
        ("", "the file is empty"),
        ("key: Weekly Opens\nname: A\nkind: count\nevent: open\n", "line 1: key 'Weekly Opens' is not a metric key"),
        ("key: m_a\nname: A\nkind: stickiness\nperiod: day\n", "use period week or month"),
        (
            "key: m_a\nname: A\nkind: retention\nstart: a\nreturn: a\nperiods: 2\nclock: rolling\nperiod: month\n",
            "fixed length",
        ),
    ],
)
def test_a_bad_spec_names_the_line_and_the_fix(ready: Invoke, tmp_path: Path, text: str, message: str) -> None:
    run = ready("metric", "define", str(_spec(tmp_path, text)), ok=False)
    assert run.exit_code == 4
    assert message in run.stderr.replace("\n", " ")
    assert ready("metric", "list", "--json").json()["total"] == 0


def test_a_spec_that_expands_too_far_or_nests_too_deep_is_refused(ready: Invoke, tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    bomb = "\n".join(lines) + "\nkey: m_a\nname: A\nkind: count\nevent: open\n"
    deep = "key: m_a\nname: A\nkind: count\nevent: open\ndescription: " + "[" * 3000 + "]" * 3000 + "\n"
    for text, message in [
        (bomb, "spec.yaml: more than 100,000 values once its aliases (*name) are expanded"),
        (deep, "spec.yaml line 5: nested more than 100 levels deep"),
    ]:
        run = ready("metric", "define", str(_spec(tmp_path, text)), ok=False)
        assert run.exit_code == 4, run.stderr
        assert message in run.stderr.replace("\n", " "), run.stderr
    assert ready("metric", "list", "--json").json()["total"] == 0


def test_a_typo_in_an_event_name_points_at_its_line(with_events: Invoke, tmp_path: Path) -> None:
    text = "key: m_a\nname: A\nkind: funnel\nsteps:\n  - open\n  - svae\nwindow: 1d\n"
    run = with_events("metric", "define", str(_spec(tmp_path, text)), ok=False)
    assert run.exit_code == 4
    assert "spec.yaml line 6: event 'svae' is not in the event store; did you mean 'save'?" in run.stderr.replace(
        "\n", " "
    )
    assert with_events("metric", "list", "--json").json()["total"] == 0


def test_an_unknown_property_is_refused(with_events: Invoke, tmp_path: Path) -> None:
    text = "key: m_a\nname: A\nkind: count\nevent: save\nwhere:\n  properties.state: failed\n"
    run = with_events("metric", "define", str(_spec(tmp_path, text)), ok=False)
    assert "line 6: property 'state' is on none of the events read; did you mean 'status'?" in run.stderr.replace(
        "\n", " "
    )


def test_a_derived_metric_naming_an_unknown_metric_is_refused(ready: Invoke, tmp_path: Path) -> None:
    text = "key: m_a\nname: A\nkind: derived\nexpression: 100 - nothing_here\n"
    run = ready("metric", "define", str(_spec(tmp_path, text)), ok=False)
    assert "metric 'nothing_here' is not in the catalogue or among the specs given" in run.stderr.replace("\n", " ")


def test_a_metric_that_refers_to_itself_is_refused_at_define(ready: Invoke, tmp_path: Path) -> None:
    base = "key: opens\nname: Opens\nkind: count\nevent: open\n"
    ready("metric", "define", str(_spec(tmp_path, base, "base.yaml")), "--no-check")
    pair = (
        "metrics:\n"
        "  - {key: ra, name: A, kind: ratio, numerator: rb, denominator: opens}\n"
        "  - {key: rb, name: B, kind: ratio, numerator: ra, denominator: opens}\n"
    )
    cases = [
        (
            "key: rs\nname: R\nkind: ratio\nnumerator: rs\ndenominator: opens\n",
            "self.yaml:1: metric rs refers to itself through rs → rs",
        ),
        (pair, "self.yaml:2: metric ra refers to itself through ra → rb → ra"),
        (
            "key: ds\nname: D\nkind: derived\nexpression: ds + 1\n",
            "self.yaml:1: metric ds refers to itself through ds → ds",
        ),
    ]
    for text, message in cases:
        run = ready("metric", "define", str(_spec(tmp_path, text, "self.yaml")), "--no-check", ok=False)
        assert run.exit_code == 4, run.stderr
        assert message in run.stderr.replace("\n", " "), run.stderr
    assert [m["key"] for m in ready("metric", "list", "--json").json()["items"]] == ["opens"]
    # through the catalogue: twice is defined on opens; redefining opens on twice closes a loop
    ready("metric", "define", str(_spec(tmp_path, "key: twice\nname: T\nkind: derived\nexpression: 2 * opens\n")))
    loop = "key: opens\nname: Opens\nkind: derived\nexpression: twice / 2\n"
    run = ready("metric", "define", str(_spec(tmp_path, loop, "loop.yaml")), ok=False)
    assert "loop.yaml:1: metric opens refers to itself through opens → twice → opens" in run.stderr.replace("\n", " ")
    assert ready("metric", "show", "opens", "--json").json()["kind"] == "count"


def test_a_derived_metric_may_name_any_metric_in_a_large_catalogue(ready: Invoke, tmp_path: Path) -> None:
    # more metrics than one page of the catalogue (50): the last one must still be found
    many = "metrics:\n" + "".join(f"  - {{key: m_{i:02d}, name: M{i}, kind: count, event: open}}\n" for i in range(60))
    ready("metric", "define", str(_spec(tmp_path, many, "many.yaml")), "--no-check")
    text = "key: twice_last\nname: Twice the last\nkind: derived\nexpression: 2 * m_59\n"
    defined = ready("metric", "define", str(_spec(tmp_path, text)), "--json").json()
    assert defined["metrics"][0]["status"] == "created"


def test_computing_without_events_says_how_to_get_them(ready: Invoke, tmp_path: Path) -> None:
    ready("metric", "define", str(_spec(tmp_path, SPECS)))  # no events yet: names not checked
    run = ready("metric", "compute", "weekly_opens", ok=False)
    assert run.exit_code == 4
    assert "no event source; import usage events with: grounded import --preset usage_events" in run.stderr.replace(
        "\n", " "
    )


def test_an_event_store_with_the_wrong_columns(ready: Invoke, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ready("metric", "define", str(_spec(tmp_path, SPECS)))
    store = tmp_path / "store"
    store.mkdir()
    pq.write_table(pa.table({"who": ["u1"], "what": ["open"]}), store / "part.parquet")
    ready("metric", "source", "add", "wrong", "--kind", "parquet", "--location", str(store / "*.parquet"), "--default")
    run = ready("metric", "compute", "weekly_opens", ok=False)
    assert run.exit_code == 4
    flat = run.stderr.replace("\n", " ")
    assert "lack the columns user_id (from 'user_id'), event (from 'event'), occurred_at (from 'occurred_at')" in flat
    assert "they have: who, what" in flat


def test_an_engine_that_cannot_connect_stores_nothing(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    run = with_events(
        "metric", "compute", "weekly_opens", "--engine", "clickhouse://nobody:secret@127.0.0.1:1/none", ok=False
    )
    assert run.exit_code == 4
    flat = run.stderr.replace("\n", " ")
    assert "cannot connect to clickhouse://nobody:***@127.0.0.1:1/none" in flat
    assert "secret" not in flat
    values = with_events("metric", "values", "weekly_opens", "--json").json()
    assert values["items"] == []


def test_until_before_since_is_refused(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    run = with_events("metric", "compute", "weekly_opens", "--since", "2026-02-01", "--until", "2026-01-01", ok=False)
    assert "--until (2026-01-01) must be after --since (2026-02-01)" in run.stderr.replace("\n", " ")
    bad = with_events("metric", "compute", "weekly_opens", "--since", "yesterday", ok=False)
    assert "'yesterday' is not a date" in bad.stderr


def test_a_range_too_far_out_is_refused_up_front(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    too_late = "--until 9999-12-31 is too far out: the latest day accepted is 2999-12-31"
    cases = [
        (("compute", "weekly_opens", "--until", "9999-12-31"), too_late),
        (("compute", "weekly_opens", "--until", "9999-12-31", "--no-rollup"), too_late),
        (("sql", "weekly_opens", "--until", "9999-12-31"), too_late),
        (("chart", "weekly_opens", "--until", "9999-12-31", "--out", str(tmp_path / "c.svg")), too_late),
        (
            ("compute", "open_to_save", "--since", "0001-01-01", "--until", "2026-02-01"),
            "--since 0001-01-01 is out of range: give a day from 1900-01-01 to 2999-12-31",
        ),
    ]
    for args, message in cases:
        run = with_events("metric", *args, ok=False)
        assert run.exit_code == 4, run.stderr
        assert message in run.stderr.replace("\n", " "), run.stderr
    assert not (tmp_path / "c.svg").exists()
    assert with_events("metric", "values", "weekly_opens", "--json").json()["items"] == []
    assert with_events("metric", "values", "open_to_save", "--json").json()["items"] == []


def _events_with(ready: Invoke, tmp_path: Path, *extra: tuple[str, str, str, str, str]) -> Invoke:
    path = tmp_path / "outlying.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "account_id", "event", "timestamp", "properties"])
        writer.writerows([*EVENTS, *extra])
    ready("import", "--preset", "usage_events", str(path))
    ready("metric", "define", str(_spec(tmp_path, SPECS)))
    return ready


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (
            "2900-01-01T00:00:00Z",
            "from 2026-01-05 to 2900-01-01 (the range taken from the events) is 45,603 weeks, more than the "
            "36,525 a metric is computed over at once; an outlying timestamp? Give --since and --until",
        ),
        (
            "9999-12-31T23:00:00Z",
            "the events run from 2026-01-05 09:00:00+00:00 to 9999-12-31 23:00:00+00:00, outside the days a "
            "metric is computed over (1900-01-01 to 2999-12-31): give --since and --until",
        ),
        (
            "1800-06-01T00:00:00Z",
            "the events run from 1800-06-01 to 2026-01-14, outside the days a metric is computed over "
            "(1900-01-01 to 2999-12-31): give --since and --until",
        ),
    ],
)
def test_an_outlying_event_does_not_stretch_the_range_taken_from_the_events(
    ready: Invoke, tmp_path: Path, moment: str, message: str
) -> None:
    """A year-2900 event made a daily series of 320,000 periods (31 s, 1.6 GB); year 9999 or
    year 1 answered "OverflowError: date value out of range". Now each is refused, saying why,
    and --since/--until compute the rest."""
    run = _events_with(ready, tmp_path, ("u9", "A", "open", moment, "{}"))
    refused = run("metric", "compute", "weekly_opens", ok=False)
    assert refused.exit_code == 4
    assert message in refused.stderr.replace("\n", " "), refused.stderr
    assert run("metric", "values", "weekly_opens", "--json").json()["items"] == []
    chosen = run("metric", "compute", "weekly_opens", "--since", "2026-01-05", "--until", "2026-01-19", "--json")
    assert [v["sample_size"] for v in chosen.json()["values"]] == [2, 2]


@pytest.mark.parametrize(
    ("micros", "what"),
    [(631_139_040_000_000_000, "year 22000"), (2**63 - 1, "'infinity'")],
)
def test_a_moment_python_cannot_hold_is_refused_and_left_out_of_the_rollup(
    ready: Invoke, tmp_path: Path, micros: int, what: str
) -> None:
    """A Parquet file written by another tool can hold moments past year 9999 (DuckDB's
    'infinity' among them): the range taken from the events said "unexpected OverflowError",
    and the rollup update failed on them. Now the range is refused with the fix, and a range
    given by hand, with or without the rollup, counts the other events."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = [1_767_603_600_000_000, 1_767_693_600_000_000, micros]  # 2026-01-05 09:00, 2026-01-06 10:00
    table = pa.table(
        {
            "occurred_at": pa.array(stamps, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "user_id": ["u1", "u2", "u3"],
            "account_id": ["A", "A", "B"],
            "event": ["open", "open", "open"],
            "properties": ["{}", "{}", "{}"],
        }
    )
    store = tmp_path / "store"
    store.mkdir()
    pq.write_table(table, store / "part.parquet")
    ready("metric", "source", "add", "far", "--kind", "parquet", "--location", str(store / "*.parquet"), "--default")
    ready("metric", "define", str(_spec(tmp_path, "key: weekly_opens\nname: Weekly opens\nkind: count\nevent: open\n")))
    refused = ready("metric", "compute", "weekly_opens", "--no-rollup", ok=False)
    assert refused.exit_code == 4, what
    assert "the events hold a moment past year 9999 (or 'infinity')" in refused.stderr.replace("\n", " ")
    assert ready("metric", "rollup", "--json").json()["days_recomputed"] == 2  # the two days in 2026
    for rollup in ((), ("--no-rollup",)):
        chosen = ready(
            "metric", "compute", "weekly_opens", "--since", "2026-01-05", "--until", "2026-01-12", *rollup, "--json"
        )
        assert [v["sample_size"] for v in chosen.json()["values"]] == [2]


def test_a_range_of_too_many_periods_is_refused(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    daily = "key: daily_opens\nname: Daily opens\nkind: count\nevent: open\nperiod: day\n"
    with_events("metric", "define", str(_spec(tmp_path, daily, "daily.yaml")))
    run = with_events("metric", "compute", "daily_opens", "--since", "1900-01-01", "--until", "2026-01-01", ok=False)
    assert (
        "--since 1900-01-01 --until 2026-01-01 is 46,021 days, more than the 36,525 a metric is computed over "
        "at once: narrow the range or use a longer period"
    ) in run.stderr.replace("\n", " ")
    weekly = with_events("metric", "compute", "weekly_opens", "--since", "1900-01-01", "--until", "2026-01-19")
    assert weekly.exit_code == 0


def test_specs_from_a_folder_and_duplicate_keys(ready: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    _spec(folder, "key: m_a\nname: A\nkind: count\nevent: open\n", "a.yaml")
    _spec(folder, "key: m_a\nname: A again\nkind: count\nevent: save\n", "b.yml")
    run = ready("metric", "define", str(folder), ok=False)
    assert "metric 'm_a' is also defined at" in run.stderr.replace("\n", " ")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no .yaml or .yml files" in ready("metric", "define", str(empty), ok=False).stderr
    assert "no such file or folder" in ready("metric", "define", str(tmp_path / "nope.yaml"), ok=False).stderr


def test_the_json_output_is_json(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    run = with_events("metric", "compute", "back_next_week", "--detail", "--until", "2026-01-19", "--json")
    body = json.loads(run.stdout)
    cohort = [v for v in body["values"] if v["period_start"] == "2026-01-05"]
    # u1 and u2 start in week 1; u1 is back in week 2: 50 %. Week 2 has passed by 01-19.
    assert [(v["detail"].get("period"), v["value"]) for v in cohort] == [(None, 50.0), (0, 100.0), (1, 50.0)]


def test_a_value_that_is_not_a_finite_number_is_no_value(with_events: Invoke, tmp_path: Path) -> None:
    text = "key: huge\nname: Huge\nkind: derived\nexpression: weekly_opens * 1e999\nperiod: week\n"
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    with_events("metric", "define", str(_spec(tmp_path, text, "huge.yaml")))
    run = with_events("metric", "compute", "huge", "--until", "2026-01-19", "--json")

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    body = json.loads(run.stdout, parse_constant=refuse)
    assert [(v["period_start"], v["value"]) for v in body["values"]] == [("2026-01-05", None), ("2026-01-12", None)]
    note = "huge is not a finite number for the period(s) starting 2026-01-05, 2026-01-12: kept as no value"
    assert note in body["notes"]
    human = with_events("metric", "compute", "huge", "--until", "2026-01-19")
    assert "is not a finite number" in " ".join(human.stdout.split())
    kept = with_events("metric", "values", "huge", "--json").json()["items"]
    assert [v["value"] for v in kept] == [None, None]


def test_a_spec_file_that_is_not_utf8(ready: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    # "key: m_a\n" is 9 bytes, "name: Caf" 9 more: the é is byte 18
    path.write_bytes("key: m_a\nname: Caf\xe9\nkind: count\nevent: open\n".encode("latin-1"))
    run = ready("metric", "define", str(path), ok=False)
    assert run.exit_code == 4
    assert "latin.yaml: not UTF-8 text (byte 18); save it as UTF-8" in run.stderr.replace("\n", " ")


def test_event_times_stored_as_text_are_refused(ready: Invoke, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ready("metric", "define", str(_spec(tmp_path, SPECS)))
    pq.write_table(
        pa.table({"user_id": ["u1"], "event": ["open"], "occurred_at": ["2026-01-05 09:00"]}), tmp_path / "e.parquet"
    )
    ready(
        "metric", "source", "add", "texty", "--kind", "parquet", "--location", str(tmp_path / "e.parquet"), "--default"
    )
    run = ready("metric", "compute", "weekly_opens", ok=False)
    assert "column 'occurred_at' is string, not a timestamp" in run.stderr.replace("\n", " ")


def test_bad_engine_and_source_arguments(with_events: Invoke, tmp_path: Path) -> None:
    with_events("metric", "define", str(_spec(tmp_path, SPECS)))
    engine = with_events("metric", "compute", "weekly_opens", "--engine", "oracle", ok=False)
    assert "engine 'oracle' is not one of: duckdb, chdb, spark, or an Ibis connection URL" in engine.stderr.replace(
        "\n", " "
    )
    both = with_events(
        "metric", "compute", "weekly_opens", "--engine", "duckdb:///x.db", "--source", "product-events", ok=False
    )
    assert "give --engine URL or --source, not both" in both.stderr.replace("\n", " ")
    mapping = with_events(
        "metric",
        "source",
        "add",
        "w",
        "--kind",
        "ibis",
        "--location",
        "duckdb:///x.db",
        "--column",
        "colour=c",
        ok=False,
    )
    assert "cannot map colour; map: user, account, event, timestamp, properties" in mapping.stderr.replace("\n", " ")
    missing = with_events("metric", "compute", "no_such_metric", ok=False)
    assert missing.exit_code == 3


ROLLING_RETENTION = """\
key: back_within_a_week
name: Back within a week
kind: retention
start: open
return: open
clock: rolling
periods: 1
backends: [duckdb, oracle]
"""


def test_a_backend_that_cannot_express_a_metric_refuses_it_when_defined(ready: Invoke, tmp_path: Path) -> None:
    # A rolling clock measures seconds between moments (ExtractEpochSeconds), which Ibis
    # cannot compile for Oracle; weekly periods truncate to weeks, which it cannot for MySQL.
    path = _spec(tmp_path, ROLLING_RETENTION)
    refused = ready("metric", "define", str(path), "--no-check", ok=False)
    assert refused.exit_code != 0
    message = " ".join((refused.stderr + refused.stdout).split())
    assert f"{path} line 1: metric back_within_a_week cannot run on oracle" in message
    assert "its SQL needs ExtractEpochSeconds" in message
    assert "duckdb" not in message.split("cannot run on")[1].split(":")[0]
    assert ready("metric", "list", "--json").json()["total"] == 0  # nothing stored
    weekly = _spec(tmp_path, "key: opens\nname: Opens\nkind: count\nevent: open\n", "weekly.yaml")
    mysql = ready("metric", "define", str(weekly), "--no-check", "--backend", "mysql", ok=False)
    assert "metric opens cannot run on mysql: its SQL needs Unsupported truncate unit DateUnit.WEEK" in " ".join(
        (mysql.stderr + mysql.stdout).split()
    )
    ready("metric", "define", str(weekly), "--no-check", "--backend", "trino", "--backend", "bigquery")
    assert ready("metric", "list", "--json").json()["total"] == 1


def test_the_default_warehouse_is_checked_and_unknown_backends_are_named(ready: Invoke, tmp_path: Path) -> None:
    location = "oracle://analyst@db.internal/product"  # never connected to: the check compiles only
    ready("metric", "source", "add", "wh", "--kind", "ibis", "--location", location, "--default")
    path = _spec(tmp_path, ROLLING_RETENTION.replace("backends: [duckdb, oracle]\n", ""))
    refused = ready("metric", "define", str(path), "--no-check", ok=False)
    assert "metric back_within_a_week cannot run on oracle" in " ".join((refused.stderr + refused.stdout).split())
    unknown = ready("metric", "define", str(path), "--no-check", "--backend", "excel", ok=False)
    assert "backend 'excel' is not one of:" in unknown.stderr + unknown.stdout
    typo = _spec(tmp_path, "key: opens\nname: Opens\nkind: count\nevent: open\nbackends: [trino, snowflak]\n", "t.yaml")
    named = " ".join(ready("metric", "define", str(typo), "--no-check", ok=False).stderr.split())
    assert f"{typo} line 5: backends backend 'snowflak' is not one of:" in named


def test_days_in_a_time_zone_and_the_default_range_follow_it(with_events: Invoke, tmp_path: Path) -> None:
    late = tmp_path / "late.csv"
    late.write_text("user_id,account_id,event,timestamp,properties\nu4,B,open,2026-01-14T23:30:00Z,{}\n", "utf-8")
    with_events("import", "--preset", "usage_events", str(late))
    spec = "key: daily_opens\nname: Daily opens\nkind: count\nevent: open\nperiod: day\n"
    with_events("metric", "define", str(_spec(tmp_path, spec + "timezone: Europe/Berlin\n")))
    berlin = with_events("metric", "compute", "daily_opens", "--json").json()
    # 23:30 UTC on the 14th is 00:30 on the 15th in Berlin (+01:00 in January): a day of its own
    assert (berlin["since"], berlin["until"]) == ("2026-01-05", "2026-01-16")
    assert berlin["answered_from"] == "events"
    assert [v["value"] for v in berlin["values"]][-2:] == [1.0, 1.0]
    with_events("metric", "define", str(_spec(tmp_path, spec)))
    utc = with_events("metric", "compute", "daily_opens", "--json").json()
    assert utc["until"] == "2026-01-15"
    assert [v["value"] for v in utc["values"]][-1] == 2.0


def test_a_time_zone_that_does_not_exist_is_named_with_its_line(ready: Invoke, tmp_path: Path) -> None:
    path = _spec(tmp_path, "key: opens\nname: Opens\nkind: count\nevent: open\ntimezone: Europe/Berln\n")
    refused = " ".join(ready("metric", "define", str(path), "--no-check", ok=False).stderr.split())
    assert f"{path} line 5: timezone timezone 'Europe/Berln' is not a time zone name" in refused
    survey = _spec(tmp_path, "key: nps\nname: NPS\nkind: nps\ntimezone: Europe/Berlin\n", "nps.yaml")
    assert "survey answers are counted by UTC day" in ready("metric", "define", str(survey), ok=False).stderr
