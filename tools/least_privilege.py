"""What each function of template.yaml really calls on AWS, read from the code: its least privilege.

Static analysis of the call graph from a function's handler, at the granularity of single functions:
a def is reached when a reached def (or the handler module) names it, including as a callback; naming a
class reaches all its methods. Over-approximation is deliberate: whatever a reached def could call
counts. The effects are the data layer's few primitives (every DynamoDB request goes through them):

- `dynamo.get` -> GetItem, `dynamo.batch_get` -> BatchGetItem, `dynamo.put` -> PutItem,
  `dynamo.update` -> UpdateItem; a transaction part `.put("name", ...)` / `.update("name", ...)` ->
  PutItem / UpdateItem (TransactWriteItems is authorised per item action);
- `dynamo.newest_first(..., index="X")` -> Query on index X (on the table without `index`), and a raw
  `dynamo.client().query(...)` -> Query on the `IndexName` written in the same def;
- powertools' `DynamoDBProvider` (the rules cache): `.get_multiple` -> Query, `.get` -> GetItem, on the
  provider a def of ours makes; `parameters.get_secret(cfg.<x>_secret_id)`
  -> GetSecretValue on the secret the function's environment names; `.send_message(...)` next to a
  `<x>_queue_url` setting -> SendMessage on that queue.

Anything the analysis cannot place (a client call it does not know, an index it cannot read) is an
error, not a guess.

    python -m tools.least_privilege [FunctionLogicalId ...]   # print what each function needs
    python -m tools.least_privilege --write                   # rewrite every function's Policies
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"
TABLE = "table"

# The data layer's primitives: calling one of these is the effect; their bodies are not read.
PRIMITIVES = {
    "mall.data.dynamo.get": "dynamodb:GetItem",
    "mall.data.dynamo.batch_get": "dynamodb:BatchGetItem",
    "mall.data.dynamo.put": "dynamodb:PutItem",
    "mall.data.dynamo.update": "dynamodb:UpdateItem",
    "mall.data.dynamo.newest_first": "dynamodb:Query",
}
OPAQUE_MODULES = {"mall.data.dynamo", "mall.data.transaction"}  # the primitives' own implementation
CLIENT_OPERATIONS = {"query": "dynamodb:Query"}
# powertools' DynamoDBProvider: get_multiple queries the partition, get reads one item.
PROVIDER_OPERATIONS = {
    "get_multiple": "dynamodb:Query",
    "get": "dynamodb:GetItem",
    "clear_cache": None,
}  # raw client calls allowed outside the primitives


class AnalysisError(Exception):
    """The code does something the analysis cannot place; fix the code or teach the analysis."""


@dataclass(frozen=True)
class Permission:
    """One action on one resource: `table`, `index/<name>`, `secret:<ENV_VAR>` or `queue:<ENV_VAR>`."""

    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}"


@dataclass
class Module:
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    defs: dict[str, ast.AST] = field(default_factory=dict)  # qualname -> def/class node
    constants: dict[str, str] = field(default_factory=dict)  # module-level NAME = "string"


def _module_file(name: str) -> Path | None:
    base = SHARED / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _load(name: str, path: str | None = None) -> Module | None:
    file = Path(path) if path else _module_file(name)
    if file is None:
        return None
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    module = Module(name, tree)
    package = name.rsplit(".", 1)[0] if path is None and file.name != "__init__.py" else name
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module.imports.update(_imports(node, package))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.defs[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            text = node.value.value
            module.constants.update(
                {t.id: text for t in node.targets if isinstance(t, ast.Name) and isinstance(text, str)}
            )
    return module


def _imports(node: ast.Import | ast.ImportFrom, package: str) -> dict[str, str]:
    """Local name -> dotted target of one import statement (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return {
            (alias.asname or alias.name.split(".")[0]): (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
            for alias in node.names
        }
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        base = ".".join([*parts[: len(parts) - node.level + 1], base])
    return {alias.asname or alias.name: f"{base}.{alias.name}" for alias in node.names}


def _split_symbol(dotted: str) -> tuple[str, str | None]:
    """`mall.data.dynamo.get` -> ("mall.data.dynamo", "get"); a module itself -> (module, None)."""
    if _module_file(dotted):
        return dotted, None
    module, _, symbol = dotted.rpartition(".")
    return module, symbol


@dataclass
class _Analysis:
    entry: Module
    reached: set[tuple[str, str | None]] = field(default_factory=set)  # (module, def) ; None = module body
    found: set[Permission] = field(default_factory=set)
    queue: list[tuple[Module, ast.AST, str | None]] = field(default_factory=list)

    def reach_module(self, module: Module) -> None:
        key = (module.name, None)
        if key in self.reached:
            return
        self.reached.add(key)
        body: list[ast.stmt] = [
            n for n in module.tree.body if not isinstance(n, ast.FunctionDef | ast.ClassDef)
        ]
        # Decorators and base classes run at import time: they are part of the module body.
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                run_at_import = [
                    *node.decorator_list,
                    *(node.bases if isinstance(node, ast.ClassDef) else []),
                ]
                body.extend(ast.Expr(value=expr) for expr in run_at_import)
        self.queue.append((module, ast.Module(body=body, type_ignores=[]), None))

    def reach(self, dotted: str) -> None:
        if not dotted.startswith("mall."):
            return
        if dotted in PRIMITIVES:
            return
        module_name, symbol = _split_symbol(dotted)
        module = _load(module_name)
        if module is None:
            return
        self.reach_module(module)
        if symbol is None or module.name in OPAQUE_MODULES:
            return
        if symbol in module.imports:  # re-exported
            self.reach(module.imports[symbol])
            return
        node = module.defs.get(symbol)
        if node is None or (module.name, symbol) in self.reached:
            return
        self.reached.add((module.name, symbol))
        self.queue.append((module, node, symbol))

    def run(self, entry_all_defs: bool = True) -> set[Permission]:
        self.reach_module(self.entry)
        if entry_all_defs:  # routes are registered by decorators: every def of the handler can run
            for name, node in self.entry.defs.items():
                self.reached.add((self.entry.name, name))
                self.queue.append((self.entry, node, name))
        while self.queue:
            module, node, _ = self.queue.pop()
            self._walk(module, node)
        return self.found

    def _resolve(self, module: Module, expr: ast.expr) -> str | None:
        """The dotted name an expression refers to (`dynamo.get` -> mall.data.dynamo.get), if any."""
        if isinstance(expr, ast.Name):
            if expr.id in module.imports:
                return module.imports[expr.id]
            if expr.id in module.defs:
                return f"{module.name}.{expr.id}"
            return None
        if isinstance(expr, ast.Attribute):
            base = self._resolve(module, expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    def _walk(self, module: Module, node: ast.AST) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Name | ast.Attribute):
                target = self._resolve(module, child)
                if target:
                    self.reach(target)
            if isinstance(child, ast.Call):
                self._effect(module, node, child)

    def _effect(self, module: Module, scope: ast.AST, call: ast.Call) -> None:
        if module.name in OPAQUE_MODULES:
            return
        target = self._resolve(module, call.func)
        if target in PRIMITIVES:
            resource = TABLE
            if target == "mall.data.dynamo.newest_first":
                resource = self._index_argument(module, call)
            self.found.add(Permission(PRIMITIVES[target], resource))
            return
        if target and target.endswith("parameters.get_secret"):
            self.found.add(Permission("secretsmanager:GetSecretValue", self._setting(call, "_secret_id")))
            return
        if not isinstance(call.func, ast.Attribute):
            return
        method = call.func.attr
        receiver = call.func.value
        if isinstance(receiver, ast.Call) and self._makes_provider(module, receiver.func):
            if method not in PROVIDER_OPERATIONS:
                raise AnalysisError(f"{module.name}: DynamoDBProvider.{method} is not mapped to an action")
            action = PROVIDER_OPERATIONS[method]
            if action:
                self.found.add(Permission(action, TABLE))
            return
        if (
            isinstance(receiver, ast.Call)
            and self._resolve(module, receiver.func) == "mall.data.dynamo.client"
        ):
            if method not in CLIENT_OPERATIONS:
                raise AnalysisError(f"{module.name}: dynamo.client().{method} is not mapped to an action")
            self.found.add(Permission(CLIENT_OPERATIONS[method], self._index_in_scope(module, scope)))
        elif method in ("put", "update") and self._is_part_name(call):
            self.found.add(Permission(f"dynamodb:{'PutItem' if method == 'put' else 'UpdateItem'}", TABLE))
        elif method == "send_message":
            self.found.add(Permission("sqs:SendMessage", self._setting(scope, "_queue_url")))

    def _makes_provider(self, module: Module, func: ast.expr) -> bool:
        """`func` is a def of ours that builds a powertools DynamoDBProvider (say a cached factory)."""
        target = self._resolve(module, func)
        if not target:
            return False
        owner_name, symbol = _split_symbol(target)
        owner = _load(owner_name)
        node = owner.defs.get(symbol or "") if owner else None
        return node is not None and any(
            isinstance(n, ast.Attribute | ast.Name)
            and getattr(n, "attr", getattr(n, "id", "")) == "DynamoDBProvider"
            for n in ast.walk(node)
        )

    @staticmethod
    def _is_part_name(call: ast.Call) -> bool:
        """A transaction part: its first argument is the part's name, a string (literal, f-string, str())."""
        if not call.args:
            return False
        first = call.args[0]
        if isinstance(first, ast.Constant):
            return isinstance(first.value, str)
        if isinstance(first, ast.JoinedStr):
            return True
        return isinstance(first, ast.Call) and isinstance(first.func, ast.Name) and first.func.id == "str"

    @staticmethod
    def _constant(module: Module, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name):
            return module.constants.get(expr.id)
        return None

    def _index_argument(self, module: Module, call: ast.Call) -> str:
        for keyword in call.keywords:
            if keyword.arg == "index":
                name = self._constant(module, keyword.value)
                if name is None:
                    raise AnalysisError(f"{module.name}: newest_first(index=...) must name the index")
                return f"index/{name}"
        return TABLE

    def _index_in_scope(self, module: Module, scope: ast.AST) -> str:
        """The `IndexName` a def writes into its request (a dict key or a subscript), else the table."""
        names: set[str] = set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "IndexName":
                        found = self._constant(module, value)
                        if found is None:
                            raise AnalysisError(f"{module.name}: IndexName must be a named index")
                        names.add(found)
        if len(names) > 1:
            raise AnalysisError(f"{module.name}: one def queries several indexes: {sorted(names)}")
        return f"index/{names.pop()}" if names else TABLE

    @staticmethod
    def _setting(node: ast.AST, suffix: str) -> str:
        """`settings().<name><suffix>` (or `cfg.<name><suffix>`) used in `node`: the environment variable."""
        names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr.endswith(suffix)}
        if len(names) != 1:
            raise AnalysisError(f"cannot tell which *{suffix} setting a call uses (found {sorted(names)})")
        return f"{'secret' if suffix == '_secret_id' else 'queue'}:{names.pop().upper()}"


def permissions(handler_file: Path) -> set[Permission]:
    """Everything a function whose handler is `handler_file` may call, by the analysis above."""
    entry = _load(f"_handler_{handler_file.parent.name}", str(handler_file))
    assert entry is not None
    return _Analysis(entry).run()


def function_handlers(template_path: Path = ROOT / "template.yaml") -> dict[str, Path]:
    """Logical id -> handler file of every function in the template."""
    from local_stack.template import load_template

    return {fn.logical_id: fn.handler_file for fn in load_template(template_path).functions}


def _lines(found: set[Permission]) -> Iterator[str]:
    for p in sorted(found, key=lambda p: (p.resource, p.action)):
        yield f"  {p}"


def write_policies(path: Path = ROOT / "template.yaml") -> None:
    """Rewrite the `Policies:` block of every function in the template from the analysis."""
    import json

    from cfnlint.decode import decode_str

    text = path.read_text(encoding="utf-8")
    doc = json.loads(json.dumps(decode_str(text)[0]))
    handlers = function_handlers(path)
    lines, out, current, i = text.split("\n"), [], None, 0
    while i < len(lines):
        line = lines[i]
        resource = re.match(r"^  ([A-Za-z0-9]+):$", line)
        if resource:
            current = resource.group(1)
        if current in handlers and line in ("      Policies:", "      Handler: handler.lambda_handler"):
            if line == "      Policies:":  # drop the old block
                i += 1
                while i < len(lines) and lines[i].startswith("        "):
                    i += 1
            else:
                out.append(line)
                i += 1
                if any(ln == "      Policies:" for ln in _rest_of_resource(lines, i)):
                    continue
            out.extend(policy_yaml(permissions(handlers[current]), _environment_refs(doc, current)))
            continue
        out.append(line)
        i += 1
    path.write_text("\n".join(out), encoding="utf-8")


def _rest_of_resource(lines: list[str], start: int) -> Iterator[str]:
    for line in lines[start:]:
        if re.match(r"^  \S", line) or (not line.strip() and False):
            return
        yield line


def main(names: list[str]) -> int:
    if names == ["--write"]:
        write_policies()
        return 0
    handlers = function_handlers()
    for name in names or sorted(handlers):
        print(name)
        for line in _lines(permissions(handlers[name])):
            print(line)
    return 0


# ---- the template side: each function's Policies as the same (action, resource) pairs ----------------


def _environment_refs(template: dict[str, Any], logical_id: str) -> dict[str, str]:
    """Environment variable -> logical id it `!Ref`s, for one function (Globals merged)."""
    globals_env = ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    resources = template.get("Resources") or {}
    props = (resources.get(logical_id) or {}).get("Properties") or {}
    variables = {
        **(globals_env.get("Variables") or {}),
        **((props.get("Environment") or {}).get("Variables") or {}),
    }
    return {k: v["Ref"] for k, v in variables.items() if isinstance(v, dict) and "Ref" in v}


def _resource_token(resource: object, env_refs: dict[str, str], table: str, where: str) -> str:
    by_target = {target: env for env, target in env_refs.items()}
    if resource == {"Fn::GetAtt": [table, "Arn"]}:
        return TABLE
    if isinstance(resource, dict) and "Fn::Sub" in resource and isinstance(resource["Fn::Sub"], str):
        prefix = "${" + table + ".Arn}/index/"
        if resource["Fn::Sub"].startswith(prefix):
            return "index/" + resource["Fn::Sub"][len(prefix) :]
    if isinstance(resource, dict) and "Ref" in resource and resource["Ref"] in by_target:
        return f"secret:{by_target[resource['Ref']]}"
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target, attribute = resource["Fn::GetAtt"]
        if attribute == "Arn" and target in by_target:
            return f"queue:{by_target[target]}"
    raise AnalysisError(
        f"{where}: resource {resource!r} is not the table, one of its indexes, or a "
        "secret or queue the function's environment names"
    )


def template_permissions(
    template: dict[str, Any], logical_id: str, table: str = "PointsTable"
) -> set[Permission]:
    """The (action, resource) pairs a function's `Policies` grant; anything but explicit Allow statements
    on the table, its indexes and the secrets and queues of its environment is an error."""
    resources = template.get("Resources") or {}
    props = (resources.get(logical_id) or {}).get("Properties") or {}
    env_refs = _environment_refs(template, logical_id)
    granted: set[Permission] = set()
    for policy in props.get("Policies") or []:
        if not (isinstance(policy, dict) and set(policy) == {"Statement"}):
            raise AnalysisError(f"{logical_id}: policy {policy!r} is not an explicit statement list")
        for statement in policy["Statement"]:
            if statement.get("Effect") != "Allow" or set(statement) != {"Effect", "Action", "Resource"}:
                raise AnalysisError(f"{logical_id}: statement {statement!r} is not a plain Allow")
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for target in targets:
                token = _resource_token(target, env_refs, table, logical_id)
                granted.update(Permission(str(action), token) for action in actions)
    return granted


def policy_yaml(found: set[Permission], env_refs: dict[str, str], table: str = "PointsTable") -> list[str]:
    """`Policies:` lines (at a function's indentation) granting exactly `found`."""
    if not found:
        return []
    by_resource: dict[str, list[str]] = {}
    for p in found:
        by_resource.setdefault(p.resource, []).append(p.action)
    lines = ["      Policies:", "        - Statement:"]
    for resource in sorted(by_resource, key=lambda r: (r != TABLE, r)):
        if resource == TABLE:
            text = f"!GetAtt {table}.Arn"
        elif resource.startswith("index/"):
            text = f'!Sub "${{{table}.Arn}}/{resource}"'
        elif resource.startswith("secret:"):
            text = f"!Ref {env_refs[resource.split(':', 1)[1]]}"
        else:
            text = f"!GetAtt {env_refs[resource.split(':', 1)[1]]}.Arn"
        actions = ", ".join(sorted(by_resource[resource]))
        lines += [
            "            - Effect: Allow",
            f"              Action: [{actions}]",
            f"              Resource: {text}",
        ]
    return lines


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
