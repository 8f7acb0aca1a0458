"""DESIGN.md section 4: which module may import which, checked with an ast walk of every file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MATHS = {"market", "contracts", "forecast", "hedge", "risk"}
BASE = {"models", "errors", "config"}

# layer -> hedging subpackages/modules it may import
ALLOWED = {
    "base": BASE,
    "maths": {"models", "errors"} | MATHS,
    "ingest": {"models", "errors", "ingest"},
    "store": {"models", "errors", "store"},
    "report": {"models", "errors", "report"},
    "service": None,  # all of hedging
}
FORBIDDEN_THIRD_PARTY = {
    "base": {"streamlit", "sqlmodel", "sqlalchemy"},
    "maths": {"streamlit", "sqlmodel", "sqlalchemy", "requests", "urllib", "socket"},
    "ingest": {"streamlit", "sqlmodel", "sqlalchemy"},
    "store": {"streamlit"},
    "report": {"streamlit", "sqlmodel", "sqlalchemy"},
    "service": {"streamlit"},
}


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT / "hedging")
    head = rel.parts[0].removesuffix(".py")
    if head in BASE:
        return "base"
    if head in MATHS:
        return "maths"
    if head in ("ingest", "store", "report"):
        return head
    return "service"  # service.py, cli.py, __init__.py, __main__.py


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the file's package
                pkg = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
                pkg = pkg[: len(pkg) - node.level + 1]
                names.append(".".join(pkg + ([node.module] if node.module else [])))
            elif node.module:
                names.append(node.module)
    return names


LIBRARY = sorted((ROOT / "hedging").rglob("*.py"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_library_layers(path):
    layer = layer_of(path)
    for name in imports(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN_THIRD_PARTY[layer], f"{path.name} ({layer}) imports {name}"
        if top == "hedging" and ALLOWED[layer] is not None and name != "hedging":
            target = name.split(".")[1]
            assert target in ALLOWED[layer], f"{path.name} ({layer}) may not import {name}"


UI = [ROOT / "app.py"] + sorted((ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("path", UI, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_go_through_the_service(path):
    for name in imports(path):
        if name.split(".")[0] == "hedging":
            assert name in ("hedging", "hedging.service", "hedging.models", "hedging.errors"), (
                f"{path.name} imports {name}; pages reach the library through hedging.service")
        assert name.split(".")[0] not in ("sqlmodel", "sqlalchemy"), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", UI, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_stay_thin_and_never_swallow_exceptions(path):
    text = path.read_text()
    assert "except Exception" not in text
    if path.parent.name == "pages" and not path.name.startswith("_"):
        assert len(text.splitlines()) <= 150
        assert "st.cache_data" not in text and "st.cache_resource" not in text


def test_no_streamlit_caching_in_the_library():
    for path in LIBRARY:
        assert "st.cache_" not in path.read_text(), path
