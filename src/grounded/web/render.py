"""Pages: Jinja2 templates with autoescaping on, so evidence text is always inert."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from grounded import __version__

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _day(value: datetime | str | None) -> str:
    return _when(value)[:10]


def _money(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}"


def _number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _sparkline(values: list[float] | None, width: int = 80, height: int = 18) -> Markup:
    """A tiny inline SVG line; the values are numbers we computed, never user text."""
    if not values or len(values) < 2:
        return Markup("")
    top = max(values) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - (v / top) * (height - 2) - 1:.1f}" for i, v in enumerate(values))
    return Markup(  # noqa: S704 (numbers we computed, no user text)
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="trend"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/></svg>'
    )


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, day=_day, money=_money, number=_number, sparkline=_sparkline)
    env.globals.update(version=__version__)
    return env


_ENV = environment()


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    seen = getattr(request.state, "seen", None)
    html = _ENV.get_template(template).render(
        request=request,
        me=seen,
        csrf_token=seen.csrf if seen is not None else "",
        local=request.app.state.config.local,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, body: dict[str, Any], headers: dict[str, str] | None = None) -> HTMLResponse:
    response = page(request, "error.html", status_code=int(body["status"]), problem=body)
    if headers:
        response.headers.update(headers)
    return response
