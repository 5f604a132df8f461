"""Query parameters many routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from grounded.core.pagination import MAX_LIMIT, PageParams


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many to return.")] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9, description="How many to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]
API = "/api/v1/w/{ws}"
PAGES = "/w/{ws}"
