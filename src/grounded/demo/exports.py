"""The demo company's data as the exports its tools would give: a CRM accounts CSV, a
Zendesk tickets CSV, a folder of Markdown interview notes, an NPS CSV, a request sheet
and a Parquet file of usage events. ``grounded demo`` writes these and imports them with
the public importers, the same way a team would bring in its own."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class ExportFiles:
    directory: Path

    @property
    def accounts(self) -> Path:
        return self.directory / "crm-accounts.csv"

    @property
    def tickets(self) -> Path:
        return self.directory / "zendesk-tickets.csv"

    @property
    def interviews(self) -> Path:
        return self.directory / "interviews"

    @property
    def surveys(self) -> Path:
        return self.directory / "nps-answers.csv"

    @property
    def requests(self) -> Path:
        return self.directory / "requests.csv"

    @property
    def events(self) -> Path:
        return self.directory / "usage-events.parquet"


#: Column order of each export, as the tools name them (the presets read these).
ACCOUNT_COLUMNS = ("Account ID", "Account Name", "Segment", "Plan", "ARR", "Region", "Domain", "Seats", "Stage")
TICKET_COLUMNS = (
    "Id",
    "Subject",
    "Description",
    "Created at",
    "Requester",
    "Requester email",
    "Organization",
    "Status",
    "Priority",
    "Via",
)
SURVEY_COLUMNS = ("Response ID", "Submitted at", "Score", "Comment", "Email", "Company", "Survey")
REQUEST_COLUMNS = (
    "Request ID",
    "Created",
    "Title",
    "Description",
    "Requester",
    "Team",
    "Account",
    "Deal value",
    "Deadline",
    "Deadline type",
)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: "" if row.get(column) is None else row[column] for column in columns})


def write_note(folder: Path, front: dict[str, Any], body: str) -> Path:
    """One interview note: YAML front matter, then the body with its ``>`` quotes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{front['id']}.md"
    matter = yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip()
    path.write_text(f"---\n{matter}\n---\n{body}\n", encoding="utf-8")
    return path
