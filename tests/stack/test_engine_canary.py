"""Canary: the DynamoDB engine the runner starts must serialise conditional writes, as DynamoDB does.

The flash-sale and points code rely on ``stock >= :one`` conditions never overselling under contention;
moto does not guarantee that, DynamoDB Local does.  If this fails, every concurrency test is meaningless.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_stack.engines import client, start_engines

THREADS = 40
STOCK = 3
ROUNDS = 10


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_engines(log_dir=tmp_path_factory.mktemp("engines"), with_moto=False) as engines:
        assert not engines.dynamodb_is_moto, "the canary must run on DynamoDB Local, not moto"
        ddb = client("dynamodb", engines.dynamodb_endpoint, max_pool_connections=THREADS)
        ddb.create_table(
            TableName="Canary",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb


def test_conditional_decrement_never_oversells(dynamodb: Any) -> None:
    for round_no in range(ROUNDS):
        key = {"PK": {"S": f"sku-{round_no}"}}
        dynamodb.put_item(TableName="Canary", Item={**key, "stock": {"N": str(STOCK)}})
        barrier = threading.Barrier(THREADS)

        def buy(_: int, key: dict[str, Any] = key, barrier: threading.Barrier = barrier) -> bool:
            barrier.wait()
            try:
                dynamodb.update_item(
                    TableName="Canary",
                    Key=key,
                    UpdateExpression="SET stock = stock - :one",
                    ConditionExpression="stock >= :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
                return False
            return True

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            wins = sum(pool.map(buy, range(THREADS)))
        stock = dynamodb.get_item(TableName="Canary", Key=key, ConsistentRead=True)["Item"]["stock"]["N"]
        assert (round_no, wins, stock) == (round_no, STOCK, "0")
