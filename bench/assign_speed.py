"""How fast new evidence joins the current themes between runs (synthesis/assign.py).

    .venv/bin/python bench/assign_speed.py [--new 1000] [--events 20000]

Builds the demo and its themes in a scratch directory, adds ``--new`` tickets written like
the demo's (each an existing ticket with a new greeting, so they have homes to find, plus one
in five about something the demo never mentions), and times placing them, embedding
included. Target (issue 4): at most 10 ms per item.
"""

from __future__ import annotations

import argparse
import random
import statistics
from datetime import UTC, datetime

import sqlalchemy as sa

from demo_themes import demo_with_themes
from grounded.db.engine import session_scope
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceCreate
from grounded.models import Evidence, Workspace
from grounded.synthesis.assign import assign_new
from machine import describe

TARGET_MS = 10.0
ELSEWHERE = (
    "Can we get a dark mode in the mobile app?",
    "Our invoice PDF shows last year's address.",
    "Please add a Portuguese translation of the settings page.",
    "The onboarding video has no captions.",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--new", type=int, default=1000, help="New tickets to place.")
    parser.add_argument("--singles", type=int, default=20, help="Then this many one-item placements.")
    parser.add_argument("--events", type=int, default=20_000, help="Usage events in the demo (not timed).")
    args = parser.parse_args()
    print(describe())
    with demo_with_themes(events=args.events) as demo:
        engine, workspace_id, embedder, actor = demo.engine, demo.workspace_id, demo.embedder, demo.actor
        report = demo.themes
        print(f"themes build: {report.themes} themes over {report.evidence:,} items in {demo.themes_seconds:.1f} s")
        _add(engine, workspace_id, actor, args.new)
        placed = assign_new(engine, workspace_id, embedder)
        print(
            f"placed {placed.considered:,} new items: {placed.joined:,} joined, {placed.waiting:,} wait; "
            f"{placed.seconds:.2f} s, {placed.ms_per_item:.2f} ms per item "
            f"(target ≤ {TARGET_MS:g} ms, embedding included)"
        )
        singles = []
        for _ in range(args.singles):
            _add(engine, workspace_id, actor, 1)
            singles.append(assign_new(engine, workspace_id, embedder).seconds * 1000)
        if singles:
            print(
                f"one item at a time ({len(singles)} imports of one ticket): "
                f"median {statistics.median(singles):.1f} ms, "
                f"max {max(singles):.1f} ms per call (finding what is new, embedding, placing)"
            )


def _add(engine: object, workspace_id: object, actor: object, count: int) -> None:
    rng = random.Random(count)
    with session_scope(engine) as session:  # type: ignore[arg-type]
        workspace = session.get(Workspace, workspace_id)
        texts = session.scalars(sa.select(Evidence.text).where(Evidence.kind == "ticket")).all()
        for n in range(count):
            text = rng.choice(ELSEWHERE) if n % 5 == 4 else "Hi again, " + rng.choice(texts)
            evidence.create(
                session,
                workspace,  # type: ignore[arg-type]
                data=EvidenceCreate(kind="ticket", text=text, occurred_at=datetime(2026, 11, 26, tzinfo=UTC)),
                actor=actor,  # type: ignore[arg-type]
            )


if __name__ == "__main__":
    main()
