"""The committed API description: ``docs/openapi.json`` and the mini-program client's typings.

``python -m tools.openapi`` (what ``make openapi`` runs) writes both from the code: the OpenAPI document
that ``functions/openapi/handler.py`` serves at ``GET /openapi.json``, and TypeScript declarations
generated from it by the pinned ``openapi-typescript``.  ``--check`` writes nothing and fails when the
committed files differ from what the code says now (the drift test runs that).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
TYPINGS = ROOT / "clients" / "miniprogram" / "api" / "schema.d.ts"
GENERATOR = ROOT / "node_modules" / "openapi-typescript" / "bin" / "cli.js"
REGENERATE = "make openapi"

# The handler module checks its environment at import; the document does not depend on these values.
_PLACEHOLDER_ENV = {
    "TABLE_NAME": "PointsTable",
    "SIGNING_KEY_SECRET_ID": "SigningKeySecret",
    "WECHAT_SECRET_ID": "WeChatSecret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def _openapi_handler() -> ModuleType:
    for key, value in _PLACEHOLDER_ENV.items():
        os.environ.setdefault(key, value)
    for path in (ROOT / "shared", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    spec = importlib.util.spec_from_file_location(
        "_tools_openapi_handler", ROOT / "functions/openapi/handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def document_text() -> str:
    """The document as the code generates it, pretty-printed with sorted keys so diffs read well."""
    generated = json.loads(_openapi_handler().document())
    return json.dumps(generated, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def typings_text(document: str) -> str:
    """TypeScript declarations for the document, by the pinned openapi-typescript (needs node_modules)."""
    node = shutil.which("node")
    if node is None or not GENERATOR.exists():
        raise SystemExit("openapi: needs Node.js and `npm ci` (make deps) to generate the client typings")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "openapi.json", Path(tmp) / "schema.d.ts"
        source.write_text(document, encoding="utf-8")
        subprocess.run(  # noqa: S603 - the pinned generator on a file we just wrote
            [node, str(GENERATOR), str(source), "-o", str(target)], check=True, capture_output=True
        )
        header = (
            f"// Generated from docs/openapi.json by openapi-typescript: do not edit, run `{REGENERATE}`.\n"
        )
        return header + target.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed files are out of date")
    args = parser.parse_args(argv)
    document = document_text()
    wanted = {DOCUMENT: document, TYPINGS: typings_text(document)}
    if args.check:
        stale = [
            path for path, text in wanted.items() if not path.exists() or path.read_text("utf-8") != text
        ]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date with the code: run `{REGENERATE}` and commit it")
        return 1 if stale else 0
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
