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


def test_every_third_party_import_of_the_product_is_declared():
    """A module the app imports but pyproject.toml does not declare installs on this machine by
    accident and fails on a new one; walk every import of hedging/, screens/ and app.py."""
    import ast
    import sys

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    for req in list(declared):  # what the declared packages bring with them is available too
        todo = [req]
        while todo:
            name = todo.pop()
            for spec in metadata.requires(name) or []:
                sub = Requirement(spec)
                if (sub.marker is None or sub.marker.evaluate({"extra": ""})) and \
                        canonicalize_name(sub.name) not in declared:
                    declared.add(canonicalize_name(sub.name))
                    todo.append(sub.name)
    owners = metadata.packages_distributions()
    files = [ROOT / "app.py", *(ROOT / "hedging").rglob("*.py"), *(ROOT / "screens").glob("*.py")]
    missing = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("hedging", "screens", "__future__"):
                    continue
                dists = {canonicalize_name(d) for d in owners.get(top, [])}
                if not dists & declared:
                    missing.add(f"{path.relative_to(ROOT)} imports {top} ({', '.join(sorted(dists)) or 'not installed'})")
    assert not missing, "imported but not declared in pyproject.toml's dependencies:\n" + "\n".join(sorted(missing))
