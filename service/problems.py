"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

PROBLEM_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_body(
    status: int, detail: str, field: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The JSON object of a problem; ``field`` names the offending request field."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    return body


def problem(
    status: int,
    detail: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    """A problem+json response.

    >>> problem(422, "field 'text' must be a string", field="text").status
    422
    """
    return web.Response(
        status=status,
        text=json.dumps(problem_body(status, detail, field, **extra), ensure_ascii=False),
        content_type=PROBLEM_TYPE,
        headers=headers,
    )


class Problem(Exception):
    """Raised inside a handler to answer with a problem; the middleware renders it."""

    def __init__(
        self,
        status: int,
        detail: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers

    def response(self) -> web.Response:
        return problem(self.status, self.detail, self.field, self.headers)
