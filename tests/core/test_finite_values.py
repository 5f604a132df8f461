"""Attributes refuse numbers JSON cannot hold, wherever they sit, on every schema that takes them."""

from __future__ import annotations

import math
import re

import pytest
from pydantic import ValidationError

from grounded.account.schemas import AccountCreate, AccountUpdate, PersonCreate, PersonUpdate
from grounded.evidence.schemas import EvidenceCreate, EvidenceUpdate


@pytest.mark.parametrize(
    ("attributes", "where"),
    [
        ({"arr": math.inf}, "arr is inf"),
        ({"scores": [1.0, math.nan]}, "scores[1] is nan"),
        ({"deep": {"er": -math.inf}}, "deep.er is -inf"),
    ],
)
def test_a_number_json_cannot_hold_is_refused_naming_where(attributes: dict[str, object], where: str) -> None:
    for make in (
        lambda: AccountCreate(external_id="A-1", name="Acme", attributes=attributes),
        lambda: AccountUpdate(attributes=attributes),
        lambda: PersonCreate(external_id="p@x.example", attributes=attributes),
        lambda: PersonUpdate(attributes=attributes),
        lambda: EvidenceCreate(kind="note", text="hello", attributes=attributes),
        lambda: EvidenceUpdate(attributes=attributes),
    ):
        with pytest.raises(ValidationError, match=re.escape(f"{where}, not a finite number")) as refused:
            make()
        assert refused.value.errors()[0]["loc"] == ("attributes",)


def test_finite_numbers_and_other_values_pass_as_given() -> None:
    attributes = {"arr": 1.5e12, "n": -0.0, "list": [1, "a", None, {"x": 2.5}], "flag": True}
    assert AccountCreate(external_id="A-1", name="Acme", attributes=attributes).attributes == attributes
