"""Errors as HTTP: one table from error class to status, rendered as RFC 9457 problem
details for the API and as a page for people. No traceback ever reaches a caller."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from grounded import errors as e
from grounded.core.validation import plain_message
from grounded.web.forms import FormInvalid

log = logging.getLogger("grounded.web")
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://grounded.dev/problems/"

#: Most specific first.
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (e.Throttled, 429, "too-many-attempts"),
    (e.NotAuthenticated, 401, "not-authenticated"),
    (e.Forbidden, 403, "forbidden"),
    (e.NotFound, 404, "not-found"),
    (e.InvalidInput, 422, "invalid-input"),
    (e.ImportRejected, 422, "import-rejected"),
    (e.Conflict, 409, "conflict"),
    (e.NoWorkspace, 404, "no-workspace"),
    (e.DatabaseNotReady, 503, "database-not-ready"),
    (e.ModelUnavailable, 503, "model-unavailable"),
)
TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Not available",
}


def status_of(error: Exception) -> tuple[int, str]:
    for kind, status, slug in STATUS:
        if isinstance(error, kind):
            return status, slug
    return 500, "internal"


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem(
    request: Request, status: int, slug: str, detail: str, *, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return body


def respond(request: Request, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    status = int(body["status"])
    if wants_json(request):
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    from grounded.web.render import error_page

    return error_page(request, body, headers=headers)


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


async def grounded_error(request: Request, error: Exception) -> Response:
    status, slug = status_of(error)
    field = getattr(error, "field", None)
    detail = str(error)
    api = wants_json(request)  # an API answer says where a value was; a page keeps the name people read
    if field is None and isinstance(error, e.MalformedKey):
        field = _given_in(request, error.text) or ("body" if api and request.method in WITH_BODY else None)
        detail = f"{field}: {error.detail}" if field else detail
    elif field is not None and api and _located(request, field) != field:
        field = _located(request, field)
        detail = f"{field}: {getattr(error, 'detail', detail)}"
    errors = [{"field": field, "message": getattr(error, "detail", str(error))}] if field else None
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, e.Throttled) else None
    return respond(request, problem(request, status, slug, detail, errors=errors), headers)


#: Where a value in a request can be: the first part of a field's name in an answer.
LOCATIONS = ("body", "query", "path", "header", "cookie")
WITH_BODY = ("POST", "PUT", "PATCH")
#: A service's name for a value that the web's parameters call otherwise.
PARAMETERS = {"query": "q"}


def _located(request: Request, field: str) -> str:
    """A field a service named (``expires_at``) with where the request gave it, as the
    framework's own checks name theirs (``body.expires_at``, ``query.limit``)."""
    name, dot, rest = field.partition(".")
    if dot and name in LOCATIONS:
        return field
    for given in (name, PARAMETERS.get(name)):
        if given is not None and given in request.query_params:
            return f"query.{given}{dot}{rest}"
        if given is not None and given in request.path_params:
            return f"path.{given}{dot}{rest}"
    if request.method in WITH_BODY:
        return f"body.{field}"
    return field


def _given_in(request: Request, text: str) -> str | None:
    """Where a malformed key came from: the path parameter or query value that holds it
    (``path.key``, ``query.problem``), or None when it came from elsewhere (a body names
    its own fields)."""
    for name, value in request.path_params.items():
        if value == text:
            return f"path.{name}"
    for name, value in request.query_params.multi_items():
        if value == text:
            return f"query.{name}"
    return None


def _field_error(item: Any) -> dict[str, str]:
    location = tuple(item.get("loc", ()))
    if item.get("type") == "json_invalid":  # ("body", position): the body as a whole is at fault
        reason = item.get("ctx", {}).get("error", "")
        where = f" at character {location[1]}" if len(location) > 1 else ""
        return {"field": "body", "message": f"the body is not valid JSON: {reason}{where}"}
    return {"field": _field_path(location), "message": plain_message(item.get("msg", ""))}


async def validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError | ValidationError)
    items = [_field_error(item) for item in error.errors()]
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in items) or "invalid request"
    return respond(request, problem(request, 422, "invalid-input", detail, errors=items))


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 400:  # only ever raised by the framework, for a body it cannot parse
        return _unreadable_body(request, error)
    detail = str(error.detail) if error.detail else TITLES.get(error.status_code, "Error")
    if error.status_code == 404:
        detail = f"there is no page at {request.url.path}"
    slug = TITLES.get(error.status_code, "error").lower().replace(" ", "-")
    return respond(request, problem(request, error.status_code, slug, detail), dict(error.headers or {}))


def _unreadable_body(request: Request, error: HTTPException) -> Response:
    """A body the framework could not parse at all (JSON that is not UTF-8, a broken
    multipart form): a malformed value like any other, and the value at fault is the body."""
    kind = request.headers.get("content-type", "").split(";")[0] or "no content type"
    cause = error.__cause__ or error.__context__
    if isinstance(cause, UnicodeDecodeError):
        reason = "it is not UTF-8"
    elif error.detail and error.detail != "There was an error parsing the body":
        reason = str(error.detail)
    else:
        reason = type(cause).__name__ if cause else "it is malformed"
    message = f"the body could not be read as {kind}: {reason}"
    return respond(
        request,
        problem(request, 422, "invalid-input", f"body: {message}", errors=[{"field": "body", "message": message}]),
    )


async def form_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FormInvalid)
    items = [{"field": field, "message": message} for field, message in error.errors.items()]
    return respond(request, problem(request, 422, "invalid-input", str(error), errors=items))


async def integrity_error(request: Request, error: Exception) -> Response:
    log.info("integrity error on %s: %s", request.url.path, error)
    return respond(request, problem(request, 409, "conflict", "the change collides with something that exists"))


async def database_error(request: Request, error: Exception) -> Response:
    log.warning("database error on %s: %s", request.url.path, error)
    return respond(request, problem(request, 503, "database-not-ready", "the database is busy or unreachable; retry"))


async def unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path, exc_info=error)
    return respond(request, problem(request, 500, "internal", "an unexpected error; it has been logged"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.GroundedError, grounded_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(FormInvalid, form_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, database_error)
    app.add_exception_handler(Exception, unexpected)
