"""Which Target handles which mapping target."""

from __future__ import annotations

from grounded.ingest.pipeline import TargetFactory


def factory(target: str) -> TargetFactory:
    if target == "accounts":
        from grounded.ingest.accounts import AccountTarget

        return AccountTarget
    if target == "events":
        from grounded.ingest.events import EventTarget

        return EventTarget
    from grounded.ingest.evidence_target import EvidenceTarget

    return EvidenceTarget
