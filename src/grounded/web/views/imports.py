"""Imports from the web: an uploaded export through the same pipeline as ``grounded
import``, the runs with their counts, and the rows a run quarantined."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.config import Settings
from grounded.core.actor import Actor
from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput
from grounded.ingest import mapping as mappings
from grounded.ingest import sources
from grounded.ingest.protocols import ImportOptions
from grounded.ingest.schemas import QuarantinedRowRead, SourceCounts, SourceRead
from grounded.models import Workspace
from grounded.web.schemas import PageOut

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ImportReport(BaseModel):
    """What an import did (or, for a dry run, would do), as ``grounded import`` reports it."""

    file: str
    source_key: str
    target: str
    source: str | None = Field(description="The run's key (SRC-…); none for a dry run.")
    counts: SourceCounts
    accounts_created: int
    people_created: int
    quotes: int
    redacted: dict[str, int]
    notes: list[str]
    examples: list[str]
    resumed_from: int
    dry_run: bool
    seconds: float
    rows_per_second: float
    reader: str
    resolved: int


class ImportRun(BaseModel):
    source: SourceRead
    quarantined: PageOut[QuarantinedRowRead]


def runs(session: Session, workspace: Workspace, *, page: PageParams) -> PageOut[SourceRead]:
    found = sources.list_(session, workspace, page=page)
    return PageOut.of(found, [SourceRead.model_validate(s) for s in found.items])


def run_detail(session: Session, workspace: Workspace, key: str, *, page: PageParams) -> ImportRun:
    source = sources.get(session, workspace, key)
    rows = sources.quarantined(session, workspace, source, page=page)
    return ImportRun(
        source=SourceRead.model_validate(source),
        quarantined=PageOut.of(rows, [QuarantinedRowRead.model_validate(r) for r in rows.items]),
    )


def upload_path(settings: Settings, workspace: Workspace, filename: str) -> Path:
    """Where an upload is kept: the workspace's uploads folder, a timestamp and the file's
    own name (made safe), so the run records which export it came from."""
    name = _UNSAFE.sub("_", Path(filename or "upload").name).strip("._") or "upload"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = settings.workspace_dir(workspace.slug) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stamp}-{name[:150]}"


def chosen_mapping(preset: str, mapping_text: str) -> mappings.Mapping:
    if bool(preset) == bool(mapping_text.strip()):
        raise InvalidInput("choose a preset or paste a mapping (one of the two)", field="preset")
    if preset:
        return mappings.preset(preset)
    return mappings.parse(mapping_text, name="the pasted mapping")


def run_import(
    engine: Engine,
    settings: Settings,
    workspace: Workspace,
    path: Path,
    mapping: mappings.Mapping,
    *,
    actor: Actor,
    dry_run: bool,
    redact: bool,
) -> dict[str, Any]:
    from grounded.ingest.pipeline import run

    options = ImportOptions(dry_run=dry_run, redact=redact, data_dir=settings.data_dir, separate_reader=False)
    report = run(engine, workspace_id=workspace.id, path=path, mapping=mapping, actor=actor, options=options)
    found = dataclasses.asdict(report)
    found["rows_per_second"] = round(report.rows_per_second, 1)
    return found
