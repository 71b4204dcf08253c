"""The OpenAPI 3.1 description of the service, served at ``/openapi.json``.

The document is built from the same settings as the app, so the limits it states (id and
text lengths) and whether writes need a bearer token are those the service enforces.

>>> doc = openapi(Settings())
>>> doc["components"]["schemas"]["Article"]["properties"]["id"]["maxLength"]
1024
>>> "security" in doc["paths"]["/v1/articles"]["post"]
False
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from detector.explain import STEPS
from service.api import JSON_TYPES, NDJSON_TYPES
from service.problems import PROBLEM_TYPE
from service.settings import Settings

Schema = dict[str, Any]

JSON = JSON_TYPES[0]
NDJSON = NDJSON_TYPES[0]
BEARER = "bearer"

# A problem response per status the service answers with; components/responses keys.
_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The body is not valid JSON (or not UTF-8)."),
    401: ("Unauthorized", "The bearer token is missing or wrong."),
    404: ("NotFound", "No article has this id."),
    408: ("RequestTimeout", "The body did not arrive within the read timeout."),
    413: (
        "ContentTooLarge",
        "The body is over the byte limit, or 'text' / 'html' over the character limit.",
    ),
    415: ("UnsupportedMediaType", "The Content-Type is not one this operation reads."),
    422: (
        "UnprocessableContent",
        "The body is JSON but not a usable article: a field is missing, has the wrong type, "
        "or is over a limit (`field` names it).",
    ),
    500: ("InternalServerError", "An unexpected error; it has been logged."),
    503: ("ServiceUnavailable", "The index store is unreachable; retry after `Retry-After`."),
}


def openapi(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document for a service with these settings (limits, auth).

    >>> openapi(Settings(token="s3cret"))["paths"]["/v1/articles"]["post"]["security"]
    [{'bearer': []}]
    """
    secured = settings.token is not None
    components: dict[str, Any] = {
        "schemas": _schemas(settings),
        "responses": {
            name: _problem_response(status, description)
            for status, (name, description) in _PROBLEMS.items()
        },
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before sending the request again.",
                "schema": {"type": "integer", "minimum": 0},
            }
        },
    }
    if secured:
        components["securitySchemes"] = {
            BEARER: {
                "type": "http",
                "scheme": "bearer",
                "description": "The service's token (REDITE_TOKEN); needed for writes and "
                "deletes, reads are open.",
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "redite",
            "version": _version(),
            "summary": "Near-duplicate and republication detection for news text.",
            "description": (
                "Index articles and find the ones that share text with them. Spans are "
                "Python string offsets (code points) into the text exactly as submitted. "
                "Errors are RFC 9457 problem details (application/problem+json); a method a "
                "path does not have gets 405 with an Allow header. "
                f"Request bodies are limited to {settings.max_body_bytes:,} bytes, texts to "
                f"{settings.max_text_chars:,} characters and {settings.max_paragraphs:,} "
                f"non-blank lines, ids to {settings.max_id_chars:,} characters."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [
            {"name": "articles", "description": "Index articles and match them."},
            {"name": "operations", "description": "Health, readiness, metrics, this document."},
        ],
        "paths": _paths(settings, secured),
        "components": components,
    }


def _version() -> str:
    try:
        return version("redite")
    except PackageNotFoundError:
        return "0+unknown"


# -- paths -------------------------------------------------------------------------------


def _paths(settings: Settings, secured: bool) -> dict[str, Any]:
    id_parameter = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "The article's id, percent-encoded.",
        "schema": {"type": "string", "minLength": 1, "maxLength": settings.max_id_chars},
    }
    json_errors = (400, 408, 413, 415, 422, 503)
    return {
        "/v1/articles": {
            "post": _operation(
                "Index an article and match it",
                "Match the article against what the index held before, then store it "
                "(upsert by id). 201 when the id is new, 200 when it replaced an article. "
                "A 2xx means the store has it.",
                "indexArticle",
                {
                    "201": _json_response("Stored under a new id.", _ref("IndexedReport")),
                    "200": _json_response(
                        "Stored, replacing the article that had this id.", _ref("IndexedReport")
                    ),
                },
                errors=json_errors,
                body=_json_body(_ref("Article")),
                secured=secured,
            )
        },
        "/v1/match": {
            "post": _operation(
                "Match an article without indexing it",
                "The same report as indexing gives, but nothing is stored. `id` is optional "
                "(`query` when absent); an indexed article with the same id is not a match "
                "of itself. With `explain=ID` the report also says why the indexed article "
                "`ID` is among the matches or not (404 when no article has that id).",
                "matchArticle",
                {"200": _json_response("The matches and internal repeats.", _ref("MatchReport"))},
                errors=(*json_errors, 404),
                body=_json_body(_ref("MatchQuery")),
                parameters=[
                    {
                        "name": "explain",
                        "in": "query",
                        "required": False,
                        "description": "An indexed article's id: say why it is a match or not.",
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": settings.max_id_chars,
                        },
                    }
                ],
            )
        },
        "/v1/articles:bulk": {
            "post": _operation(
                "Index many articles (NDJSON in, NDJSON out)",
                "One Article a line in; one BulkResult a line out, streamed, in input order "
                "(blank lines are skipped). Each article is matched against what was indexed "
                "before it, then stored (as `POST /v1/articles` does); with `match=false` it "
                "is only stored (a backfill: many writes run at once, and each result says "
                "only whether the article is stored). A bad line gets a 4xx result and the "
                "others go on. A 503 result means the store is unreachable: the stream ends "
                "there, resend from that line. OpenAPI 3.1 has no schema for a sequence of "
                "lines, so each body is described as an array whose items are its lines.",
                "indexArticlesBulk",
                {
                    "200": {
                        "description": "One result a line, streamed as the articles are indexed.",
                        "content": {NDJSON: {"schema": _lines_of(_ref("BulkResult"))}},
                    }
                },
                errors=(415, 422),
                parameters=[
                    {
                        "name": "match",
                        "in": "query",
                        "required": False,
                        "description": "`false`: store the articles without matching them.",
                        "schema": {"type": "string", "enum": ["true", "false"], "default": "true"},
                    }
                ],
                body={
                    "required": True,
                    "description": "One Article (a JSON object) a line.",
                    "content": {
                        media: {"schema": _lines_of(_ref("Article"))} for media in NDJSON_TYPES
                    },
                },
                secured=secured,
            )
        },
        "/v1/articles/{id}": {
            "parameters": [id_parameter],
            "get": _operation(
                "Get a stored article",
                "The article as stored, with the time it was indexed. Absent fields are left out.",
                "getArticle",
                {"200": _json_response("The stored article.", _ref("StoredArticle"))},
                errors=(404, 503),
            ),
            "delete": _operation(
                "Delete an article",
                "Remove the article and its index entries. 404 when it is not there "
                "(deleting twice is harmless).",
                "deleteArticle",
                {"204": {"description": "Deleted."}},
                errors=(404, 503),
                secured=secured,
            ),
        },
        "/healthz": {
            "get": _operation(
                "Liveness",
                "The process is up; does not touch the store.",
                "healthz",
                {"200": _json_response("Up.", _object({"status": {"const": "ok"}}))},
                tag="operations",
            )
        },
        "/readyz": {
            "get": _operation(
                "Readiness",
                "The index store answers within 2 s.",
                "readyz",
                {
                    "200": _json_response(
                        "Ready.",
                        _object({"status": {"const": "ready"}, "store": {"type": "string"}}),
                    )
                },
                errors=(503,),
                tag="operations",
            )
        },
        "/metrics": {
            "get": _operation(
                "Prometheus metrics",
                "Request counts and latencies, matches by kind, store errors, hot buckets.",
                "metrics",
                {"200": _text_response("The Prometheus text format 0.0.4.", "text/plain")},
                tag="operations",
            )
        },
        "/openapi.json": {
            "get": _operation(
                "This document",
                "The OpenAPI 3.1 description of the service.",
                "openapi",
                {"200": _json_response("The OpenAPI document.", {"type": "object"})},
                tag="operations",
            )
        },
        "/": {
            "get": _operation(
                "A page to paste an article and see its matches",
                "A self-contained HTML page that calls `POST /v1/match`.",
                "page",
                {"200": _text_response("The page.", "text/html")},
                tag="operations",
            )
        },
    }


