"""The JSON twins that answered an untyped object (an import, computing a metric, say vs do)
answer a declared model: the description names it and the answer matches it."""

from __future__ import annotations

import csv
import io

from fastapi import FastAPI
from sqlalchemy.orm import Session

from grounded.models.enums import Role
from grounded.workspace import service as workspaces
from tests.factories import make_actor, make_metric
from tests.web.conftest import World, client

EVENTS = [
    ("u1", "A", "open", "2026-01-05T09:00:00Z", "{}"),
    ("u2", "A", "open", "2026-01-06T10:00:00Z", "{}"),
    ("u3", "B", "open", "2026-01-13T10:00:00Z", "{}"),
]


def _events_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user_id", "account_id", "event", "timestamp", "properties"])
    writer.writerows(EVENTS)
    return out.getvalue().encode()


def test_the_description_names_their_models(app: FastAPI) -> None:
    paths = app.openapi()["paths"]

    def success(path: str, method: str, status: str = "200") -> object:
        return paths[f"/api/v1/w/{{ws}}{path}"][method]["responses"][status]["content"]["application/json"]["schema"]

    assert success("/import", "post", "201") == {"$ref": "#/components/schemas/ImportReport"}
    assert success("/metrics/{key}/compute", "post") == {"$ref": "#/components/schemas/MetricRun"}
    assert success("/problems/{key}/say-do", "get") == {"$ref": "#/components/schemas/SayDo"}
    assert success("/themes/{key}/say-do", "get") == {"$ref": "#/components/schemas/SayDo"}


def test_an_import_and_a_metric_computed_over_it_answer_their_models(app: FastAPI, world: World) -> None:
    api, base = client(app), f"/api/v1/w/{world.slug}"
    auth = {"Authorization": f"Bearer {world.tokens[Role.CONTRIBUTOR]}"}
    files = {"file": ("events.csv", _events_csv(), "text/csv")}
    dry = api.post(f"{base}/import", headers=auth, files=files, data={"preset": "usage_events", "dry_run": "true"})
    assert dry.status_code == 201, dry.text[:500]
    assert (dry.json()["dry_run"], dry.json()["source"]) == (True, None)
    done = api.post(f"{base}/import", headers=auth, files=files, data={"preset": "usage_events"})
    assert done.status_code == 201, done.text[:500]
    report = done.json()
    assert report["source"].startswith("SRC-")
    assert report["counts"]["rows_read"] == 3
    assert report["target"] == "events"
    with Session(world.engine) as session:
        workspace = workspaces.get(session, world.slug)
        definition = {"event": "open", "period": "week"}
        make_metric(session, workspace, make_actor(session), key="weekly_opens", definition=definition)
        session.commit()
    computed = api.post(f"{base}/metrics/weekly_opens/compute", headers=auth, json={"since": "2026-01-05"})
    assert computed.status_code == 200, computed.text[:500]
    run = computed.json()
    assert (run["key"], run["version"], run["since"]) == ("weekly_opens", 1, "2026-01-05")
    assert [(v["period_start"], v["value"]) for v in run["values"]] == [("2026-01-05", 2.0), ("2026-01-12", 1.0)]
