"""The search language, parsed once and rendered for each database.

    weekly report          both words (any order)
    "weekly report"        the phrase
    export*                words starting with "export"
    csv OR excel           either word
    -pdf                   without "pdf"

Anything else (punctuation, SQL, unbalanced quotes) is treated as plain words, so no input
can produce a syntax error or reach the database as anything but a bound parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grounded.errors import InvalidInput

#: Words too common to search for. PostgreSQL's English configuration drops these; SQLite
#: would match them everywhere. Leaving them out of unquoted terms on both databases keeps
#: the two in agreement ("the report" means "report" on both).
STOP_WORDS = frozenset(
    (
        "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers "
        "herself it its itself they them their theirs themselves what which who whom this that these those am is "
        "are was were be been being have has had having do does did doing a an the and but if or because as until "
        "while of at by for with about against between into through during before after above below to from up down "
        "in out on off over under again further then once here there when where why how all any both each few more "
        "most other some such no nor not only own same so than too very s t can will just don should now"
    ).split()
)
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY = 500


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    """``groups`` are ANDed; the terms inside a group are ORed; ``excluded`` are NOTed."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]


def parse(text: str) -> Query:
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"is {len(text)} characters; keep it under {MAX_QUERY}", field="query")
    query = Query()
    pending_or = False
    for match in _TOKEN.finditer(text.replace('"', " ") if text.count('"') % 2 else text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            pending_or = bool(query.groups)
            continue
        term, negated = _term(phrase, bare, negated)
        if term is None:
            continue
        if negated:
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    if not query.groups:
        raise InvalidInput(
            "needs at least one word to look for (very common words such as 'the' are left out)", field="query"
        )
    return query


def _term(phrase: str | None, bare: str | None, negated: str) -> tuple[Term | None, bool]:
    if phrase is not None:
        words = tuple(w.lower() for w in _WORD.findall(phrase))
        return (Term(words) if words else None), bool(negated)
    assert bare is not None
    is_negated = bare.startswith("-") and len(bare) > 1
    prefix = bare.endswith("*")
    words = tuple(w.lower() for w in _WORD.findall(bare))
    if not prefix:
        words = tuple(w for w in words if w not in STOP_WORDS)
    if not words:
        return None, False
    return Term(words, prefix=prefix and len(words) == 1), is_negated


def to_fts5(query: Query) -> str:
    """An FTS5 MATCH expression; every word is quoted so none is read as syntax."""
    positive = " AND ".join("(" + " OR ".join(_fts5_term(t) for t in group) + ")" for group in query.groups)
    if not query.excluded:
        return positive
    return f"({positive}) NOT (" + " OR ".join(_fts5_term(t) for t in query.excluded) + ")"


def _fts5_term(term: Term) -> str:
    text = '"' + " ".join(term.words) + '"'
    return text + "*" if term.prefix else text


def to_tsquery(query: Query) -> str:
    """A PostgreSQL ``to_tsquery`` string; lexemes are quoted so none is read as syntax."""
    positive = " & ".join("(" + " | ".join(_ts_term(t) for t in group) + ")" for group in query.groups)
    if not query.excluded:
        return positive
    return positive + " & !(" + " | ".join(_ts_term(t) for t in query.excluded) + ")"


def _ts_term(term: Term) -> str:
    lexemes = [f"'{word}'" for word in term.words]
    text = " <-> ".join(lexemes)
    if term.prefix:
        text += ":*"
    return f"({text})" if term.is_phrase else text
