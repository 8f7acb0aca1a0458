"""Results kept by content and computed ahead (hedging/service/ahead.py), and which programs the
Hedge program page computes ahead (hedging/service/hedge_view.py: alternatives)."""

from __future__ import annotations

import importlib
from pathlib import Path
import threading
import time

import pytest

from hedging import service
from hedging.errors import InputError
from hedging.service.ahead import Ahead, content_key

hedge_view = importlib.import_module("hedging.service.hedge_view")


def test_keys_are_the_content_of_the_inputs_not_the_objects():
    a = service.Policy(name="layered")
    b = service.Policy(name="layered")
    assert a is not b and content_key("program", "v1", a) == content_key("program", "v1", b)
    assert content_key("program", "v1", a) != content_key("program", "v2", a)
    assert content_key("program", "v1", a) != content_key("program", "v1", service.Policy(name="min_cvar"))


def test_a_result_is_computed_once_and_the_least_recently_used_goes_first():
    kept, calls = Ahead(max_entries=2), []

    def compute(x):
        calls.append(x)
        return x * 10

    assert kept.get("a", lambda: compute(1)) == 10
    assert kept.get("a", lambda: compute(99)) == 10 and calls == [1]
    kept.get("b", lambda: compute(2))
    kept.get("a", lambda: compute(99))          # a is now the most recent
    kept.get("c", lambda: compute(3))           # b goes
    assert "a" in kept and "c" in kept and "b" not in kept


def test_a_key_being_computed_ahead_is_waited_for_not_computed_twice():
    kept, calls, started = Ahead(max_entries=4), [], threading.Event()

    def slow():
        started.set()
        time.sleep(0.3)
        calls.append("ahead")
        return "ahead"

    kept.ahead([("k", slow)])
    assert started.wait(5)
    assert kept.get("k", lambda: calls.append("page") or "page") == "ahead"
    assert calls == ["ahead"] and kept.computed_ahead == 1


def test_new_jobs_replace_the_queue_and_skip_what_is_kept():
    kept, done, gate, started = Ahead(max_entries=8), [], threading.Event(), threading.Event()
    kept.get("kept", lambda: "x")
    kept.ahead([("first", lambda: started.set() or (gate.wait(5) and done.append("first"))),
                ("dropped", lambda: done.append("dropped"))])
    assert started.wait(5)
    kept.ahead([("kept", lambda: done.append("kept again")), ("second", lambda: done.append("second"))])
    gate.set()
    assert kept.idle(10)
    assert done == ["first", "second"]   # "first" was already running; "dropped" was replaced


def test_an_error_computing_ahead_is_raised_again_to_the_caller():
    kept = Ahead(max_entries=4)

    def fails():
        raise InputError("no listed contract", fix="lengthen the horizon")

    kept.ahead([("bad", fails)])
    assert kept.idle(10) and "bad" not in kept
    with pytest.raises(InputError, match="no listed contract"):
        kept.get("bad", fails)


def test_the_alternatives_are_the_other_policies_then_one_notch_of_each_slider():
    spec = service.RunSpec(policy=service.Policy(name="layered", volume_percentile=25.0))
    alts = hedge_view.alternatives(spec)
    names = [a.policy.name for a in alts]
    assert names[:4] == [n for n in service.POLICIES if n != "layered"]      # the dearer ones first
    assert all(a.policy.volume_percentile == 25.0 for a in alts[:4])
    assert len(alts) == 2 + 6 + 4
    bands = [a.policy.bands for a in alts if a.policy.name == "layered" and a.policy.volume_percentile == 25.0]
    assert ((3, 0.7), (6, 0.5), (12, 0.25)) in bands and ((3, 0.8), (6, 0.5), (12, 0.25)) in bands
    assert ((3, 0.75), (6, 0.45), (12, 0.25)) in bands and ((3, 0.75), (6, 0.5), (12, 0.3)) in bands
    assert {a.policy.volume_percentile for a in alts} == {20.0, 25.0, 30.0}
    # the slider's values (a ratio of 70 % is 70 / 100), so the page's spec finds the result
    assert ((3, 70 / 100), (6, 50 / 100), (12, 25 / 100)) in bands
    top = service.RunSpec(policy=service.Policy(name="min_variance", volume_percentile=100.0))
    assert {a.policy.volume_percentile for a in hedge_view.alternatives(top)} == {95.0, 100.0}
    assert all(a.policy.bands == top.policy.bands for a in hedge_view.alternatives(top))


def test_a_process_ends_only_after_the_computation_under_way(tmp_path):
    """At exit the queue is dropped and the job running is waited for (a solver's native code running
    while the interpreter shuts down aborts the process)."""
    import subprocess
    import sys

    script = tmp_path / "ends.py"
    script.write_text(
        "import threading, time\n"
        "from hedging.service.ahead import Ahead\n"
        "kept, started = Ahead(4), threading.Event()\n"
        "def slow():\n"
        "    started.set(); time.sleep(0.5); print('finished', flush=True)\n"
        "kept.ahead([('a', slow), ('b', lambda: print('dropped', flush=True))])\n"
        "started.wait(5)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert out.returncode == 0 and out.stdout.split() == ["finished"], out.stderr


def test_a_new_materiality_threshold_drops_from_the_program_kept_and_equals_building_it(tmp_path, monkeypatch):
    import datetime as dt

    import numpy as np

    from hedging.config import Settings

    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    service.load_sample_company(settings)
    spec = service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=400)
    view = service.forecast(spec, settings)
    calls = []
    real = hedge_view.hedge_result
    monkeypatch.setattr(hedge_view, "hedge_result", lambda v, s: calls.append(s.policy.min_notional) or real(v, s))
    stored = f"materiality-test-{tmp_path.name}"
    for threshold in (90_000.0, 95_000.0):
        s = spec.with_(policy=service.Policy(min_notional=threshold))
        kept = service.kept_hedge_result(view, s, stored)
        built = hedge_view.build_program(view, s.policy)           # the optimiser again, then the threshold
        assert kept.policy == s.policy == built.policy
        assert np.array_equal(kept.lots, built.lots) and kept.dropped == built.dropped and len(kept.dropped) > 0
        assert np.allclose(kept.hedged, built.hedged) and np.allclose(kept.cost, built.cost)
    assert calls == [0.0]          # the program without a threshold, built once, for both thresholds
