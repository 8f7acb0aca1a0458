"""The pins in constraints.txt: complete, inside pyproject.toml's ranges, and what is installed."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not pinned with =="
        pins[canonicalize_name(name)] = version
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    return reqs


def test_every_declared_dependency_is_pinned_inside_its_range():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject.toml's {req.specifier}")


def test_the_pins_cover_what_the_dependencies_pull_in():
    """A transitive dependency left unpinned would float; walk the requirement tree."""
    pins = _pins()
    todo = [canonicalize_name(r.name) for r in _requirements()]
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        assert name in pins, f"{name} is installed as a dependency but not pinned in constraints.txt"
        for spec in metadata.requires(name) or []:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(canonicalize_name(req.name))


def test_the_installed_versions_are_the_pinned_ones():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert metadata.version(req.name) == pins[name], (
            f"{req.name} {metadata.version(req.name)} is installed but constraints.txt pins {pins[name]}; "
            "run 'make clean test' to reinstall from the pins")
