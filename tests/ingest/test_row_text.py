"""The text forms a converted row is written in match the general ones exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from grounded.ingest.rows import attributes_json, utc_text

_TIMES = st.datetimes(
    min_value=datetime(2, 1, 1),
    max_value=datetime(9998, 12, 31),
    timezones=st.just(UTC),
)


@given(st.dictionaries(st.text(max_size=5), st.text(max_size=8) | st.integers() | st.none(), max_size=4))
def test_attributes_are_written_as_json_dumps_writes_them(attributes: dict[str, object]) -> None:
    assert attributes_json(attributes) == json.dumps(attributes)


@given(_TIMES, st.integers(min_value=-12, max_value=12))
def test_times_are_written_in_utc_whatever_their_zone(moment: datetime, hours: int) -> None:
    expected = moment.replace(tzinfo=None).isoformat(" ", "microseconds")
    assert utc_text(moment) == expected
    assert utc_text(moment.astimezone(timezone(timedelta(hours=hours)))) == expected
