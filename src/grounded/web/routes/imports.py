"""Import: upload an export, pick a preset or paste a mapping, see the run and its
quarantined rows. The same pipeline as ``grounded import``."""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grounded.errors import GroundedError
from grounded.ingest import mapping as mappings
from grounded.ingest.schemas import SourceRead
from grounded.web.deps import Contributor, SessionDep, Viewer
from grounded.web.identity import Caller
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.state import AppState, app_state
from grounded.web.views import imports as view

router = APIRouter(tags=["import"], responses=READ_PROBLEMS)
Upload = Annotated[UploadFile, File(description="The export: CSV, TSV, JSON, JSONL, Parquet, Markdown, or .gz of one.")]
Preset = Annotated[str, Form(max_length=64, description="A preset for a known export, e.g. zendesk.")]
MappingText = Annotated[str, Form(max_length=100_000, description="A YAML mapping, instead of a preset.")]
Flag = Annotated[bool, Form()]


@router.get(f"{API}/import/runs", response_model=PageOut[SourceRead])
def api_runs(who: Viewer, session: SessionDep, paging: Paging) -> PageOut[SourceRead]:
    return view.runs(session, who.workspace, page=paging)


@router.get(f"{API}/import/runs/{{key}}", response_model=view.ImportRun)
def api_run(key: str, who: Viewer, session: SessionDep, paging: Paging) -> view.ImportRun:
    return view.run_detail(session, who.workspace, key, page=paging)


@router.get(f"{PAGES}/import", response_class=HTMLResponse, include_in_schema=False)
def page_form(request: Request, who: Viewer, session: SessionDep, paging: Paging) -> Response:
    return _form(request, who, session, paging=paging)


def _form(
    request: Request, who: Caller, session: SessionDep, *, paging: Any = None, status: int = 200, **extra: Any
) -> Response:
    from grounded.core.pagination import PageParams

    found = view.runs(session, who.workspace, page=paging or PageParams(limit=20))
    return page(request, "import.html", status_code=status, runs=found, presets=mappings.preset_names(), **extra)


@router.get(f"{PAGES}/import/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_run(request: Request, key: str, who: Viewer, session: SessionDep, paging: Paging) -> Response:
    return page(request, "import_run.html", r=view.run_detail(session, who.workspace, key, page=paging))


def _store(
    request: Request,
    who: Caller,
    session: SessionDep,
    file: UploadFile,
    preset: str,
    mapping: str,
    dry_run: bool,
    redact: bool,
) -> dict[str, Any]:
    state: AppState = app_state(request)
    chosen = view.chosen_mapping(preset, mapping)
    path = view.upload_path(state.settings, who.workspace, file.filename or "upload")
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out, length=1024 * 1024)
    session.commit()  # release this request's hold on the database: the import writes on its own
    return view.run_import(
        state.engine, state.settings, who.workspace, path, chosen, actor=who.actor, dry_run=dry_run, redact=redact
    )


@router.post(f"{API}/import", response_model=view.ImportReport, status_code=201, responses=CHANGE_PROBLEMS)
def api_upload(
    request: Request,
    who: Contributor,
    session: SessionDep,
    file: Upload,
    preset: Preset = "",
    mapping: MappingText = "",
    dry_run: Flag = False,
    redact: Flag = False,
) -> dict[str, Any]:
    return _store(request, who, session, file, preset, mapping, dry_run, redact)


@router.post(f"{PAGES}/import", include_in_schema=False)
def page_upload(
    request: Request,
    who: Contributor,
    session: SessionDep,
    file: Upload,
    preset: Preset = "",
    mapping: MappingText = "",
    dry_run: Flag = False,
    redact: Flag = False,
) -> Response:
    typed = {"preset": preset, "mapping": mapping, "dry_run": dry_run, "redact": redact}
    try:
        report = _store(request, who, session, file, preset, mapping, dry_run, redact)
    except GroundedError as error:
        session.rollback()
        field = getattr(error, "field", None) or "file"
        return _form(request, who, session, status=422, errors={field: str(error)}, values=typed)
    if report["dry_run"] or not report.get("source"):
        return _form(request, who, session, report=report, values=typed)
    return RedirectResponse(f"/w/{who.workspace.slug}/import/{report['source']}", status_code=303)
