"""Upload the operations console and API explorer to the stack's console bucket (static files, no build).

    python -m deploy.publish_web --bucket <ConsoleBucketName> [--distribution <ConsoleDistributionId>]

Uploads what the local stack serves under /console/, /docs/, /assets/ and /vendor/ (the member demo page
and its dev logins stay local), then, with --distribution, asks CloudFront to drop its cached copies.
Run ``npm ci`` first: the pinned Swagger UI and Chart.js files come from node_modules."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from local_stack.static_site import content_type, site_files

DEPLOYED = ("console/", "docs/", "assets/", "vendor/")


def deployed_files() -> Iterator[tuple[str, Path]]:
    return ((key, path) for key, path in site_files() if key.startswith(DEPLOYED))


def publish(bucket: str, s3: Any = None) -> list[str]:
    s3 = s3 or boto3.client("s3")
    keys = []
    for key, path in deployed_files():
        # Pages revalidate so a new console shows at once; the pinned vendor files never change.
        cache = "public, max-age=31536000, immutable" if key.startswith("vendor/") else "no-cache"
        s3.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(path), CacheControl=cache
        )
        keys.append(key)
    return keys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True, help="the stack's ConsoleBucketName output")
    parser.add_argument("--distribution", help="the ConsoleDistributionId output, to invalidate its cache")
    args = parser.parse_args(argv)
    keys = publish(args.bucket)
    if not any(key.startswith("vendor/") for key in keys):
        raise SystemExit("no vendor files: run `npm ci` (make deps) first")
    print(f"uploaded {len(keys)} files to s3://{args.bucket}/")
    if args.distribution:
        boto3.client("cloudfront").create_invalidation(
            DistributionId=args.distribution,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": str(time.time()),
            },
        )
        print(f"invalidated {args.distribution}")


if __name__ == "__main__":
    main()
