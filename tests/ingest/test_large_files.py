"""Large exports: uploads and gzip files are read from a copy on disk (bounded memory), a file of
several gzip members reads whole, repeats are found however many parts apart, and the progress
message says rows done and time left."""

from __future__ import annotations

import gc
import gzip
import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedging.errors import InputError
from hedging.ingest import _progress_text, read_usage, source
from hedging.ingest.distinct import RepeatedRows

DATA = Path(__file__).resolve().parent.parent / "data"
OPENROUTER = ("generation_id,created_at,cost_total,tokens_prompt,tokens_completion,tokens_cached,model_permaslug,"
              "api_key_name,app_name")


def _log(n: int, repeat_of: int | None = None) -> bytes:
    rows = [f"gen-{i},2025-10-0{1 + i % 7} 10:00:00.000,0.0{1 + i % 9},{100 + i},{10 + i % 5},{i % 50},"
            f"openai/gpt-4o,key-{i % 3},app" for i in range(n)]
    if repeat_of is not None:
        rows.append(rows[repeat_of])
    return ("\n".join([OPENROUTER] + rows) + "\n").encode()


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("hedging-upload-*")}


def test_an_upload_and_a_multi_member_gzip_read_as_the_file_itself(tmp_path):
    data = _log(3000)
    path = tmp_path / "openrouter.csv"
    path.write_bytes(data)
    before = _leftovers()
    as_path = read_usage(path)
    as_upload = read_usage(io.BytesIO(data), "openrouter.csv")
    half = data.index(b"\n", len(data) // 2) + 1  # two gzip members, as `cat a.gz b.gz` makes
    two_members = gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0)
    as_gzip = read_usage(two_members, "openrouter.csv.gz")
    for other in (as_upload, as_gzip):
        pd.testing.assert_frame_equal(other.frame, as_path.frame)
        assert other.rows_read == as_path.rows_read == 3000
    assert as_gzip.sha256 != as_path.sha256  # the bytes as uploaded are what identifies a file
    del as_upload, as_gzip
    gc.collect()
    assert _leftovers() <= before  # the copies on disk are removed with the read


def test_a_gzip_bomb_is_refused_without_filling_memory():
    bomb = gzip.compress(b"a,b\n" + b"0" * (64 * 1024 * 1024), mtime=0)  # 64 MB from about 64 KB
    assert len(bomb) < 1024 * 1024
    with pytest.raises(InputError, match="decompresses to more than the 8.0 MB upload limit"):
        read_usage(bomb, "bomb.csv.gz", max_bytes=8 * 1024 * 1024)


def test_a_repeat_far_apart_is_found_across_many_parts():
    read = read_usage(_log(5000, repeat_of=3), "openrouter.csv", chunk_rows=97)  # 52 parts
    assert read.rows_read == 5001
    assert dict(read.skipped) == {"repeats an earlier row of the file (counted once)": 1}
    assert any("rows 5 and 5,002 are the same request" in w.message for w in read.warnings)


@pytest.mark.parametrize("filter_bits", [8, None, "sized"])
def test_repeated_rows_look_up_only_the_keys_the_filter_has_seen(filter_bits):
    """With a filter of 8 bits every key is looked up in the stored runs; with the default one
    (grown as keys come, or sized at once for the rows the file is expected to have), few new
    keys are: all find the same repeats, in the first chunk or 63 chunks later."""
    if filter_bits == "sized":
        seen = RepeatedRows(("id",), expected_rows=6_400)
        assert seen._filter.size * 8 >= 32 * 6_400  # no rebuild as the keys come
        size = seen._filter.size
    else:
        seen = RepeatedRows(("id",)) if filter_bits is None else RepeatedRows(("id",), filter_bits=filter_bits)
    for part in range(64):
        ids = pd.DataFrame({"id": [f"r{part}-{i}" for i in range(100)]})
        earlier, copy = seen.check(ids, 2 + 100 * part)
        assert not earlier.any()
    if filter_bits == 8:
        assert seen.looked_up == 63 * 100
    else:
        assert seen.looked_up < 0.1 * 63 * 100  # at least 32 bits per key: few new keys share a bit
    if filter_bits == "sized":
        assert seen._filter.size == size
    again = pd.DataFrame({"id": ["r0-0", "r63-99", "new", "r31-7"]})
    earlier, copy = seen.check(again, 10_000)
    assert earlier.tolist() == [2, 2 + 100 * 63 + 99, 0, 2 + 100 * 31 + 7]
    assert copy.tolist() == [True, True, False, True]


