"""Read the SAM template into plain dataclasses, so the local runner builds exactly what gets deployed.

Only the parts the runner acts on are extracted (tables, queues, secrets, layers, functions and their
events); everything else is kept as a logical id -> type map so ``!Ref`` to it can still be answered.
Intrinsics are left unresolved here and resolved by :func:`resolve` once the local resources exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from local_stack import LOCAL_ACCOUNT_ID, LOCAL_REGION

FUNCTION_TYPE = "AWS::Serverless::Function"
TABLE_TYPE = "AWS::DynamoDB::Table"
QUEUE_TYPE = "AWS::SQS::Queue"
SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a resource type, not a secret
LAYER_TYPE = "AWS::Serverless::LayerVersion"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"
NO_AUTHORIZER = "NONE"  # a route's `Auth: {Authorizer: NONE}`: public, whatever the API's default

# Lambda's defaults when neither the function nor Globals set them.
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
DEFAULT_SQS_BATCH = 10
DEFAULT_STREAM_BATCH = 100
STREAM_STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")


class TemplateError(ValueError):
    """The template uses something the local runner cannot reproduce faithfully."""


@dataclass(frozen=True)
class HttpRoute:
    """One ``HttpApi`` event: ``method`` is upper-case (``ANY`` allowed), ``path`` may be ``$default``.

    ``authorizer`` names the Lambda authorizer API Gateway runs first (the event's ``Auth.Authorizer``,
    else the API's ``DefaultAuthorizer``); None for a public route."""

    method: str
    path: str
    authorizer: str | None = None

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class ScheduleEvent:
    """A ``Schedule``/``ScheduleV2`` event; runs on demand locally via ``POST /_local/jobs/{name}/run``."""

    name: str
    expression: str | None
    enabled: bool
    input: str | None = None


@dataclass(frozen=True)
class SqsEvent:
    """An ``SQS`` event source mapping: ``queue`` is the logical id of the queue it reads."""

    name: str
    queue: str
    batch_size: int
    report_batch_item_failures: bool
    enabled: bool


@dataclass(frozen=True)
class StreamEvent:
    """A ``DynamoDB`` event source mapping: ``table`` is the logical id whose ``StreamArn`` it reads.

    ``filters`` are the parsed ``FilterCriteria`` patterns (a record is delivered if any matches; none:
    every record); ``maximum_retry_attempts`` -1 retries until the record expires, as Lambda does."""

    name: str
    table: str
    batch_size: int
    starting_position: str
    report_batch_item_failures: bool
    enabled: bool
    filters: tuple[Mapping[str, Any], ...] = ()
    batching_window_seconds: float = 0.0
    maximum_retry_attempts: int = -1
    bisect_on_error: bool = False


@dataclass(frozen=True)
class AuthorizerSpec:
    """A Lambda authorizer of an ``AWS::Serverless::HttpApi`` (``Auth.Authorizers.<name>``).

    ``identity``: the request headers API Gateway requires (a request missing one is refused with 401
    before the authorizer runs) and caches verdicts by; ``ttl_seconds`` 0: no cache."""

    name: str
    function: str  # logical id of the authorizer function
    identity: tuple[str, ...] = ()
    ttl_seconds: int = 0
    simple_responses: bool = True


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function as the runner invokes it; ``environment`` still holds raw intrinsics."""

    logical_id: str
    code_dir: Path
    handler: str
    package: str
    timeout: int
    memory_size: int
    environment: Mapping[str, Any]
    routes: tuple[HttpRoute, ...] = ()
    schedules: tuple[ScheduleEvent, ...] = ()
    queues: tuple[SqsEvent, ...] = ()
    streams: tuple[StreamEvent, ...] = ()

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def handler_file(self) -> Path:
        return self.code_dir / (self.module.replace(".", "/") + ".py")

    @property
    def module_name(self) -> str:
        """Unique import name: every function's module is ``handler``, so prefix its folder."""
        return f"{self.package}.{self.module}"


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    properties: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.properties.get("TableName") or self.logical_id)


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    properties: Mapping[str, Any]

    @property
    def name(self) -> str:
        name = str(self.properties.get("QueueName") or self.logical_id)
        if self.properties.get("FifoQueue") in (True, "true") and not name.endswith(".fifo"):
            name += ".fifo"
        return name

    @property
    def visibility_timeout(self) -> int:
        return int(self.properties.get("VisibilityTimeout", 30))

    @property
    def dead_letter_queue(self) -> str | None:
        """Logical id of the DLQ named by ``RedrivePolicy.deadLetterTargetArn: !GetAtt X.Arn``."""
        target = (self.properties.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            return _getatt_parts(target["Fn::GetAtt"])[0]
        return None


@dataclass(frozen=True)
class SecretSpec:
    logical_id: str
    properties: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.properties.get("Name") or self.logical_id)


