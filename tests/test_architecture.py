"""DESIGN.md section 4, "Which may import which": an ast walk of hedging/, screens/ and app.py.

`violations(root)` lists every breach as "file:line: what [rule] why"; the real tree must have none,
and every rule is shown to fire by planting one breach in a copy of the tree.
"""

from __future__ import annotations

import ast
import shutil
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every top-level module or package of hedging/ and its layer. A new one goes here and in DESIGN.md.
KNOWN = {
    "models": "base", "errors": "base", "config": "base", "fmt": "base",
    "market": "maths", "contracts": "maths", "forecast": "maths", "hedge": "maths", "risk": "maths",
    "ingest": "ingest", "store": "store", "report": "report",
    "service": "top", "cli": "top", "__init__": "top", "__main__": "top",
}
# The maths import downward: a package may import itself or a lower rank, never the same or higher.
RANK = {"risk": 0, "market": 0, "contracts": 1, "forecast": 2, "hedge": 3}
MAY_IMPORT = {  # layer -> the top-level hedging entries it may import (None: all of hedging)
    "base": {"models", "errors", "config", "fmt"}, "maths": {"models", "errors", "fmt", *RANK},
    "ingest": {"models", "errors", "fmt", "ingest"}, "store": {"models", "errors", "store"},
    "report": {"models", "errors", "fmt", "report"}, "top": None,
}
NO_IO = {"streamlit", "sqlmodel", "sqlalchemy", "requests", "urllib", "socket"}
NEVER = {  # layer -> third-party top-level names it never imports
    "base": NO_IO, "maths": NO_IO, "ingest": {"streamlit", "sqlmodel", "sqlalchemy"},
    "store": {"streamlit"}, "report": {"streamlit", "sqlmodel", "sqlalchemy"}, "top": {"streamlit"},
}
UI_MAY_IMPORT = {"hedging.service", "hedging.models", "hedging.errors"}
UI_NEVER = {"sqlmodel", "sqlalchemy"}
PAGE_MAX_LINES = 150
CACHE_HOME = "screens/_shared.py"  # the only UI file that may use st.cache_data / st.cache_resource


def module_name(rel: Path) -> str:
    parts = rel.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_of(module: str) -> str:  # "hedging.market.model" -> "market", "hedging" -> "__init__"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@lru_cache(maxsize=None)
def scan(package: str, text: str) -> tuple[list, list[int], list[int]]:
    """One walk of a file, nested code included: its imports as (line, module, names taken from
    it) with relative ones resolved against `package`; lines using st.cache_*; broad excepts."""
    found, caches, excepts = [], [], []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            found.append((node.lineno, base, tuple(alias.name for alias in node.names)))
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id in ("st", "streamlit") and node.attr.startswith("cache")):
            caches.append(node.lineno)
        elif isinstance(node, ast.ExceptHandler):
            kinds = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = {getattr(kind, "id", getattr(kind, "attr", "")) for kind in kinds}
            if node.type is None or names & {"Exception", "BaseException"}:
                excepts.append(node.lineno)
    return found, caches, excepts


def imports(found: list, modules: set[str]) -> list[tuple[int, str]]:
    """(line, module imported); in `from a import b` that is a.b when a.b is a module, else a."""
    out = []
    for line, base, names in found:
        subs = [f"{base}.{name}" for name in names]
        out += [(line, sub if sub in modules else base) for sub in subs] or [(line, base)]
    return out


def check_library(rel: Path, found: list[tuple[int, str]], caches: list[int]) -> list[str]:
    own = top_of(module_name(rel))
    layer, out = KNOWN[own], []
    for line, target in found:
        where, first = f"{rel}:{line}: imports {target}", target.split(".")[0]
        if first in NEVER[layer]:
            out.append(f"{where} [third-party] {own} ({layer}) never imports {first}")
        if first != "hedging":
            continue
        other, allowed = top_of(target), MAY_IMPORT[layer]
        if allowed is not None and other not in allowed:
            out.append(f"{where} [layer] {own} ({layer}) may import only {sorted(allowed)}")
        elif own in RANK and other in RANK and other != own and RANK[other] >= RANK[own]:
            out.append(f"{where} [downward] {own} (rank {RANK[own]}) may not import "
                       f"{other} (rank {RANK[other]})")
    return out + [f"{rel}:{line}: st.cache_* [library-cache] the library never caches for the UI"
                  for line in caches]