def test_progress_says_rows_done_and_time_left():
    assert _progress_text("log.csv", 2_500_000, 10_000_000, 30.0, 0.25) == \
        "log.csv: 2,500,000 of about 10,000,000 rows read, about 1 min 30 s left"
    assert _progress_text("log.csv", 250_000, 10_000_000, 1.0, 0.025) == \
        "log.csv: 250,000 of about 10,000,000 rows read"  # too early for an estimate
    messages = []
    read_usage(_log(2000), "openrouter.csv", chunk_rows=500, progress=lambda f, m: messages.append((f, m)))
    fractions = [f for f, _m in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert messages[0] == (0.0, "openrouter.csv: opening the file…")
    assert "1,500 of about" in messages[3][1]
    assert np.all(np.diff(fractions) >= 0)
    gz = []
    read_usage(gzip.compress(_log(200)), "openrouter.csv.gz", progress=lambda f, m: gz.append(m))
    assert gz[0] == "openrouter.csv.gz: unpacking the file…"


def test_progress_goes_on_when_the_file_is_read_again_by_the_careful_reader(monkeypatch):
    """A row Arrow's reader refuses far into the file (here one field too many): the file is read
    again by pandas from its start, and the bar goes on from where it stood, saying why."""
    from hedging.ingest import arrow_read

    monkeypatch.setattr(arrow_read, "_BLOCK_BYTES", 4096)  # batches of about 60 rows, as a large file's
    monkeypatch.setattr(arrow_read, "_RANGE_BYTES", 8192)  # ranges of about 120 rows, parsed ahead
    lines = _log(2000).decode().splitlines()
    lines[1801] += ",extra"
    messages = []
    with pytest.raises(InputError, match="row has 10 fields but the header has 9"):
        read_usage(("\n".join(lines) + "\n").encode(), "openrouter.csv", chunk_rows=250,
                   progress=lambda f, m: messages.append((f, m)))
    fractions = [f for f, _m in messages]
    assert np.all(np.diff(fractions) >= 0) and fractions[-1] > 0.9
    [again] = [i for i, (_f, m) in enumerate(messages) if "is read again from the start" in m]
    assert 0.5 < fractions[again] < 1  # the fast reader had got past 1,000 of the 2,000 rows
    assert messages[again + 1][1].endswith("(second reading)") and "250 of about" in messages[again + 1][1]


def test_a_known_hash_stops_the_reading_and_an_unknown_one_changes_nothing():
    data = _log(6000)
    sha = hashlib.sha256(data).hexdigest()
    plain = read_usage(data, "log.csv", chunk_rows=500)
    other = read_usage(data, "log.csv", chunk_rows=500, known_sha256={"0" * 64})
    assert not other.known and other.rows_read == plain.rows_read == 6000 and other.sha256 == sha
    pd.testing.assert_frame_equal(other.frame, plain.frame)
    told: list[tuple[float, str]] = []
    known = read_usage(io.BytesIO(data), "log.csv", chunk_rows=500, known_sha256={sha},
                       progress=lambda f, m: told.append((f, m)))
    assert known.known and known.frame.empty and known.rows_read == 0 and known.sha256 == sha
    assert known.format == plain.format and known.file_name == "log.csv"
    assert told[-1][0] == 1.0 and "already imported" in told[-1][1]
    assert not any("rows read" in m for _f, m in told)  # an upload's hash is known before the first part


def test_a_file_on_disk_is_parsed_while_it_is_hashed_and_stops_once_the_hash_is_known(tmp_path, monkeypatch):
    """The hash of a file on disk is never waited for: here it is held back until two parts are
    read, and the reading stops within a few parts after it is released."""
    from hedging.ingest import source

    path = tmp_path / "log.csv"
    path.write_bytes(_log(30_000))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    release = threading.Event()
    hash_file = source._sha256_file

    def held_back(p):
        release.wait(timeout=30)
        return hash_file(p)

    monkeypatch.setattr(source, "_sha256_file", held_back)
    rows: list[int] = []

    def progress(_fraction, message):
        if m := re.search(r"([\d,]+) of about", message):
            rows.append(int(m.group(1).replace(",", "")))
            if len(rows) == 2:
                release.set()

    read = read_usage(path, chunk_rows=500, known_sha256={sha}, progress=progress)
    assert read.known and read.frame.empty and read.sha256 == sha
    assert 1_000 <= read.rows_read == rows[-1] < 30_000 // 2


def test_copies_left_behind_by_a_dead_process_are_removed_and_live_ones_kept(tmp_path, monkeypatch):
    """An upload's unpacked copy is named after its process; a new upload removes the copies of
    processes that no longer exist and old copies named without a process id, never one of a live
    process (another one, or this one)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    exited = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that no longer exists
    exited.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        here = source._host_tag()
        elsewhere = "0badf00d" if here != "0badf00d" else "0badcafe"
        dead = tmp_path / f"hedging-upload-{here}-{exited.pid}-abc123_x.csv"
        alive = tmp_path / f"hedging-upload-{here}-{live.pid}-def456.csv"
        mine = tmp_path / f"hedging-upload-{here}-{os.getpid()}-ghi789.csv"
        old = tmp_path / "hedging-upload-k2j4h5g6.csv"        # named before the process id was part of it
        recent = tmp_path / "hedging-upload-q1w2e3r4.csv"
        # another container sharing the folder: its process ids mean nothing here, so its copy is
        # kept while it may be in use, even under the id of a process that does not exist here
        theirs = tmp_path / f"hedging-upload-{elsewhere}-{exited.pid}-jkl012.csv"
        theirs_old = tmp_path / f"hedging-upload-{elsewhere}-{exited.pid}-mno345.csv"
        before_hosts = tmp_path / f"hedging-upload-{exited.pid}-pqr678.csv"  # the previous naming
        other = tmp_path / "hedging-upload-notes.txt"          # not a copy: left alone
        for p in (dead, alive, mine, old, recent, theirs, theirs_old, before_hosts, other):
            p.write_bytes(b"a,b\n1,2\n")
        two_days_ago = time.time() - 2 * 24 * 3600
        for p in (old, theirs_old):
            os.utime(p, (two_days_ago, two_days_ago))
        kept = {alive.name, mine.name, recent.name, theirs.name, before_hosts.name, other.name}
        seen: list[set[str]] = []
        data = _log(2000)
        read = read_usage(io.BytesIO(data), "log.csv",
                          progress=lambda f, m: seen.append({p.name for p in tmp_path.iterdir()}))
        assert read.rows_read == 2000
        left = {p.name for p in tmp_path.iterdir()}
        assert not dead.exists() and not old.exists() and not theirs_old.exists()
        assert kept <= left
        # while it was read, the upload's own copy carried this machine's tag and this process's id
        copies = {n for names in seen for n in names} - kept - {dead.name, old.name, theirs_old.name}
        assert copies and all(re.fullmatch(rf"hedging-upload-{here}-{os.getpid()}-[a-z0-9_]+\.csv", n)
                              for n in copies)
        del read
        gc.collect()
        assert {p.name for p in tmp_path.iterdir()} == kept
    finally:
        live.kill()
        live.wait()
