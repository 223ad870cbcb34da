"""The front gate's role table and each route's own auth dependency must say the same thing."""

from __future__ import annotations

import os
import re
import typing

from aws_lambda_powertools.event_handler import Depends

from mall.api import auth, gate
from mall.auth.tokens import Role
from tests.conftest import ROOT, load_handler

_DEPENDENCY_ROLES = {
    auth.member: frozenset({Role.MEMBER}),
    auth.service: frozenset({Role.SERVICE}),
    auth.admin: frozenset({Role.ADMIN}),
    auth.anyone: frozenset(Role),
}


def _declared_roles(func: typing.Any) -> frozenset[Role] | None:
    for hint in typing.get_type_hints(func, include_extras=True).values():
        for meta in getattr(hint, "__metadata__", ()):
            if isinstance(meta, Depends) and meta.dependency in _DEPENDENCY_ROLES:
                return _DEPENDENCY_ROLES[meta.dependency]
    return None


def test_every_route_declares_the_roles_the_gate_enforces(aws: None) -> None:
    checked = 0
    for folder in sorted(os.listdir(ROOT / "functions")):
        router = getattr(load_handler(folder), "router", None)
        for key, func in router._routes.items() if router else []:
            rule, methods = key[0], key[1]
            path = re.sub(r"<(\w+)>", r"{\1}", rule)
            for method in methods:
                assert _declared_roles(func) == gate.required_roles(f"{method} {path}"), f"{method} {path}"
                checked += 1
    assert checked >= 25  # every HTTP route of every function
