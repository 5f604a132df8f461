"""A small event log whose metric values are worked out by hand, and the engines that
compute them: the same specs must give exactly these numbers on every engine.

The log (all times UTC unless written otherwise; weeks start on Monday 2026-01-05):

    #   user  account  event   when                     properties
    1   u1    A        open    Mon 01-05 09:00
    2   u1    A        save    Mon 01-05 09:30          status ok
    3   u1    A        open    Mon 01-12 10:00
    4   u1    A        export  Mon 01-19 08:00
    5   u2    A        open    Tue 01-06 23:59:59       (one second before midnight)
    6   u2    A        save    Wed 01-07 00:00:00       status failed
    7   u2    A        open    Sun 01-11 23:59:59       (the last second of week 1)
    8   u2    A        open    Mon 01-12 00:00:00       (the first second of week 2)
    9   u3    B        save    Thu 01-08 12:00          status ok (same moment as #10)
    10  u3    B        open    Thu 01-08 12:00
    11  u4    -        open    Tue 01-20 15:00          (no account)
    12  u5    B        open    Mon 01-12 01:00 +02:00   (= Sun 01-11 23:00 UTC: week 1)
    13  u5    B        share   Sun 01-11 23:30
    14  u3    B        open    Tue 01-20 09:00
    15  u1    A        share   Mon 01-05 09:10          (between u1's open and save)

Accounts: A is on plan pro, B on plan free. The range is [2026-01-05, 2026-01-26): three
weeks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pyarrow as pa

SINCE = date(2026, 1, 5)
UNTIL = date(2026, 1, 26)
WEEKS = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]


def _at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, second, tzinfo=UTC)


PLUS_TWO = timezone(timedelta(hours=2))
EVENTS = [
    ("u1", "A", "open", _at(5, 9), None),
    ("u1", "A", "save", _at(5, 9, 30), '{"status": "ok"}'),
    ("u1", "A", "open", _at(12, 10), None),
    ("u1", "A", "export", _at(19, 8), None),
    ("u2", "A", "open", _at(6, 23, 59, 59), None),
    ("u2", "A", "save", _at(7), '{"status": "failed"}'),
    ("u2", "A", "open", _at(11, 23, 59, 59), None),
    ("u2", "A", "open", _at(12), None),
    ("u3", "B", "save", _at(8, 12), '{"status": "ok"}'),
    ("u3", "B", "open", _at(8, 12), None),
    ("u4", None, "open", _at(20, 15), None),
    ("u5", "B", "open", datetime(2026, 1, 12, 1, 0, tzinfo=PLUS_TWO), None),
    ("u5", "B", "share", _at(11, 23, 30), None),
    ("u3", "B", "open", _at(20, 9), None),
    ("u1", "A", "share", _at(5, 9, 10), None),
]
ACCOUNTS = [
    {"external_id": "A", "name": "Acme", "plan": "pro", "segment": "mid", "region": "EMEA", "arr": 60_000},
    {"external_id": "B", "name": "Beta", "plan": "free", "segment": "smb", "region": "NA", "arr": None},
]


def table(rows: list[tuple[str, str | None, str, datetime, str | None]] | None = None) -> pa.Table:
    """The log (and the daylight saving time and month-end logs below, which no range of
    three January weeks reaches), or some of its rows."""
    rows = [*EVENTS, *DST_EVENTS, *MONTH_END_EVENTS] if rows is None else rows
    return pa.table(
        {
            "event_id": pa.array(range(1, len(rows) + 1), type=pa.int64()),
            "user_id": pa.array([e[0] for e in rows], type=pa.string()),
            "account_id": pa.array([e[1] for e in rows], type=pa.string()),
            "event": pa.array([e[2] for e in rows], type=pa.string()),
            "occurred_at": pa.array([e[3] for e in rows], type=pa.timestamp("us", tz="UTC")),
            "properties": pa.array([e[4] or "{}" for e in rows], type=pa.string()),
        }
    )


def spec(kind: str, **fields: object) -> dict[str, object]:
    return {"key": f"m_{kind}", "name": kind, "kind": kind, **fields}


#: (spec, expected headline values per period start, in order) with the working.
HEADLINES: list[tuple[str, dict[str, object], list[tuple[date, float | None]]]] = [
    (
        # open: #1 #5 #7 #10 #12 | #3 #8 | #11 #14
        "count of opens per week",
        spec("count", event="open"),
        [(WEEKS[0], 5.0), (WEEKS[1], 2.0), (WEEKS[2], 2.0)],
    ),
    (
        # saves with status ok: #2 #9, nothing later
        "count narrowed by a property",
        spec("count", event="save", where={"properties.status": "ok"}),
        [(WEEKS[0], 2.0), (WEEKS[1], 0.0), (WEEKS[2], 0.0)],
    ),
    (
        # u1 u2 u3 u5 | u1 u2 | u1 u3 u4
        "unique users of any event",
        spec("unique", events=["open", "save", "export", "share"]),
        [(WEEKS[0], 4.0), (WEEKS[1], 2.0), (WEEKS[2], 3.0)],
    ),
    (
        # A B | A | A B (u4 has no account and is not counted)
        "weekly active accounts",
        spec("active_users", of="account"),
        [(WEEKS[0], 2.0), (WEEKS[1], 1.0), (WEEKS[2], 2.0)],
    ),
    (
        # actives u1 u2 u3 u5, savers u1 u2 u3 | u1 u2, none | u1 u3 u4, none
        "adoption of saving among active users",
        spec("adoption", feature="save"),
        [(WEEKS[0], 75.0), (WEEKS[1], 0.0), (WEEKS[2], 0.0)],
    ),
    (
        # saves #2 #6 #9, failed #6 | no attempts: no value | none
        "failure rate of saves",
        spec("failure_rate", attempts="save", failures={"event": "save", "where": {"properties.status": "failed"}}),
        [(WEEKS[0], 100.0 / 3), (WEEKS[1], None), (WEEKS[2], None)],
    ),
    (
        # first open per user: u1 → save +30 min, u2 → save +1 s over midnight, u3 → save at
        # the same moment (counts), u5 no save: 3 of 4 | u4 and u3's second open: the
        # week's window runs past the range end, so no share yet
        "funnel open → save in a day, first touch",
        spec("funnel", steps=["open", "save"], window="1d"),
        [(WEEKS[0], 75.0), (WEEKS[2], None)],
    ),
    (
        # any open starts an attempt: week 1 as above; week 2 u1 and u2 open, nobody saves
        "funnel open → save, any attempt",
        spec("funnel", steps=["open", "save"], window="1d", entry="any"),
        [(WEEKS[0], 75.0), (WEEKS[1], 0.0), (WEEKS[2], None)],
    ),
    (
        # as the first-touch funnel, with only saves of status ok: u2's save failed, so u1
        # and u3 of the four (the same events feed both steps' flags, read once)
        "funnel to a step narrowed by a property",
        spec("funnel", steps=["open", {"event": "save", "where": {"properties.status": "ok"}}], window="1d"),
        [(WEEKS[0], 50.0), (WEEKS[2], None)],
    ),
    (
        # u1 shares between open and save (excluded); u5 shares inside its open window
        # without saving (excluded): u2 and u3 remain, both save
        "funnel with an exclusion step",
        spec("funnel", steps=["open", "save"], window="1d", exclude="share"),
        [(WEEKS[0], 100.0), (WEEKS[2], None)],
    ),
    (
        # open → save → export within 14 days: only u1 exports (day 14, 1 hour early)
        "three-step funnel",
        spec("funnel", steps=["open", "save", "export"], window="14d"),
        [(WEEKS[0], 25.0), (WEEKS[2], None)],
    ),
    (
        # active days: u1 1, u2 3, u3 1, u5 1 → 6 user-days / 7 days / 4 users
        # | u1 1, u2 1 → 2/7/2 | u1 u3 u4 1 each → 3/7/3
        "stickiness DAU/WAU",
        spec("stickiness", period="week"),
        [(WEEKS[0], 600.0 / 28), (WEEKS[1], 100.0 / 7), (WEEKS[2], 100.0 / 7)],
    ),
    (
        # cohort week 1 = u1 u2 u3 u5 (first opens); back in week 3 "on": u3 → 25 %;
        # cohort week 3 = u4: week 2 after it has not passed by the range end
        "retention, first-time cohorts, calendar weeks, on",
        spec("retention", start="open", periods=2, **{"return": "open"}),
        [(WEEKS[0], 25.0), (WEEKS[2], None)],
    ),
    (
        # u1 first seen 01-05 — the only save in the log is 1 s to 30 min after opening:
        # sorted 0 s (u3), 1 s (u2), 1800 s (u1): the median is the second
        "time to complete, median",
        spec("time_to_complete", start="open", finish="save", window="1d"),
        [(WEEKS[0], 1.0), (WEEKS[1], None), (WEEKS[2], None)],
    ),
]

#: (name, spec, {(period start, detail item): value}) for the detail rows.
DETAILS: list[tuple[str, dict[str, object], dict[tuple[date, tuple[str, object]], float | None]]] = [
    (
        # week 1 cohort, "on": p0 all 4, p1 u1 u2 (01-12), p2 u3 (01-20)
        "retention on, by period",
        spec("retention", start="open", periods=2, **{"return": "open"}),
        {
            (WEEKS[0], ("period", 0)): 100.0,
            (WEEKS[0], ("period", 1)): 50.0,
            (WEEKS[0], ("period", 2)): 25.0,
            (WEEKS[2], ("period", 0)): 100.0,
            (WEEKS[2], ("period", 1)): None,
        },
    ),
    (
        # "on or after": p1 counts u3 too (back in week 3, so back in week 2 or later)
        "retention on or after, by period",
        spec("retention", start="open", periods=2, mode="on_or_after", **{"return": "open"}),
        {
            (WEEKS[0], ("period", 0)): 100.0,
            (WEEKS[0], ("period", 1)): 75.0,
            (WEEKS[0], ("period", 2)): 25.0,
        },
    ),
    (
        # rolling weeks from each one's first open: u1 01-05 09:00 → 01-12 10:00 is 7 d
        # 1 h: period 1; u2's returns are all within 7 days: period 0; u3 01-08 12:00 →
        # 01-20 09:00 is 11 d 21 h: period 1. Period 2 needs a start on 01-11 plus three
        # weeks (02-01), past the range end: no value yet.
        "retention on a rolling clock",
        spec("retention", start="open", periods=2, clock="rolling", **{"return": "open"}),
        {
            (WEEKS[0], ("period", 0)): 100.0,
            (WEEKS[0], ("period", 1)): 50.0,
            (WEEKS[0], ("period", 2)): None,
        },
    ),
    (
        "three-step funnel, by step",
        spec("funnel", steps=["open", "save", "export"], window="14d"),
        {
            (WEEKS[0], ("step", 1)): 100.0,
            (WEEKS[0], ("step", 2)): 75.0,
            (WEEKS[0], ("step", 3)): 25.0,
        },
    ),
    (
        # nearest rank: p90 of 3 values is the ceil(2.7) = 3rd, 1800 s; 3 of 4 finished
        "time to complete, percentiles",
        spec("time_to_complete", start="open", finish="save", window="1d"),
        {
            (WEEKS[0], ("percentile", 50)): 1.0,
            (WEEKS[0], ("percentile", 90)): 1800.0,
            (WEEKS[0], ("completed_share", True)): 75.0,
            (WEEKS[1], ("completed_share", True)): 0.0,
        },
    ),
    (
        # week 1: three users active 1 day, u2 3 days
        "stickiness distribution",
        spec("stickiness", period="week"),
        {
            (WEEKS[0], ("active_days", 1)): 75.0,
            (WEEKS[0], ("active_days", 3)): 25.0,
            (WEEKS[0], ("active_days", 2)): 0.0,
            (WEEKS[1], ("active_days", 1)): 100.0,
        },
    ),
]

#: Rolling 7-day active users, day by day (see the active days of each user above:
#: u1 5 12 19, u2 6 7 11 12, u3 8 20, u4 20, u5 11).
ROLLING = {
    date(2026, 1, 5): 1,
    date(2026, 1, 6): 2,
    date(2026, 1, 7): 2,
    date(2026, 1, 8): 3,
    date(2026, 1, 10): 3,
    date(2026, 1, 11): 4,
    date(2026, 1, 14): 4,
    date(2026, 1, 15): 3,
    date(2026, 1, 17): 3,
    date(2026, 1, 18): 2,
    date(2026, 1, 19): 1,
    date(2026, 1, 20): 3,
    date(2026, 1, 25): 3,
}

#: Opens per week by the account's plan: pro #1 #5 #7 | #3 #8 | -, free #10 #12 | - | #14,
#: no account #11.
BY_PLAN = {
    ("pro", WEEKS[0]): 3.0,
    ("pro", WEEKS[1]): 2.0,
    ("pro", WEEKS[2]): 0.0,
    ("free", WEEKS[0]): 2.0,
    ("free", WEEKS[1]): 0.0,
    ("free", WEEKS[2]): 1.0,
    (None, WEEKS[2]): 1.0,
}

#: The first-touch funnel open → save in a day by account plan (account.plan, week start):
#: pro u1 u2 both save (u2's save failed but the step is not narrowed); free u3 saves at
#: the moment it opens, u5 does not; week 3's windows run past the range end.
FUNNEL_BY_PLAN = {
    ("pro", WEEKS[0]): 100.0,
    ("free", WEEKS[0]): 50.0,
}


# A daylight saving time change, in Europe/Berlin. On Sunday 2026-03-29 at 01:00 UTC the
# clocks go from 02:00 CET (+01:00) to 03:00 CEST (+02:00): that Sunday has 23 hours, and
# from then on local midnight is 22:00 UTC. The range is [2026-03-23, 2026-04-06) in Berlin,
# two Monday weeks, from 2026-03-22 23:00 UTC to 2026-04-05 22:00 UTC. Its users (v1-v4)
# appear nowhere else, so their first events are these.
#
#   #    user  event  when (UTC)               in Berlin                     Berlin week
#   D1   v1    open   Sun 03-22 23:30          Mon 03-23 00:30 CET           1 (UTC: before the range)
#   D2   v2    open   Sun 03-29 00:30          Sun 03-29 01:30 CET           1
#   D3   v1    open   Sun 03-29 01:30          Sun 03-29 03:30 CEST          1
#   D4   v3    open   Sun 03-29 22:30          Mon 03-30 00:30 CEST          2 (at +01:00 all year: week 1)
#   D5   v4    open   Sun 03-29 23:30          Mon 03-30 01:30 CEST          2 (UTC: week 1)
#   D6   v2    open   Sun 04-05 21:59:59       Sun 04-05 23:59:59 CEST       2 (its last second)
#   D7   v3    open   Sun 04-05 22:00          Mon 04-06 00:00 CEST          after the range (UTC: week 2)
#
# Weekly opens: Berlin 3 (D1 D2 D3) and 3 (D4 D5 D6). In UTC they would be 4 and 2; at a
# fixed +01:00, 4 and 3. Daily actives in Berlin: 03-23 1 (v1), 03-29 2 (v1 v2), 03-30 2
# (v3 v4), 04-05 1 (v2), every other day 0. Weekly retention of first opens, one period:
# week 1's cohort is v1 (D1) and v2 (D2); v1 is back in week 1 (D3), v2 in week 2 (D6):
# period 0 is 2 of 2, period 1 is 1 of 2 = 50%. Week 2's cohort is v3 (D4) and v4 (D5),
# whose period 1 (04-06 to 04-12) has not passed by the range's end: no value yet.
BERLIN = "Europe/Berlin"
DST_SINCE = date(2026, 3, 23)
DST_UNTIL = date(2026, 4, 6)
DST_WEEKS = [date(2026, 3, 23), date(2026, 3, 30)]
DST_EVENTS = [
    ("v1", "A", "open", datetime(2026, 3, 22, 23, 30, tzinfo=UTC), None),
    ("v2", "A", "open", datetime(2026, 3, 29, 0, 30, tzinfo=UTC), None),
    ("v1", "A", "open", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), None),
    ("v3", "B", "open", datetime(2026, 3, 29, 22, 30, tzinfo=UTC), None),
    ("v4", "B", "open", datetime(2026, 3, 29, 23, 30, tzinfo=UTC), None),
    ("v2", "A", "open", datetime(2026, 4, 5, 21, 59, 59, tzinfo=UTC), None),
    ("v3", "B", "open", datetime(2026, 4, 5, 22, 0, tzinfo=UTC), None),
]
DST_WEEKLY_OPENS = [(DST_WEEKS[0], 3.0), (DST_WEEKS[1], 3.0)]
DST_DAILY_ACTIVES = {date(2026, 3, 23): 1, date(2026, 3, 29): 2, date(2026, 3, 30): 2, date(2026, 4, 5): 1}
DST_RETENTION = [(DST_WEEKS[0], 50.0), (DST_WEEKS[1], None)]


# A month's end, and rollups kept up to date by parts. w1 appears nowhere else:
#
#   #    user  event  when (UTC)
#   M1   w1    open   Sat 01-31 23:59:59       (January's last second)
#   M2   w1    open   Sun 02-01 00:00:00       (February's first)
#
# Monthly stickiness over [01-07, 03-29), UTC days. January from 01-07 (25 days): u1 01-12
# 01-19 (2 days; 01-05 is before the range), u2 01-07 01-11 01-12 (3; 01-06 is before it),
# u3 01-08 01-20 (2), u4 01-20 (1), u5 01-11 (1: #12 and #13 are both 01-11 in UTC), w1
# 01-31 (1): 6 actives, 10 user-days: 100 × 10 / 25 / 6. February (28 days): w1 02-01: 100 ×
# 1 / 28 / 1. March to 03-28 (28 days): v1 03-22 (D1); D2-D5 fall on 03-29, outside: 100 / 28.
# Over [01-01, 02-01), all of January (31 days): u1 3 days (01-05 too), u2 4, u3 2, u4 1, u5
# 1, w1 1: 6 actives, 12 user-days: 100 × 12 / 31 / 6; by days: 1 day 3 of 6, 2 days 1, 3
# days 1, 4 days 1. (A rollup's January row counts 01-05 and 01-06 too, and its March row
# 03-29: the cut months must be read day by day.)
MONTH_END_EVENTS = [
    ("w1", "A", "open", datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), None),
    ("w1", "A", "open", datetime(2026, 2, 1, tzinfo=UTC), None),
]
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
STICKY_MONTHS_CUT = (date(2026, 1, 7), date(2026, 3, 29))
STICKY_MONTHS_CUT_HEADLINES = [(MONTHS[0], 100.0 * 10 / 25 / 6), (MONTHS[1], 100.0 / 28), (MONTHS[2], 100.0 / 28)]
STICKY_MONTHS_CUT_JANUARY = {1: 50.0, 2: 100.0 / 3, 3: 100.0 / 6, 4: 0.0}
STICKY_JANUARY = (date(2026, 1, 1), date(2026, 2, 1))
STICKY_JANUARY_HEADLINE = 100.0 * 12 / 31 / 6
STICKY_JANUARY_DAYS = {1: 50.0, 2: 100.0 / 6, 3: 100.0 / 6, 4: 100.0 / 6, 5: 0.0}

# Weekly retention of first opens, on or after, two periods, over [01-05, 01-20): the range
# ends on the Tuesday of week 3, and opens follow in that week (#11 #14 on 01-20). Week 1's
# cohort is u1 u2 u3 u5; back in week 2 or later before 01-20: u1 u2 (#3 #8; u3's return,
# #14, is on 01-20): period 1 is 2 of 4; period 2 (week 3) has not passed, and nobody opened
# on its one day in the range (01-19): no value, no one back. u4's first open is on 01-20,
# outside: no cohort in week 3. (A rollup's row for week 3 holds 01-20: read day by day.)
RETENTION_CUT = (date(2026, 1, 5), date(2026, 1, 20))
RETENTION_CUT_DETAILS = {0: (100.0, 4), 1: (50.0, 2), 2: (None, 0)}

# Rollups kept by parts: the log without these rows is rolled up first, then they arrive
# in a part of their own. #1 and #15 move u1's first open and first event from 01-12 (week
# 2) back to 01-05 (week 1); #7 is the last second of week 1 (a Sunday); M1 and M2 are the
# two sides of a month's end. Every value in this file must hold either way.
LATE = [EVENTS[0], EVENTS[14], EVENTS[6], *MONTH_END_EVENTS]
