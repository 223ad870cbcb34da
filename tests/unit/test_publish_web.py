"""What the console bucket receives: the console, explorer and pinned libraries, nothing else."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from deploy.publish_web import deployed_files, publish


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="console")
        yield client


def test_uploads_the_console_with_content_types(s3) -> None:  # type: ignore[no-untyped-def]
    keys = publish("console", s3)
    for key in ["console/index.html", "console/app.js", "docs/index.html", "assets/style.css",
                "vendor/swagger-ui/swagger-ui-bundle.js", "vendor/chart.js/chart.umd.min.js"]:  # fmt: skip
        assert key in keys, key
    head = s3.head_object(Bucket="console", Key="console/app.js")
    assert head["ContentType"] == "text/javascript; charset=utf-8"
    assert head["CacheControl"] == "no-cache"


def test_local_only_and_unpublished_files_stay_home() -> None:
    keys = [key for key, _ in deployed_files()]
    assert not [k for k in keys if k.startswith(("member/", "clients/"))], "dev-login demo is local only"
    assert not [k for k in keys if k.endswith((".map", ".json", ".d.ts", ".md"))]
