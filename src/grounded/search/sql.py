"""The text each searchable table contributes, and the PostgreSQL vector built from it.

These expressions must match migration 0002 exactly, or PostgreSQL will not use the
indexes (tests/search/test_search.py checks they agree).
"""

from __future__ import annotations

SOURCES = {
    "evidence": ("{r}.title", "{r}.text"),
    "problem": (
        "{r}.title",
        "{r}.who || ' ' || {r}.struggle || ' ' || {r}.why_it_matters || ' ' || {r}.current_workaround",
    ),
    "bet": ("{r}.title", "{r}.hypothesis || ' ' || {r}.summary"),
    "decision": (
        "{r}.title",
        "{r}.context || ' ' || {r}.situation || ' ' || {r}.facing || ' ' || {r}.to_achieve"
        " || ' ' || {r}.accepting || ' ' || {r}.rationale",
    ),
}
ENTITY_TYPES = tuple(SOURCES)


def pg_vector(table: str) -> str:
    title, body = (part.format(r=table) for part in SOURCES[table])
    return (
        f"(setweight(to_tsvector('english'::regconfig, {title}), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, {body}), 'B'))"
    )