def _operation(
    summary: str,
    description: str,
    operation_id: str,
    responses: dict[str, Any],
    *,
    errors: tuple[int, ...] = (),
    body: dict[str, Any] | None = None,
    secured: bool = False,
    tag: str = "articles",
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One operation; every one may answer 500, a secured one 401."""
    statuses = sorted({*errors, 500} | ({401} if secured else set()))
    operation: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "description": description,
        "operationId": operation_id,
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    if secured:
        operation["security"] = [{BEARER: []}]
    operation["responses"] = responses | {
        str(status): {"$ref": f"#/components/responses/{_PROBLEMS[status][0]}"}
        for status in statuses
    }
    return operation


def _json_body(schema: Schema) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def _json_response(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _text_response(description: str, media_type: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _problem_response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_TYPE: {"schema": _ref("Problem")}},
    }
    if status == 503:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "The scheme to use: `Bearer`.",
                "schema": {"type": "string"},
            }
        }
    return response


# -- schemas -----------------------------------------------------------------------------


def _schemas(settings: Settings) -> dict[str, Schema]:
    return {
        "Article": _article(settings, id_required=True),
        "MatchQuery": _article(settings, id_required=False),
        "Report": _object(
            {
                "id": {"type": "string", "description": "The id of the submitted article."},
                "internal_repeats": _ref("InternalRepeats"),
                "matches": {"type": "array", "items": _ref("Match")},
            },
            description="What one article shares with the index, and with itself.",
        ),
        "IndexedReport": {"allOf": [_ref("Report"), _object(_STORED_FIELDS)]},
        "MatchReport": {
            "allOf": [
                _ref("Report"),
                _object({"explain": _ref("Explanation")}, optional=("explain",)),
            ]
        },
        "Explanation": _object(
            {
                "id": {"type": "string", "description": "The indexed article explained."},
                "reported": {"type": "boolean", "description": "It is among the matches."},
                "candidate_rank": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "Its place among the candidates verified (null: not "
                    "among them).",
                },
                "candidates": {"type": "integer", "minimum": 0},
                "max_candidates": {"type": "integer", "minimum": 1},
                "units": {"type": "integer", "minimum": 0, "description": "The query's units."},
                "common_units": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Units of the query that many indexed articles carry.",
                },
                "pair": _object(
                    {
                        "lost_at": {
                            "type": ["string", "null"],
                            "enum": [*STEPS, None],
                            "description": "The step that stops the pair alone (null: none).",
                        },
                        "shared_shingles": {"type": "number", "minimum": 0, "maximum": 1},
                        "steps": {
                            "type": "array",
                            "items": _object(
                                {
                                    "name": {"type": "string", "enum": list(STEPS)},
                                    "passed": {"type": "boolean"},
                                    "found": {"type": "string"},
                                }
                            ),
                        },
                    },
                    description="The engine's steps on the query and the article alone.",
                ),
            },
            description="Why an indexed article is a match of the query, or is not.",
        ),
        "Match": _object(
            {
                "id": {"type": "string", "description": "The indexed article."},
                "kind": {
                    "type": "string",
                    "enum": ["duplicate", "republication", "partial"],
                    "description": "duplicate: both coverages >= 0.9; republication: either "
                    ">= 0.5; partial: otherwise (at least one verified passage).",
                },
                "score": _fraction("How much the two articles share."),
                "query_coverage": _fraction(
                    "Share of the submitted article's body inside matched passages."
                ),
                "match_coverage": _fraction(
                    "Share of the indexed article's body inside matched passages."
                ),
                "source": _nullable({"type": "string"}, "The indexed article's source."),
                "published_at": _nullable(
                    {"type": "string", "format": "date-time"},
                    "The indexed article's publication time.",
                ),
                "original": {
                    "type": "boolean",
                    "description": "This match has the earliest published_at among the "
                    "submitted article and its matches: the likely original.",
                },
                "passages": {"type": "array", "items": _ref("Passage")},
            },
            description="What the submitted article shares with one indexed article.",
        ),
        "Passage": _object(
            {
                "query_span": _span("In the submitted text."),
                "match_span": _span("In the indexed article's text."),
                "similarity": _fraction("How alike the two stretches are."),
            }
        ),
        "InternalRepeats": _object(
            {
                "fraction": _fraction("Share of the body that repeats earlier text."),
                "spans": {"type": "array", "items": _ref("RepeatSpan")},
            },
            description="Repetition inside the submitted text.",
        ),
        "RepeatSpan": _object(
            {
                "first": _span("Where the text first appears."),
                "repeat": _span("Where it appears again."),
                "similarity": _fraction("How alike the two stretches are."),
            },
            optional=("similarity",),
        ),
        "StoredArticle": _object(
            {
                "id": {"type": "string"},
                "text": {"type": "string", "description": "The main text, as indexed."},
                "source": {"type": "string"},
                "url": {"type": "string"},
                "published_at": {"type": "string", "format": "date-time"},
                "title": {"type": "string"},
                "metadata": {"type": "object"},
                "indexed_at": {"type": "string", "format": "date-time"},
            },
            optional=("source", "url", "published_at", "title", "metadata"),
            description="An article as stored; absent fields are left out.",
        ),
        "BulkResult": {
            "description": "The result of one input line.",
            "oneOf": [_ref("BulkIndexed"), _ref("BulkStored"), _ref("BulkFailed")],
        },
        "BulkIndexed": {
            "description": "The line's article is stored; its report.",
            "allOf": [_ref("IndexedReport"), _object(_bulk_fields({"enum": [200, 201]}))],
        },
        "BulkStored": {
            **_object(
                _bulk_fields(
                    {"enum": [200, 201]},
                    id={"type": "string", "description": "The article's id."},
                    **_STORED_FIELDS,
                ),
                description="With `match=false`: the line's article is stored, not matched.",
            ),
            "additionalProperties": False,
        },
        "BulkFailed": _object(
            _bulk_fields(
                {"type": "integer", "minimum": 400, "maximum": 599},
                problem=_ref("Problem"),
            ),
            description="The line was skipped (4xx), or the store is unreachable (503, and "
            "the stream ends).",
        ),
        "Problem": _object(
            {
                "type": {"type": "string", "description": "Always `about:blank`."},
                "title": {"type": "string", "description": "The status's name."},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string", "description": "What went wrong, what to change."},
                "field": {"type": "string", "description": "The request field at fault."},
            },
            optional=("field",),
            description="RFC 9457 problem details.",
        ),
    }


def _article(settings: Settings, *, id_required: bool) -> Schema:
    fields = _article_fields(settings)
    if not id_required:
        fields["id"] = _nullable(fields["id"], "Optional; `query` when absent.")
    schema = _object(
        fields,
        optional=tuple(name for name in fields if name != "id" or not id_required),
        description="An article: `text`, or `html` to extract the main text from (`text` "
        "wins when both are given). Unknown fields are ignored; null is the same as "
        "leaving an optional field out.",
    )
    schema["anyOf"] = [{"required": ["text"]}, {"required": ["html"]}]
    return schema


def _article_fields(settings: Settings) -> dict[str, Schema]:
    def text(description: str) -> Schema:
        return {
            "type": "string",
            "maxLength": settings.max_text_chars,
            "description": f"{description} At most {settings.max_paragraphs:,} non-blank lines.",
        }

    return {
        "id": {"type": "string", "minLength": 1, "maxLength": settings.max_id_chars},
        "text": text("The main text; spans refer to it."),
        "html": text("A web page; its main text is extracted and spans refer to that."),
        "source": _nullable({"type": "string"}, "Who published it."),
        "url": _nullable({"type": "string"}),
        "published_at": _nullable(
            {"type": "string", "format": "date-time"}, "RFC 3339, with a time zone offset."
        ),
        "title": _nullable({"type": "string"}),
        "metadata": _nullable({"type": "object"}, "Kept with the article, returned as given."),
    }


_STORED_FIELDS: dict[str, Schema] = {
    "indexed": {"type": "boolean", "description": "The store holds this version of the article."},
    "created": {
        "type": "boolean",
        "description": "The id was new (false: an article was replaced).",
    },
}
"""What a write did, in every result of one."""


def _bulk_fields(status: Schema, **more: Schema) -> dict[str, Schema]:
    return {
        "line": {"type": "integer", "minimum": 1, "description": "The input line, from 1."},
        "status": {**status, "description": "An HTTP status for this line."},
        **more,
    }


def _object(
    properties: dict[str, Schema],
    *,
    optional: tuple[str, ...] = (),
    description: str | None = None,
) -> Schema:
    """An object with these properties, all required except ``optional``."""
    schema: Schema = {"type": "object"}
    if description is not None:
        schema["description"] = description
    schema["properties"] = properties
    schema["required"] = [name for name in properties if name not in optional]
    return schema


def _nullable(schema: Schema, description: str | None = None) -> Schema:
    widened = {**schema, "type": [schema["type"], "null"]}
    if description is not None:
        widened["description"] = description
    return widened


def _fraction(description: str) -> Schema:
    return {"type": "number", "minimum": 0, "maximum": 1, "description": description}


def _span(description: str) -> Schema:
    return {
        "type": "array",
        "items": {"type": "integer", "minimum": 0},
        "minItems": 2,
        "maxItems": 2,
        "description": f"[start, end) in code points. {description}",
    }


def _lines_of(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}
