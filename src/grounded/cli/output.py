"""Printing results: Rich tables for people, ``--json`` for scripts, one line for errors."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from grounded.core.jsonable import to_jsonable
from grounded.core.pagination import Page

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def plain(value: Any) -> Any:
    """JSON-safe form of schemas, pages and plain values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Page):
        return {
            "items": [plain(item) for item in value.items],
            "total": value.total,
            "limit": value.limit,
            "offset": value.offset,
        }
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no Infinity or NaN
    return to_jsonable(value)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(plain(value), indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None, caption: str | None = None
) -> None:
    view = Table(title=title, caption=caption, header_style="bold", expand=False)
    for column in columns:
        view.add_column(column, overflow="fold")
    for row in rows:
        view.add_row(*(cell(value) for value in row))
    console.print(view)


def page_caption(page: Page[Any]) -> str:
    shown = len(page.items)
    if not shown:
        return f"none of {page.total}"
    first = page.offset + 1
    more = f"; next page: --offset {page.offset + shown}" if page.has_more else ""
    return f"{first}–{page.offset + shown} of {page.total}{more}"


def fields(pairs: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
    """A two-column view of one record."""
    view = Table(title=title, show_header=False, box=None, pad_edge=False)
    view.add_column(style="bold", no_wrap=True)
    view.add_column(overflow="fold")
    for name, value in pairs:
        if value not in (None, "", [], {}):
            view.add_row(name, cell(value))
    console.print(view)


def cell(value: Any) -> str:
    """A value as table text: dates to the minute, enums by value, lists joined, markup escaped."""
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, list | tuple):
        return ", ".join(cell(item) for item in value)
    else:
        text = str(getattr(value, "value", value))
    return escape(text)


def excerpt(text: str, size: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def done(message: str) -> None:
    """A one-line confirmation (never wrapped, so scripts can grep it)."""
    console.print(message, soft_wrap=True)


def warn(message: str) -> None:
    errors.print(f"[bold yellow]warning:[/] {escape(message)}")


def error(message: str) -> None:
    errors.print(f"[bold red]error:[/] {escape(message)}")


def escape(text: str) -> str:
    return text.replace("[", r"\[")


@contextmanager
def counting_bar(label: str, total: int | None, *, unit: str, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A transient progress bar (done / total, rate, time left); yields ``advance(n)``.
    Quiet (for ``--json``) yields a function that does nothing."""
    if quiet:
        yield lambda _n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn(label.replace("[", r"\[")),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(label, total=total, rate="")
    with bar:

        def advance(count: int) -> None:
            bar.advance(task, count)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:,.0f} {unit}/s" if speed else "")

        yield advance