def check_ui(rel: Path, found: list[tuple[int, str]], caches: list[int], excepts: list[int],
             length: int) -> list[str]:
    out = [f"{rel}:{line}: imports {target} [ui-import] pages and app.py import only "
           f"{sorted(UI_MAY_IMPORT)}" for line, target in found
           if target.split(".")[0] in UI_NEVER
           or (target.split(".")[0] == "hedging" and target not in UI_MAY_IMPORT)]
    if rel.parts[0] == "screens" and not rel.name.startswith("_") and length > PAGE_MAX_LINES:
        out.append(f"{rel}: {length} lines [ui-thin] a page has at most {PAGE_MAX_LINES}")
    if rel.as_posix() != CACHE_HOME:
        out += [f"{rel}:{line}: st.cache_* [ui-cache] caching lives in {CACHE_HOME}"
                for line in caches]
    return out + [f"{rel}:{line}: except Exception [no-except-exception] let errors show"
                  for line in excepts]


def unknown_entries(root: Path) -> list[str]:
    return [f"hedging/{entry.name}: [unknown-module] add {entry.name!r} to the table in DESIGN.md "
            "section 4 and to KNOWN in tests/test_architecture.py"
            for entry in sorted((root / "hedging").iterdir())
            if entry.name.removesuffix(".py") not in KNOWN
            and (entry.suffix == ".py" or (entry.is_dir() and any(entry.rglob("*.py"))))]


