"""Which parts handle which mapping target (see protocols)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grounded.ingest.protocols import Context, Converter, Index, Writer
from grounded.ingest.readers import Reader, open_reader


@dataclass(frozen=True)
class Kind:
    converter: Callable[[Context, list[str]], Converter]
    index: Callable[[Context], Index]
    writer: Callable[[Context], Writer]
    #: The NamedTuple the converter makes (batches cross processes as plain tuples).
    row: Any


def kind(target: str) -> Kind:
    if target == "accounts":
        from grounded.ingest import accounts

        return Kind(accounts.AccountConverter, accounts.AccountIndex, accounts.AccountWriter, accounts.AccountRow)
    if target == "events":
        from grounded.ingest import events

        return Kind(events.EventConverter, events.EventIndex, events.EventWriter, events.EventRow)
    from grounded.ingest import evidence_target
    from grounded.ingest.rows import Prepared

    return Kind(
        evidence_target.EvidenceRowConverter,
        evidence_target.EvidenceIndex,
        evidence_target.EvidenceWriter,
        Prepared,
    )


def open_reader_for(context: Context) -> Reader:
    options, mapping = context.options, context.mapping
    return open_reader(
        context.path,
        format_=options.format or mapping.format,
        encoding=options.encoding or mapping.encoding,
        delimiter=options.delimiter or mapping.delimiter,
        header=mapping.header,
        max_field_chars=options.max_field_chars,
    )


def open_side(context: Context) -> tuple[Reader, Converter, Index]:
    """The reading side of an import: the file's reader, its converter and the index."""
    chosen = kind(context.mapping.target)
    reader = open_reader_for(context)
    return reader, chosen.converter(context, reader.columns), chosen.index(context)
