"""GET /openapi.json: the OpenAPI document, generated from every function's routes and models."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response, content_types

from mall.api.access import PUBLIC, Routes
from mall.api.app import entrypoint, make_app
from mall.api.openapi import document as build_document

# Deployed with CodeUri functions/, so every sibling function folder is packaged next to this one.
_FUNCTIONS = Path(__file__).resolve().parent.parent
routes = Routes()


def _sibling_routes() -> list[Routes]:
    found = []
    for path in sorted(_FUNCTIONS.glob("*/handler.py")):
        if path.parent.name == "openapi":
            continue
        name = f"_openapi_{path.parent.name}"
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        if isinstance(getattr(module, "routes", None), Routes):
            found.append(module.routes)
    return found


@lru_cache(maxsize=1)
def document() -> str:
    return build_document(
        _sibling_routes(),
        title="Points mall API",
        version="1.0.0",
        description="积分商城 backend. Conventions (errors, idempotency, paging, time, roles): docs/API.md",
    )


@routes.get("/openapi.json", allow=PUBLIC, include_in_schema=False)
def get_openapi():  # type: ignore[no-untyped-def]  # a Response annotation would become a schema
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document())


lambda_handler = entrypoint(make_app(routes))
