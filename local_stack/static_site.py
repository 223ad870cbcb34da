"""The browser side of the local stack: the API explorer, the operations console and the member demo page.

Plain files, no build step: ``web/`` is served at ``/``, the two pinned browser libraries from
``node_modules`` under ``/vendor/``, and the mini-program client under ``/clients/miniprogram/`` (the member
demo page runs that client in the browser).  The gateway asks here only when no API route matched, so a
page can never shadow an API path.  ``deploy.publish_web`` uploads the same files (``site_files()``) to the
console's S3 bucket.
"""

from __future__ import annotations

import fnmatch
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from local_stack import REPO_ROOT
from local_stack.events import HttpResponse


@dataclass(frozen=True)
class Mount:
    """Files under ``directory`` served at ``prefix``; only relative paths matching ``patterns`` (fnmatch:
    ``*`` crosses folders) are published, so package metadata and source maps stay out."""

    prefix: str
    directory: Path
    patterns: tuple[str, ...] = ("*",)


MOUNTS = (
    Mount(
        "/vendor/swagger-ui/",
        REPO_ROOT / "node_modules/swagger-ui-dist",
        ("swagger-ui.css", "swagger-ui-bundle.js"),
    ),
    Mount("/vendor/chart.js/", REPO_ROOT / "node_modules/chart.js/dist", ("chart.umd.min.js",)),
    Mount("/clients/miniprogram/", REPO_ROOT / "clients/miniprogram", ("api/*.js",)),
    Mount("/", REPO_ROOT / "web", ("*.html", "*.js", "*.css", "*.svg")),
)
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html"}
_HEADERS = [("cache-control", "no-cache"), ("x-content-type-options", "nosniff")]


def content_type(path: Path) -> str:
    kind = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def _published(mount: Mount, relative: str) -> bool:
    hidden = any(part.startswith(".") for part in PurePosixPath(relative).parts)
    return not hidden and any(fnmatch.fnmatchcase(relative, pattern) for pattern in mount.patterns)


def _locate(url_path: str) -> tuple[Mount, Path] | None:
    """The file (or directory) a URL path names, never anything outside a mount or a hidden name."""
    for mount in MOUNTS:
        if not url_path.startswith(mount.prefix) and url_path != mount.prefix.rstrip("/"):
            continue
        relative = PurePosixPath(url_path[len(mount.prefix) :])
        if any(part.startswith(".") for part in relative.parts):
            return None
        root = mount.directory.resolve()
        target = (root / relative).resolve()
        if target != root and not target.is_relative_to(root):
            return None
        return mount, target
    return None


def response(method: str, raw_path: str) -> HttpResponse | None:
    """The page for a GET/HEAD of ``raw_path``, or None to let the API answer (its 404 or 405)."""
    if method not in ("GET", "HEAD"):
        return None
    url_path = unquote(raw_path)
    found = _locate(url_path)
    if found is None:
        return None
    mount, target = found
    if target.is_dir():
        if not (target / "index.html").is_file():
            return None
        if not url_path.endswith("/"):  # relative links in the page resolve against the folder
            return HttpResponse(308, [("location", url_path + "/"), *_HEADERS], b"")
        target = target / "index.html"
    if not target.is_file() or not _published(
        mount, target.relative_to(mount.directory.resolve()).as_posix()
    ):
        return None
    body = target.read_bytes()
    return HttpResponse(200, [("content-type", content_type(target)), *_HEADERS], body)


def site_files() -> Iterator[tuple[str, Path]]:
    """Every published file as (URL path without the leading slash, file): what a static host serves."""
    for mount in MOUNTS:
        root = mount.directory.resolve()
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and _published(mount, relative):
                yield mount.prefix.lstrip("/") + relative, path
