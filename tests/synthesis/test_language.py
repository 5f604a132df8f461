"""Non-English evidence is marked, not scored by an English sentiment lexicon, and kept out
of English themes (grouped among its own language when there is enough of it)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.models import Workspace
from grounded.synthesis import language, sentiment, themes
from grounded.synthesis.build import build
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.factories import make_actor
from tests.synthesis.conftest import workspace_with
from tests.synthesis.test_build import TOPICS

GERMAN = [
    f"{opening} {problem}"
    for opening, problem in itertools.product(
        ("Hallo zusammen,", "Guten Morgen,", "Liebes Support-Team,"),
        (
            "der Export nach Excel funktioniert seit dem Update nicht mehr.",
            "die Anmeldung über SSO schlägt bei allen Benutzern fehl.",
            "das Dashboard lädt sehr langsam, wenn wir es im Meeting öffnen.",
            "die Rechnung zeigt die falsche Umsatzsteuer-Nummer.",
            "wir können den Bericht nicht als Vorlage speichern.",
            "die Diagramme zeigen falsche Summen für den letzten Monat.",
            "der Link zum Teilen des Berichts funktioniert nicht für Gäste.",
        ),
    )
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Der Export nach Excel funktioniert nicht mehr seit dem Update.", "de"),
        ("Le rapport hebdomadaire ne se charge pas.", "fr"),
        ("El panel tarda mucho en cargar", "es"),
        ("Отчёт не загружается уже второй день", "ru"),
        ("レポートが遅いです", "ja"),
        # foreign text full of words English shares ("a", "no", "in", "was")
        ("No puedo exportar a CSV, no funciona", "es"),
        ("La exportación a Excel no funciona desde la actualización", "es"),
        ("Non riesco a esportare i dati, il pulsante non funziona", "it"),
        ("Ich kann den Bericht nicht in Excel exportieren, was ist da los?", "de"),
        ("Der Export ist kaputt", "de"),
        ("O relatório não abre desde ontem", "pt"),
        ("Het rapport laadt niet meer sinds de update", "nl"),
        ("Reporting is fine, honestly. It does what we need.", "en"),
        # English that n-grams alone call something else (typos, few words, product names)
        ("OK tool, we still do a lot in Google Sheets.", "en"),
        ("OK tool, we still do a lot in an xlsx.", "en"),
        ("Alerts to our Slack channel stopped arriving. Threshold is set to 10%.  ty", "en"),
        ("Love the new chaarts.", "en"),
        ("Can I get a copy of the Fernhill logo for our intranet?", "en"),
        ("Nubmers in the CSV have thhousands separators so an xlsx treaats them as text.", "en"),
        ("CSV export", None),
        ("ok", None),
        ("", None),
    ],
)
def test_languages_are_told_apart_without_calling_english_foreign(text: str, expected: str | None) -> None:
    [found] = language.detect([text])
    if expected == "en":  # English, or can't tell: both are treated as English
        assert language.is_english(found), found
    else:
        assert found == expected


def test_text_in_another_language_gets_no_english_sentiment(engine: Engine) -> None:
    workspace_id, ids = workspace_with(engine, ["Die Berichte sind super, vielen Dank!", "The reports are great!"])
    with session_scope(engine) as session:
        sentiment.ensure(session, workspace_id)
        language.ensure(session, workspace_id)
        assert sentiment.scores(session, ids).keys() == {ids[1]}
        assert language.languages(session, ids) == {ids[0]: "de", ids[1]: "en"}


def test_a_few_german_tickets_stay_out_of_english_themes(engine: Engine, model: MiniLM) -> None:
    texts = list(itertools.chain(*TOPICS.values()))
    workspace_id, _ = workspace_with(engine, texts + GERMAN[:3])
    with session_scope(engine) as session:
        actor = make_actor(session)
    report = build(engine, workspace_id, model, actor=actor)
    assert report.other_languages == {"de": {"items": 3, "themed": 0}}
    assert report.themes == 3
    assert report.unthemed == 3


def test_enough_german_tickets_get_themes_of_their_own(engine: Engine, model: MiniLM) -> None:
    texts = list(itertools.chain(*TOPICS.values()))
    workspace_id, _ = workspace_with(engine, texts + GERMAN)
    with session_scope(engine) as session:
        actor = make_actor(session)
    report = build(engine, workspace_id, model, actor=actor)
    assert report.other_languages["de"]["items"] == len(GERMAN)
    assert report.other_languages["de"]["themed"] > 0
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        run = themes.current_run(session, workspace)
        assert run is not None
        labels = [t.label for t in themes.top_level(session, run)]
    german = [label for label in labels if label.startswith("[de] ")]
    assert german
    assert len(labels) - len(german) == 3  # the English themes are untouched


def test_a_mostly_foreign_workspace_makes_no_english_theme_of_a_few_stray_items(engine: Engine, model: MiniLM) -> None:
    workspace_id, _ = workspace_with(
        engine, [*GERMAN, "The invoice shows the wrong VAT number", "Cannot log in with SSO"]
    )
    with session_scope(engine) as session:
        actor = make_actor(session)
    report = build(engine, workspace_id, model, actor=actor)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        run = themes.current_run(session, workspace)
        assert run is not None
        labels = [t.label for t in themes.top_level(session, run)]
    assert labels
    assert all(label.startswith("[de] ") for label in labels)
    assert report.unthemed >= 2