def cycles(edges: dict[str, dict[str, str]]) -> list[str]:
    """Each strongly connected group of modules once (Tarjan), with the imports that tie it."""
    index, low, stack, groups = {}, {}, [], []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = {stack.pop()}
            while v not in group:
                group.add(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [f"[cycle] {', '.join(g)}: " + "; ".join(
        f"{where} imports {w}" for v in g for w, where in sorted(edges[v].items()) if w in g)
        for g in sorted(groups)]


def violations(root: Path) -> list[str]:
    """Every breach of the rules above in the tree at root (hedging/, screens/, app.py)."""
    library = sorted(p.relative_to(root) for p in (root / "hedging").rglob("*.py"))
    ui = [Path("app.py")] + sorted(p.relative_to(root) for p in (root / "screens").glob("*.py"))
    modules = {module_name(rel) for rel in library}
    out, edges = unknown_entries(root), {}
    for rel in library + ui:
        name, text = module_name(rel), (root / rel).read_text()
        package = name if rel.name == "__init__.py" else ".".join(rel.parts[:-1])
        raw, caches, excepts = scan(package, text)
        found = imports(raw, modules)
        if rel in ui:
            out += check_ui(rel, found, caches, excepts, len(text.splitlines()))
            continue
        if top_of(name) in KNOWN:
            out += check_library(rel, found, caches)
        # An __init__ re-exporting its submodules closes a cycle only if one takes a name back from
        # the package (a real circular import): `from package import sibling` goes to the sibling.
        for line, target in found:
            if target in modules and target != name:
                edges.setdefault(name, {}).setdefault(target, f"{rel}:{line}")
    return out + cycles(edges)


def test_the_tree_keeps_design_section_4():
    found = violations(ROOT)
    assert found == [], "\n".join(found)


# One planted breach per rule: (file in a copy of the tree, code appended, what must be reported).
PLANTS = [
    ("hedging/models.py", "from hedging.market import model\n", "market.model [layer]"),
    ("hedging/ingest/cells.py", "from hedging.store import tables\n", "store.tables [layer]"),
    ("hedging/hedge/program.py", "from hedging.config import Settings\n", "config [layer]"),
    ("hedging/store/tables.py", "import hedging.risk\n", "hedging.risk [layer]"),
    ("hedging/report/charts.py", "from hedging.store import repository\n", "repository [layer]"),
    ("hedging/risk.py", "from hedging import store\n", "imports hedging.store [layer]"),
    ("hedging/market/model.py", "from .. import store\n", "imports hedging.store [layer]"),
    ("hedging/hedge/ratio.py", "from ..store.repository import f\n", "store.repository [layer]"),
    ("hedging/risk.py", "def f():\n    from hedging.store import engine\n", "store.engine [layer]"),
    ("hedging/market/model.py", "from hedging.risk import var\n", "hedging.risk [downward]"),
    ("hedging/contracts/pricing.py", "from ..forecast import drift\n", "drift [downward]"),
    ("hedging/report/charts.py", "import streamlit as st\n", "streamlit [third-party]"),
    ("hedging/service/usage.py", "from streamlit import session_state\n", "[third-party]"),
    ("hedging/forecast/volume.py", "import urllib.request\n", "urllib.request [third-party]"),
    ("hedging/ingest/detect.py", "from sqlmodel import Session\n", "sqlmodel [third-party]"),
    ("hedging/config.py", "import sqlalchemy\n", "sqlalchemy [third-party]"),
    ("hedging/market/model.py", "def f():\n    import socket\n", "socket [third-party]"),
    ("hedging/foo.py", "", "[unknown-module] add 'foo.py' to the table in DESIGN.md"),
    ("hedging/foo/__init__.py", "", "[unknown-module] add 'foo' to the table in DESIGN.md"),
    ("hedging/errors.py", "import hedging.models\n", "[cycle] hedging.errors, hedging.models:"),
    ("hedging/market/model.py", "def f():\n    from hedging.market import calibrate\n",
     "[cycle] hedging.market.calibrate, hedging.market.model:"),
    ("hedging/market/model.py", "from hedging.market import Calibration\n",
     "[cycle] hedging.market, hedging.market.calibrate, hedging.market.model:"),
    ("hedging/service/usage.py", "_cached = st.cache_resource\n", "[library-cache]"),
    ("screens/hedge.py", "from hedging.store import repository\n", "repository [ui-import]"),
    ("screens/market.py", "from hedging import store\n", "imports hedging.store [ui-import]"),
    ("screens/forecast.py", "from hedging.service.usage import x\n", "service.usage [ui-import]"),
    ("app.py", "import sqlmodel\n", "imports sqlmodel [ui-import]"),
    ("screens/data.py", "# filler\n" * 151, "[ui-thin]"),
    ("screens/outcome.py", "@st.cache_data\ndef cached():\n    pass\n", "[ui-cache]"),
    ("screens/_shared.py", "try:\n    pass\nexcept Exception:\n    pass\n", "[no-except-exception]"),
    ("app.py", "try:\n    pass\nexcept (KeyError, Exception):\n    pass", "[no-except-exception]"),
]
# Allowed code, planted the same way, must add nothing.
CLEAN = [
    ("hedging/market/model.py", "from hedging.market import index\nfrom . import index\n"),
    ("hedging/hedge/ratio.py", "from hedging.market import model\nfrom ..contracts import specs\n"),
    ("hedging/service/usage.py", "import hedging.store\nfrom hedging import report\n"),
    ("screens/hedge.py", "from hedging import service, models, errors\nimport hedging.service\n"),
    ("screens/_shared.py", "@st.cache_resource\ndef cached():\n    pass\n"),
    ("screens/_render.py", "# filler\n" * 151),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> tuple[Path, set[str]]:
    """A copy of hedging/, screens/ and app.py, and what it reports before anything is planted."""
    copy = tmp_path_factory.mktemp("tree")
    for folder in ("hedging", "screens"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "app.py", copy / "app.py")
    return copy, set(violations(copy))


def added(tree: tuple[Path, set[str]], file: str, code: str) -> list[str]:
    """The violations that appending code to file adds; the copy is put back afterwards."""
    copy, today = tree
    path = copy / file
    before = path.read_text() if path.exists() else None
    new_dir = not path.parent.exists()
    path.parent.mkdir(exist_ok=True)
    path.write_text((before or "") + "\n" + code)
    try:
        return [v for v in violations(copy) if v not in today]
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_text(before)
        if new_dir:
            path.parent.rmdir()


@pytest.mark.parametrize(("file", "code", "expected"), PLANTS,
                         ids=[f"{file} {expected}" for file, _, expected in PLANTS])
def test_a_planted_breach_is_reported(tree, file, code, expected):
    new = added(tree, file, code)
    assert len(new) == 1 and file.removesuffix("/__init__.py") in new[0] and expected in new[0], new


@pytest.mark.parametrize(("file", "code"), CLEAN, ids=[f for f, _ in CLEAN])
def test_allowed_code_is_not_reported(tree, file, code):
    assert added(tree, file, code) == []
