"""Create the template's tables, queues and secrets on the local engines.

Returns what each resource answers to ``!Ref``/``!GetAtt`` so function environments resolve to local
names.  Creation is idempotent: existing tables (``--data``) and resources on external engines are reused.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from local_stack import LOCAL_ACCOUNT_ID, LOCAL_REGION
from local_stack.engines import SECRETS_DATA_FILE, client
from local_stack.template import (
    Physical,
    QueueSpec,
    SecretSpec,
    StackTemplate,
    TableSpec,
    TemplateError,
    resolve,
)

log = logging.getLogger(__name__)

# CloudFormation property -> SQS attribute, for the properties that change local behaviour.
QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


def create_resources(
    template: StackTemplate, *, dynamodb_endpoint: str, moto_endpoint: str, data_dir: Path | None = None
) -> dict[str, Physical]:
    """Create everything and return logical id -> Physical for tables, queues, secrets and functions."""
    physical: dict[str, Physical] = {
        fn.logical_id: Physical(
            fn.logical_id,
            {"Arn": f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{fn.logical_id}"},
        )
        for fn in template.functions
    }
    dynamodb = client("dynamodb", dynamodb_endpoint)
    for table in template.tables:
        physical[table.logical_id] = create_table(dynamodb, table, template, physical)
    sqs = client("sqs", moto_endpoint)
    pending = list(template.queues)
    while pending:
        ready = [q for q in pending if q.dead_letter_queue is None or q.dead_letter_queue in physical]
        if not ready:
            names = ", ".join(f"{q.logical_id} -> {q.dead_letter_queue}" for q in pending)
            raise TemplateError(f"dead-letter queues that are not SQS queues of this template: {names}")
        for queue in ready:
            physical[queue.logical_id] = create_queue(sqs, queue, template, physical)
            pending.remove(queue)
    secrets_client = client("secretsmanager", moto_endpoint)
    saved = _load_saved_secrets(data_dir)
    for secret in template.secrets:
        physical[secret.logical_id] = create_secret(secrets_client, secret, template, physical, saved)
    _save_secrets(data_dir, saved)
    return physical


def create_table(
    dynamodb: Any, table: TableSpec, template: StackTemplate, physical: Mapping[str, Physical]
) -> Physical:
    props = resolve(dict(table.properties), template, physical)
    request: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            request[key] = [
                {k: index[k] for k in ("IndexName", "KeySchema", "Projection")} for index in props[key]
            ]
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    try:
        dynamodb.create_table(**request)
        log.info("created table %s", table.name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        _warn_if_indexes_differ(dynamodb, table.name, request)
        _enable_stream(dynamodb, table.name, request.get("StreamSpecification"))
    dynamodb.get_waiter("table_exists").wait(
        TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled") in (True, "true"):
        try:
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        except ClientError as exc:  # already enabled on a reused table, or unsupported by the engine
            log.info("time to live on %s not changed: %s", table.name, exc)
    description = dynamodb.describe_table(TableName=table.name)["Table"]
    attributes = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attributes["StreamArn"] = description["LatestStreamArn"]
    return Physical(table.name, attributes)


def _warn_if_indexes_differ(dynamodb: Any, name: str, request: Mapping[str, Any]) -> None:
    existing = dynamodb.describe_table(TableName=name)["Table"]
    have = sorted(i["IndexName"] for i in existing.get("GlobalSecondaryIndexes", []))
    want = sorted(i["IndexName"] for i in request.get("GlobalSecondaryIndexes", []))
    if have != want:
        log.warning(
            "table %s exists with indexes %s but the template wants %s: use --reset", name, have, want
        )


def _enable_stream(dynamodb: Any, name: str, wanted: Mapping[str, Any] | None) -> None:
    """A table kept with ``--data`` from before the template asked for a stream gets one now."""
    if not wanted:
        return
    existing = dynamodb.describe_table(TableName=name)["Table"].get("StreamSpecification") or {}
    if existing.get("StreamEnabled"):
        if existing.get("StreamViewType") != wanted["StreamViewType"]:
            log.warning(
                "table %s streams %s but the template wants %s: use --reset",
                name,
                existing.get("StreamViewType"),
                wanted["StreamViewType"],
            )
        return
    dynamodb.update_table(TableName=name, StreamSpecification=dict(wanted))
    log.info("enabled the %s stream of table %s", wanted["StreamViewType"], name)


def create_queue(
    sqs: Any, queue: QueueSpec, template: StackTemplate, physical: Mapping[str, Physical]
) -> Physical:
    props = resolve(dict(queue.properties), template, physical)
    attributes = {key: _attribute_string(props[key]) for key in QUEUE_ATTRIBUTES if key in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if props.get(key):
            attributes[key] = json.dumps(props[key]) if isinstance(props[key], dict) else str(props[key])
    try:
        url = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("QueueAlreadyExists", "QueueNameExists"):
            raise
        url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={k: v for k, v in attributes.items() if k != "FifoQueue"}
        )
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    log.info("created queue %s (%s)", queue.name, url)
    return Physical(url, {"Arn": arn, "QueueName": queue.name, "QueueUrl": url})


def create_secret(
    client_: Any,
    secret: SecretSpec,
    template: StackTemplate,
    physical: Mapping[str, Physical],
    saved: dict[str, str],
) -> Physical:
    """Fixed ``SecretString`` values are (re)written; generated ones are made once and then kept."""
    props = secret.properties
    generate = props.get("GenerateSecretString")
    if generate is not None:
        value = saved.get(secret.name) or generate_secret_string(resolve(generate, template, physical))
        saved[secret.name] = value
    else:
        value = str(resolve(props.get("SecretString", ""), template, physical))
    try:
        arn = client_.create_secret(Name=secret.name, SecretString=value)["ARN"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise
        arn = client_.describe_secret(SecretId=secret.name)["ARN"]
        if generate is None:
            client_.put_secret_value(SecretId=secret.name, SecretString=value)
    log.info("created secret %s", secret.name)
    return Physical(arn, {"Id": arn})


def generate_secret_string(options: Mapping[str, Any]) -> str:
    """Secrets Manager's GenerateSecretString, including the JSON template form, using ``secrets``."""
    alphabet = ""
    if not _flag(options, "ExcludeLowercase"):
        alphabet += string.ascii_lowercase
    if not _flag(options, "ExcludeUppercase"):
        alphabet += string.ascii_uppercase
    if not _flag(options, "ExcludeNumbers"):
        alphabet += string.digits
    if not _flag(options, "ExcludePunctuation"):
        alphabet += string.punctuation
    if _flag(options, "IncludeSpace"):
        alphabet += " "
    excluded = set(str(options.get("ExcludeCharacters", "")))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    if not alphabet:
        raise TemplateError("GenerateSecretString excludes every character")
    value = "".join(secrets.choice(alphabet) for _ in range(int(options.get("PasswordLength", 32))))
    if "SecretStringTemplate" in options:
        document = json.loads(options["SecretStringTemplate"])
        document[options["GenerateStringKey"]] = value
        return json.dumps(document)
    return value


def _flag(options: Mapping[str, Any], key: str) -> bool:
    return options.get(key) in (True, "true", "True")


def _attribute_string(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _load_saved_secrets(data_dir: Path | None) -> dict[str, str]:
    """Generated secrets persist with ``--data`` so tokens signed before a restart stay valid."""
    if data_dir is None or not (data_dir / SECRETS_DATA_FILE).exists():
        return {}
    return dict(json.loads((data_dir / SECRETS_DATA_FILE).read_text(encoding="utf-8")))


def _save_secrets(data_dir: Path | None, saved: Mapping[str, str]) -> None:
    if data_dir is not None and saved:
        path = data_dir / SECRETS_DATA_FILE
        path.write_text(json.dumps(saved, indent=2), encoding="utf-8")
        path.chmod(0o600)
