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
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = mine.ru_maxrss / 1024
    reader_peak = children.ru_maxrss / 1024  # the reading process, if any
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak,
                "reader_peak_rss_mb": reader_peak,
                # CPU seconds (user + system) of this process and of the reading process:
                # less moved by other work on the machine than the wall clock.
                "cpu_s": mine.ru_utime + mine.ru_stime,
                "reader_cpu_s": children.ru_utime + children.ru_stime,
                "reader": report.reader,
                "new": report.counts.new_count,
                "unchanged": report.counts.unchanged_count,
                "quarantined": report.counts.quarantined_count,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
