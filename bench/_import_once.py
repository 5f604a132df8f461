"""Run one import in this process and print its figures as JSON (used by import_tickets.py)."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from grounded.db import migrate
from grounded.db.engine import make_engine, session_scope
from grounded.ingest import mapping
from grounded.ingest.pipeline import ImportOptions, run
from grounded.workspace import service as workspaces
from grounded.workspace import users
from grounded.workspace.schemas import WorkspaceCreate


def main(url: str, path: Path) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        actor = users.actor_for(users.ensure(session, "bench"))
        workspace = workspaces.find(session, "bench") or workspaces.create(
            session, actor=actor, data=WorkspaceCreate(slug="bench", name="Bench")
        )
        workspace_id = workspace.id
    started = time.perf_counter()
    report = run(
        engine,
        workspace_id=workspace_id,
        path=path,
        mapping=mapping.preset("zendesk"),
        actor=actor,
        options=ImportOptions(data_dir=Path(tempfile.gettempdir())),
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reader_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the reading process, if any
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak,
                "reader_peak_rss_mb": reader_peak,
                "reader": report.reader,
                "new": report.counts.new_count,
                "unchanged": report.counts.unchanged_count,
                "quarantined": report.counts.quarantined_count,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
