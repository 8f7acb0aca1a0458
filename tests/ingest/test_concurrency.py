"""Imports in threads of one process (how Streamlit serves sessions): each succeeds with the same
totals as alone, and none changes a process-wide pandas option."""

from __future__ import annotations

import ast
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from hedging import service, store
from tests.conftest import ROOT, settings_for

COMPANY = ROOT / "sample_data" / "company"
#: Four different formats (and both pandas string paths: object text columns and inferred ones).
FILES = (
    COMPANY / "anthropic_usage_2024-11-01_2026-10-31.csv",
    COMPANY / "focus_azure_openai_2024-11-01_2026-10-31.csv",
    COMPANY / "gpu_rental_2024-11-01_2026-10-31.csv",
    COMPANY / "openai_completions_usage_2024-11-01_2026-10-31.csv",
)


def _options() -> dict[str, object]:
    """Every registered pandas option and its value."""
    from pandas._config import config as pd_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated options warn when read
        return {key: repr(pd.get_option(key)) for key in pd_config._registered_options}


def _import(path: Path, folder: Path) -> tuple:
    folder.mkdir()
    settings = settings_for(f"sqlite:///{folder / 'hedging.db'}", folder)
    [outcome] = service.import_files([(path.name, path)], settings)
    assert outcome.import_id is not None and outcome.read.rows_rejected == 0
    stored = store.usage_frame(store.get_engine(settings.database_url))
    return (outcome.read.format, outcome.read.rows_read, len(outcome.read.frame),
            round(float(outcome.read.frame["cost_usd"].sum()), 6),
            int(outcome.read.frame["input_tokens"].sum()), int(outcome.read.frame["output_tokens"].sum()),
            len(stored), round(float(stored["cost_usd"].sum()), 6))


def test_concurrent_imports_match_sequential_ones_and_leave_pandas_options_alone(tmp_path):
    before = _options()
    sequential = [_import(p, tmp_path / f"seq{i}") for i, p in enumerate(FILES)]
    for _round in range(3):  # the race that broke this needed a few tries to show
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(_import, p, tmp_path / f"par{_round}_{i}") for i, p in enumerate(FILES)]
            results = [f.result() for f in futures]  # re-raises a worker's error
        assert results == sequential
    assert _options() == before


def test_no_module_changes_a_process_wide_pandas_option():
    """pd.set_option / option_context / pd.options.x = ... apply to every thread of the process."""
    found = []
    for path in sorted((ROOT / "hedging").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("set_option", "option_context", "reset_option"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.attr}")
            if isinstance(node, ast.Attribute) and node.attr == "options" and getattr(node.value, "id", "") == "pd":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: pd.options")
    assert found == []


@pytest.mark.parametrize("path", FILES[:1], ids=lambda p: p.name)
def test_read_frames_have_one_text_dtype(path):
    """Text columns of a read share one dtype with the frames read back from the store, so merges
    between them never meet object keys on one side and str keys on the other."""
    read = service.read_usage(path, path.name)
    kinds = {str(read.frame[c].dtype) for c in ("model", "team", "billing_provider", "source_format")}
    assert len(kinds) == 1
