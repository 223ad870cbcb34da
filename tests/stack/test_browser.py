"""The browser side on a running local stack: pages served next to the API, the mini-program client
under Node with a stubbed ``wx``, and the end-to-end demo in headless Chromium (screenshots in
``.local/artifacts/browser/``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from local_stack.local_server import Stack, running_stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".local" / "artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = (
    "The browser tests drive Debian's Chromium: install it with `sudo apt-get install -y chromium` "
    "(or point CHROMIUM=/path/to/chromium at another build). `.ci/run` installs it on CI machines."
)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(workers=4) as running:
        yield running


def _node(*args: str, stack: Stack, timeout: float) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the client and browser tests (apt-get install nodejs npm)"
    env = {**os.environ, "BASE_URL": stack.url, "ARTIFACTS_DIR": str(ARTIFACTS), "CHROMIUM": CHROMIUM}
    return subprocess.run(
        [node, "--test", "--test-concurrency=1", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_pages_are_served_beside_the_api(stack: Stack) -> None:
    for path, kind in [("/", "text/html"), ("/docs/", "text/html"), ("/console/", "text/html"),
                       ("/member/", "text/html"), ("/console/app.js", "text/javascript"),
                       ("/vendor/swagger-ui/swagger-ui-bundle.js", "text/javascript"),
                       ("/vendor/chart.js/chart.umd.min.js", "text/javascript"),
                       ("/clients/miniprogram/api/client.js", "text/javascript")]:  # fmt: skip
        response = requests.get(stack.url + path, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == f"{kind}; charset=utf-8", path
    redirect = requests.get(stack.url + "/console", allow_redirects=False, timeout=30)
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/console/")


def test_api_paths_and_unpublished_files_are_never_pages(stack: Stack) -> None:
    for path in ["/vendor/swagger-ui/package.json", "/clients/miniprogram/api/schema.d.ts",
                 "/%2e%2e/template.yaml", "/console/../../template.yaml", "/no-such-page"]:  # fmt: skip
        response = requests.get(stack.url + path, timeout=30)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "NOT_FOUND", path
    assert requests.post(stack.url + "/console/", timeout=30).status_code == 404
    assert requests.get(stack.url + "/me", timeout=30).status_code == 401  # the API still answers first


def test_miniprogram_client_against_the_stack_with_a_stubbed_wx(stack: Stack) -> None:
    run = _node("clients/miniprogram/test/client.test.mjs", stack=stack, timeout=180)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


def test_demo_end_to_end_in_headless_chromium(stack: Stack) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(INSTALL_HINT)
    run = _node("tests/browser/e2e.test.mjs", stack=stack, timeout=300)
    assert run.returncode == 0, f"screenshots in {ARTIFACTS}\n" + run.stdout[-8000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert "07-member-sees-shipped.png" in shots, shots
