"""One source of dependencies (pyproject.toml); the locks pin exactly what it declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", path.read_text(), flags=re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in found}


def _declared(requirements: list[str]) -> dict[str, str | None]:
    declared = {}
    for requirement in requirements:
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?(?:==(\S+))?$", requirement)
        assert match, requirement
        declared[match.group(1).lower().replace("_", "-")] = match.group(2)
    return declared


def test_the_locks_pin_what_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _declared(project["dependencies"]), _declared(project["optional-dependencies"]["dev"])
    runtime_lock, dev_lock = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-dev.txt")
    for name, version in runtime.items():
        assert runtime_lock.get(name) == dev_lock.get(name), f"{name}: the two locks disagree (make lock)"
        assert version is None or runtime_lock.get(name) == version, f"{name}: run make lock"
    for name, version in dev.items():
        assert name in dev_lock and (version is None or dev_lock[name] == version), f"{name}: run make lock"
    assert (ROOT / "shared" / "requirements.txt").resolve() == (ROOT / "requirements.txt").resolve()
