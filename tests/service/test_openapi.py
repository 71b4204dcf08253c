"""The OpenAPI document against the running service: schemathesis, plus a few plain checks."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.api import NDJSON_TYPES
from service.app import create_app
from service.openapi import openapi
from service.page import PAGE
from service.settings import Settings
from tests.properties import property_settings

T = TypeVar("T")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@schemathesis.serializer(*NDJSON_TYPES)
def _ndjson(ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """The document describes an NDJSON body as the array of its lines."""
    del ctx
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


@schemathesis.deserializer("application/x-ndjson")
def _ndjson_lines(ctx: schemathesis.DeserializationContext, response: schemathesis.Response) -> Any:
    del ctx
    return [json.loads(line) for line in response.content.splitlines() if line.strip()]


class Service:
    """The app served by aiohttp on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._sock = sock
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._thread.start()
        self._runner = web.AppRunner(self.app)
        self._call(self._runner.setup())
        self._call(web.SockSite(self._runner, self._sock).start())

    def stop(self) -> None:
        if self._runner is not None:
            self._call(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=30)


@contextmanager
def _serving(folder: Path, token: str | None = None) -> Iterator[Service]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    settings = Settings(
        store=f"sqlite:///{folder}/index.db", port=sock.getsockname()[1], token=token
    )
    running = Service(settings, sock)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with _serving(tmp_path_factory.mktemp("open")) as running:
        yield running


@pytest.fixture(scope="module")
def secured_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with _serving(tmp_path_factory.mktemp("secured"), token="s3cret") as running:
        yield running


@pytest.fixture
def api_schema(service: Service) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{service.url}/openapi.json")


@pytest.fixture
def secured_api_schema(secured_service: Service) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{secured_service.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")
secured_schema = schemathesis.pytest.from_fixture("secured_api_schema")


@schema.parametrize()
@property_settings(25, [HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_service_keeps_to_its_document(
    case: schemathesis.Case[Any],
) -> None:
    case.call_and_validate(checks=CHECKS)


@secured_schema.parametrize()
@property_settings(10, [HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_without_the_token_writes_get_the_documented_401(
    case: schemathesis.Case[Any],
) -> None:
    response = case.call_and_validate(checks=CHECKS)
    if "security" in case.operation.definition.raw:
        assert response.status_code >= 400, "a write went through without the token"


def test_a_write_without_the_token_is_a_documented_401(secured_service: Service) -> None:
    document = schemathesis.openapi.from_dict(openapi(secured_service.settings))
    case = document["/v1/articles"]["POST"].Case(
        body={"id": "a", "text": "Bonjour"}, media_type="application/json"
    )
    response = case.call(base_url=secured_service.url)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == ['Bearer realm="redite"']
    case.validate_response(response, checks=CHECKS)


def test_the_service_serves_this_document(service: Service) -> None:
    response = requests.get(f"{service.url}/openapi.json", timeout=10)
    assert response.json() == openapi(service.settings)


def test_the_document_has_every_route_of_the_app() -> None:
    settings = Settings(store="sqlite:///index.db")
    app = create_app(settings)
    routed = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"  # aiohttp adds HEAD to GETs
    }
    documented = {
        (path, method)
        for path, item in openapi(settings)["paths"].items()
        for method in item
        if method in METHODS
    }
    assert documented == routed


def test_every_operation_has_a_summary_and_an_id() -> None:
    operations = [
        operation
        for item in openapi(Settings())["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert all(operation.get("summary") for operation in operations)
    ids = [operation["operationId"] for operation in operations]
    assert len(set(ids)) == len(ids)


def test_limits_come_from_the_settings() -> None:
    schemas = openapi(Settings(max_id_chars=7, max_text_chars=99))["components"]["schemas"]
    article = schemas["Article"]["properties"]
    assert article["id"]["maxLength"] == 7
    assert article["text"]["maxLength"] == article["html"]["maxLength"] == 99
    assert schemas["MatchQuery"]["required"] == []


def test_writes_need_the_bearer_token_only_when_one_is_set() -> None:
    def secured(document: dict[str, Any]) -> set[tuple[str, str]]:
        return {
            (path, method)
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if method in METHODS and "security" in operation and "401" in operation["responses"]
        }

    assert secured(openapi(Settings())) == set()
    with_token = openapi(Settings(token="s3cret"))
    assert secured(with_token) == {
        ("/v1/articles", "post"),
        ("/v1/articles:bulk", "post"),
        ("/v1/articles/{id}", "delete"),
    }
    assert with_token["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(openapi(Settings()))


def test_the_page_is_self_contained_and_inserts_only_text() -> None:
    assert '<label for="text">' in PAGE
    assert '<textarea id="text"' in PAGE
    assert 'fetch("/v1/match"' in PAGE
    for outside in ("innerHTML", "http://", "https://", " src="):
        assert outside not in PAGE