@dataclass(frozen=True)
class StackTemplate:
    """Everything the runner needs from one template file."""

    path: Path
    parameters: Mapping[str, str]
    resource_types: Mapping[str, str]
    tables: tuple[TableSpec, ...]
    queues: tuple[QueueSpec, ...]
    secrets: tuple[SecretSpec, ...]
    functions: tuple[FunctionSpec, ...]
    layer_dirs: tuple[Path, ...]
    warnings: tuple[str, ...] = ()
    global_environment: Mapping[str, Any] = field(default_factory=dict)
    authorizers: Mapping[str, AuthorizerSpec] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    def function(self, logical_id: str) -> FunctionSpec:
        for fn in self.functions:
            if fn.logical_id == logical_id:
                return fn
        raise KeyError(logical_id)


@dataclass(frozen=True)
class Physical:
    """What a created resource answers to ``!Ref`` and ``!GetAtt`` with."""

    ref: str
    attributes: Mapping[str, str] = field(default_factory=dict)


def load_template(path: Path) -> StackTemplate:
    """Parse ``path`` with cfn-lint's decoder (it understands ``!Ref``/``!Sub``/``!GetAtt`` short tags)."""
    # Imported here, not at module level: cfn-lint takes ~1 s to import and worker processes never need it.
    from cfnlint.decode import decode_str

    path = Path(path).resolve()
    decoded, matches = decode_str(path.read_text(encoding="utf-8"))
    if decoded is None:
        raise TemplateError(f"{path}: " + "; ".join(str(m) for m in matches))
    doc: dict[str, Any] = json.loads(json.dumps(decoded))  # cfn-lint nodes -> plain, picklable values
    resources: dict[str, Any] = doc.get("Resources") or {}
    function_globals = (doc.get("Globals") or {}).get("Function") or {}
    warnings: list[str] = []
    apis = {k: (v.get("Properties") or {}).get("Auth") or {} for k, v in _of_type(resources, HTTP_API_TYPE)}
    authorizers = {
        name: _authorizer(name, spec)
        for auth in apis.values()
        for name, spec in (auth.get("Authorizers") or {}).items()
    }
    functions = []
    for logical_id, res in resources.items():
        if res.get("Type") == FUNCTION_TYPE:
            props = sam_merge(function_globals, res.get("Properties") or {})
            fn = _function(logical_id, props, path.parent, warnings, apis)
            if fn is not None:
                functions.append(fn)
    return StackTemplate(
        path=path,
        parameters={k: str(v.get("Default", "")) for k, v in (doc.get("Parameters") or {}).items()},
        resource_types={k: str(v.get("Type")) for k, v in resources.items()},
        tables=tuple(TableSpec(k, v.get("Properties") or {}) for k, v in _of_type(resources, TABLE_TYPE)),
        queues=tuple(QueueSpec(k, v.get("Properties") or {}) for k, v in _of_type(resources, QUEUE_TYPE)),
        secrets=tuple(SecretSpec(k, v.get("Properties") or {}) for k, v in _of_type(resources, SECRET_TYPE)),
        functions=_unique_packages(functions),
        layer_dirs=tuple(_layer_dir(v, path.parent) for _, v in _of_type(resources, LAYER_TYPE)),
        warnings=tuple(warnings),
        global_environment=(function_globals.get("Environment") or {}).get("Variables") or {},
        authorizers=authorizers,
    )


def _authorizer(name: str, spec: Mapping[str, Any]) -> AuthorizerSpec:
    arn = spec.get("FunctionArn")
    if not (isinstance(arn, dict) and "Fn::GetAtt" in arn):
        raise TemplateError(f"authorizer {name}: FunctionArn must be !GetAtt <Function>.Arn")
    identity = spec.get("Identity") or {}
    ttl = identity.get("ReauthorizeEvery", 300 if identity.get("Headers") else 0)
    if not isinstance(ttl, int):
        raise TemplateError(f"authorizer {name}: ReauthorizeEvery must be a number locally")
    return AuthorizerSpec(
        name=name,
        function=_getatt_parts(arn["Fn::GetAtt"])[0],
        identity=tuple(str(h).lower() for h in identity.get("Headers") or ()),
        ttl_seconds=ttl,
        simple_responses=spec.get("EnableSimpleResponses") in (True, "true"),
    )


