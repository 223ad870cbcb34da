"""The committed API description (docs/openapi.json, the mini-program typings) matches the code."""

from __future__ import annotations

import json
import shutil
import subprocess

from tools import openapi


def test_committed_openapi_document_matches_the_code() -> None:
    committed = openapi.DOCUMENT.read_text("utf-8") if openapi.DOCUMENT.exists() else ""
    assert committed == openapi.document_text(), (
        f"docs/openapi.json is out of date with the code: run `{openapi.REGENERATE}` and commit it"
    )


def test_committed_document_is_what_the_api_serves(invoke) -> None:  # type: ignore[no-untyped-def]
    status, served = invoke("openapi", "GET", "/openapi.json")
    assert status == 200
    assert served == json.loads(openapi.DOCUMENT.read_text("utf-8"))


def test_client_typings_match_the_document() -> None:
    committed = openapi.TYPINGS.read_text("utf-8") if openapi.TYPINGS.exists() else ""
    assert committed == openapi.typings_text(openapi.DOCUMENT.read_text("utf-8")), (
        f"{openapi.TYPINGS.name} is out of date with docs/openapi.json: run `{openapi.REGENERATE}`"
    )


def test_client_type_checks_against_the_typings() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed (make deps)"
    tsc = openapi.ROOT / "node_modules/typescript/bin/tsc"
    result = subprocess.run(
        [node, str(tsc), "-p", str(openapi.ROOT / "clients/miniprogram")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
