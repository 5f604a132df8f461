"""Query parameters many routes share, and the problem answers every API route declares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from grounded.core.pagination import MAX_LIMIT, MAX_OFFSET, PageParams
from grounded.web.errors import PROBLEM_JSON


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many to return.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]

#: Themes come with their figures, trend and quotes: fewer to a page than other lists.
THEMES_PER_PAGE = 25


async def theme_page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many to return.")] = THEMES_PER_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


ThemePaging = Annotated[PageParams, Depends(theme_page_params)]
API = "/api/v1/w/{ws}"
PAGES = "/w/{ws}"

_WHEN = {
    401: "No credentials, or a wrong, revoked or expired token.",
    403: "The caller's role is too low, or the token is for another workspace.",
    404: "No such workspace, or no such record in it.",
    409: "The change collides with what exists, or the record's state does not allow it.",
    413: "The body is over the limit.",
    422: "A malformed value; `errors` names the field.",
    503: "The database is busy or unreachable, or a model is missing; retry.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` for these statuses: RFC 9457 problem details (the
    ``Problem`` schema, added to the description by :mod:`grounded.web.openapi`)."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {"description": _WHEN[status], "content": {PROBLEM_JSON: {"schema": schema}}} for status in statuses
    }


#: What any workspace route may answer besides its success.
READ_PROBLEMS = problems(401, 403, 404, 422, 503)
#: And what a change may answer too.
CHANGE_PROBLEMS = problems(409, 413)