def sam_merge(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rule: maps merge (function wins per key), lists concatenate, scalars are replaced."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = sam_merge(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def resolve(value: Any, template: StackTemplate, physical: Mapping[str, Physical]) -> Any:
    """Resolve ``Ref``/``Fn::GetAtt``/``Fn::Sub``/``Fn::Join``/``Fn::Select`` against local resources."""
    if isinstance(value, list):
        return [resolve(v, template, physical) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key in _INTRINSICS:
            return _INTRINSICS[key](arg, template, physical)
        if key.startswith("Fn::") or key == "Condition":
            raise TemplateError(f"{key} is not supported by the local runner")
    return {k: resolve(v, template, physical) for k, v in value.items()}


def _join(arg: Any, template: StackTemplate, physical: Mapping[str, Physical]) -> str:
    separator, items = arg
    return str(separator).join(str(i) for i in resolve(items, template, physical))


def _select(arg: Any, template: StackTemplate, physical: Mapping[str, Physical]) -> Any:
    index, items = arg
    return resolve(items, template, physical)[int(resolve(index, template, physical))]


def environment_of(
    fn: FunctionSpec, template: StackTemplate, physical: Mapping[str, Physical]
) -> dict[str, str]:
    """The function's merged environment with every intrinsic resolved to a local physical value."""
    return {key: _env_string(resolve(value, template, physical)) for key, value in fn.environment.items()}


PSEUDO_PARAMETERS = {
    "AWS::Region": LOCAL_REGION,
    "AWS::AccountId": LOCAL_ACCOUNT_ID,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "local",
    "AWS::StackId": f"arn:aws:cloudformation:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:stack/local/local",
}


def _ref(name: str, template: StackTemplate, physical: Mapping[str, Physical]) -> str:
    if name in PSEUDO_PARAMETERS:
        return PSEUDO_PARAMETERS[name]
    if name in template.parameters:
        return template.parameters[name]
    if name in physical:
        return physical[name].ref
    if name in template.resource_types:
        # Resources the runner does not create (APIs, layers, ...): their logical id is the local name.
        return name
    raise TemplateError(f"!Ref {name}: no such parameter or resource")


def _getatt_parts(arg: Any) -> tuple[str, str]:
    if isinstance(arg, str):
        logical_id, _, attribute = arg.partition(".")
        return logical_id, attribute
    return str(arg[0]), str(arg[1])


def _getatt(logical_id: str, attribute: str, physical: Mapping[str, Physical]) -> str:
    try:
        return physical[logical_id].attributes[attribute]
    except KeyError:
        raise TemplateError(f"!GetAtt {logical_id}.{attribute} has no local value") from None


_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _sub(arg: Any, template: StackTemplate, physical: Mapping[str, Physical]) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
    values = {k: resolve(v, template, physical) for k, v in variables.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in values:
            return str(values[name])
        if "." in name and name.split(".", 1)[0] in template.resource_types:
            return _getatt(*_getatt_parts(name), physical)
        return _ref(name, template, physical)

    return _SUB_VARIABLE.sub(replace, str(text))


_INTRINSICS: dict[str, Callable[[Any, StackTemplate, Mapping[str, Physical]], Any]] = {
    "Ref": lambda arg, template, physical: _ref(str(arg), template, physical),
    "Fn::GetAtt": lambda arg, _template, physical: _getatt(*_getatt_parts(arg), physical),
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
}


def _env_string(value: Any) -> str:
    """CloudFormation turns every environment value into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TemplateError(f"environment value {value!r} did not resolve to a scalar")
    return str(value)


def _of_type(resources: Mapping[str, Any], type_name: str) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in resources.items() if v.get("Type") == type_name]


def _layer_dir(resource: Mapping[str, Any], root: Path) -> Path:
    """Where a layer's modules are importable from, as they would be under ``/opt/python``."""
    props = resource.get("Properties") or {}
    content = props.get("ContentUri")
    if not isinstance(content, str):
        raise TemplateError("layers must have a local ContentUri folder")
    folder = (root / content).resolve()
    built_by_sam = str((resource.get("Metadata") or {}).get("BuildMethod", "")).startswith("python")
    return folder if built_by_sam or not (folder / "python").is_dir() else folder / "python"


def _function(
    logical_id: str,
    props: Mapping[str, Any],
    root: Path,
    warnings: list[str],
    apis: Mapping[str, Mapping[str, Any]] | None = None,
) -> FunctionSpec | None:
    code_uri, handler = props.get("CodeUri"), props.get("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str) or "." not in handler:
        warnings.append(f"{logical_id}: skipped, needs a local CodeUri folder and a module.function Handler")
        return None
    routes: list[HttpRoute] = []
    schedules: list[ScheduleEvent] = []
    queues: list[SqsEvent] = []
    streams: list[StreamEvent] = []
    for name, event in (props.get("Events") or {}).items():
        kind, ev = event.get("Type"), event.get("Properties") or {}
        if kind == "HttpApi":
            path = ev.get("Path", "$default")
            method = str(ev.get("Method", "ANY")).upper() if path != "$default" else "ANY"
            routes.append(HttpRoute(method, path, _route_authorizer(ev, apis or {})))
        elif kind in ("Schedule", "ScheduleV2"):
            expression = ev.get("Schedule") or ev.get("ScheduleExpression")
            enabled = ev.get("Enabled", True) is not False and ev.get("State", "ENABLED") != "DISABLED"
            schedules.append(ScheduleEvent(name, expression, enabled, ev.get("Input")))
        elif kind == "SQS":
            queue = ev.get("Queue")
            if not (isinstance(queue, dict) and "Fn::GetAtt" in queue):
                warnings.append(f"{logical_id}.{name}: SQS Queue must be !GetAtt <Queue>.Arn; event skipped")
                continue
            queues.append(
                SqsEvent(
                    name=name,
                    queue=_getatt_parts(queue["Fn::GetAtt"])[0],
                    batch_size=int(ev.get("BatchSize", DEFAULT_SQS_BATCH)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (ev.get("FunctionResponseTypes") or []),
                    enabled=ev.get("Enabled", True) is not False,
                )
            )
        elif kind == "DynamoDB":
            stream = _stream_event(f"{logical_id}.{name}", name, ev, warnings)
            if stream is not None:
                streams.append(stream)
        else:
            warnings.append(f"{logical_id}.{name}: event type {kind} is not emulated locally")
    code_dir = (root / code_uri).resolve()
    return FunctionSpec(
        logical_id=logical_id,
        code_dir=code_dir,
        handler=handler,
        package=_identifier(code_dir.name),
        timeout=int(props.get("Timeout", DEFAULT_TIMEOUT)),
        memory_size=int(props.get("MemorySize", DEFAULT_MEMORY)),
        environment=(props.get("Environment") or {}).get("Variables") or {},
        routes=tuple(routes),
        schedules=tuple(schedules),
        queues=tuple(queues),
        streams=tuple(streams),
    )


def _route_authorizer(event: Mapping[str, Any], apis: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The route's own ``Auth.Authorizer``, else its API's ``DefaultAuthorizer``; None when public."""
    api = event.get("ApiId")
    api_id = api.get("Ref") if isinstance(api, dict) else None
    default = (apis.get(str(api_id)) or {}).get("DefaultAuthorizer")
    chosen = (event.get("Auth") or {}).get("Authorizer", default)
    return None if chosen in (None, NO_AUTHORIZER) else str(chosen)


def _stream_event(where: str, name: str, ev: Mapping[str, Any], warnings: list[str]) -> StreamEvent | None:
    """A ``DynamoDB`` event; ``Stream`` must be ``!GetAtt <Table>.StreamArn`` of a table in the template."""
    stream = ev.get("Stream")
    table, attribute = (
        _getatt_parts(stream["Fn::GetAtt"])
        if isinstance(stream, dict) and "Fn::GetAtt" in stream
        else ("", "")
    )
    if attribute != "StreamArn":
        warnings.append(f"{where}: Stream must be !GetAtt <Table>.StreamArn; event skipped")
        return None
    position = str(ev.get("StartingPosition", ""))
    if position not in STREAM_STARTING_POSITIONS:
        warnings.append(
            f"{where}: StartingPosition {position!r} is not TRIM_HORIZON or LATEST; event skipped"
        )
        return None
    filters: list[Mapping[str, Any]] = []
    for entry in (ev.get("FilterCriteria") or {}).get("Filters") or []:
        pattern = entry.get("Pattern") if isinstance(entry, dict) else None
        try:
            parsed = json.loads(pattern) if isinstance(pattern, str) else pattern
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{where}: FilterCriteria pattern is not JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise TemplateError(f"{where}: a FilterCriteria pattern must be a JSON object")
        filters.append(parsed)
    return StreamEvent(
        name=name,
        table=table,
        batch_size=int(ev.get("BatchSize", DEFAULT_STREAM_BATCH)),
        starting_position=position,
        report_batch_item_failures="ReportBatchItemFailures" in (ev.get("FunctionResponseTypes") or []),
        enabled=ev.get("Enabled", True) is not False,
        filters=tuple(filters),
        batching_window_seconds=float(ev.get("MaximumBatchingWindowInSeconds", 0)),
        maximum_retry_attempts=int(ev.get("MaximumRetryAttempts", -1)),
        bisect_on_error=ev.get("BisectBatchOnFunctionError", False) in (True, "true"),
    )


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name and not name[0].isdigit() else f"fn_{name}"


def _unique_packages(functions: list[FunctionSpec]) -> tuple[FunctionSpec, ...]:
    """Two code folders with the same name (a/handler, b/handler) get distinct import packages."""
    owners: dict[str, Path] = {}
    result = []
    for fn in functions:
        package = fn.package
        while owners.setdefault(package, fn.code_dir) != fn.code_dir:
            package += "_"
        result.append(fn if package == fn.package else replace(fn, package=package))
    return tuple(result)
