"""Match requests to the template's HttpApi routes with API Gateway's precedence rules.

Literal segments beat ``{param}`` segments, which beat a greedy ``{proxy+}``; an exact method beats
``ANY``; ``$default`` catches whatever nothing else matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from local_stack.template import HttpRoute, TemplateError


@dataclass(frozen=True)
class RouteMatch:
    route_key: str
    target: str
    path_parameters: dict[str, str]
    authorizer: str | None = None  # the Lambda authorizer API Gateway runs before the target


@dataclass(frozen=True)
class _Compiled:
    route: HttpRoute
    target: str
    segments: tuple[str, ...]

    def match(self, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """Specificity score (higher wins) and path parameters, or None when the path does not match."""
        score: list[int] = []
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest or not all(rest):
                    return None
                params[segment[1:-2]] = unquote("/".join(rest))
                return (*score, 0), params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not parts[index]:
                    return None
                params[segment[1:-1]] = unquote(parts[index])
                score.append(1)
            elif segment == parts[index]:
                score.append(2)
            else:
                return None
        return (tuple(score), params) if len(parts) == len(self.segments) else None


class Router:
    """Routes for one HTTP API; ``targets`` pairs each route with what serves it (a function id)."""

    def __init__(self, targets: Iterable[tuple[HttpRoute, str]]) -> None:
        self._routes: list[_Compiled] = []
        self._default: RouteMatch | None = None
        seen: dict[str, str] = {}
        for route, target in targets:
            if route.route_key in seen:
                raise TemplateError(
                    f"route {route.route_key} is served by both {seen[route.route_key]} and {target}"
                )
            seen[route.route_key] = target
            if route.path == "$default":
                self._default = RouteMatch("$default", target, {}, route.authorizer)
            else:
                self._routes.append(_Compiled(route, target, tuple(_split(route.path))))

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The best route for ``method path``; None when the path matches no route at all."""
        best: tuple[tuple[tuple[int, ...], int], RouteMatch] | None = None
        parts = _split(path)
        for compiled in self._routes:
            if compiled.route.method not in (method, "ANY"):
                continue
            found = compiled.match(parts)
            if found is None:
                continue
            rank = (found[0], 1 if compiled.route.method == method else 0)
            if best is None or rank > best[0]:
                route = compiled.route
                best = (rank, RouteMatch(route.route_key, compiled.target, found[1], route.authorizer))
        return best[1] if best else self._default

    def allowed_methods(self, path: str) -> list[str]:
        """Methods that some route accepts on ``path``; non-empty means a 405 rather than a 404."""
        parts = _split(path)
        return sorted({c.route.method for c in self._routes if c.match(parts) is not None})


def _split(path: str) -> list[str]:
    return path.strip("/").split("/") if path.strip("/") else []
