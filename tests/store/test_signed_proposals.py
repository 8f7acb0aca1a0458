"""Signed proposals: the key file, the HMAC over the whole record, refusal of anything changed
outside the app, the records saved before signatures, and revision 0004 on a database made by the
previous release (SQLite and PostgreSQL), whose old documents still print."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import pytest
from alembic import command
from sqlalchemy import text

from hedging import service, store
from hedging.config import Settings
from hedging.errors import InputError, StorageError
from hedging.service.proposal import signing_key
from hedging.store.engine import _foreign_keys_off, clear_engines
from hedging.store.migrate import _config, head
from hedging.store.proposals import (
    SIGNED,
    UNSIGNED,
    TamperedProposalError,
    delete_proposal,
    list_proposals,
    load_proposal,
    save_proposal,
)
from hedging.store.signing import KEY_FILE_ENV, SigningKey, check, key_path, load_or_create_key, sign
from tests.report.proposal_fixture import make_proposal
from tests.store.test_migrations import _raw_engine, make_previous_release_db, revision, schema_differences, snapshot


@pytest.fixture
def key(tmp_path):
    return load_or_create_key(tmp_path / "keys" / "signing.key")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'previous.db'}"


def _sql(url: str, statement: str, **params) -> None:
    engine = _raw_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement), params)
    engine.dispose()


def _row(url: str, proposal_id: int) -> dict:
    engine = _raw_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM proposals WHERE id = :i"), {"i": proposal_id}).one()._asdict()
    engine.dispose()
    return row


# --- the key ------------------------------------------------------------------------------------------


def test_key_file_is_created_once_private_and_found_by_the_environment(tmp_path):
    path = tmp_path / "data" / "signing.key"
    assert key_path(tmp_path / "data", env={}) == path
    assert key_path(tmp_path / "data", env={KEY_FILE_ENV: str(tmp_path / "elsewhere.key")}) == tmp_path / "elsewhere.key"
    first = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(first.secret) == 32 and path.read_text().strip() == first.secret.hex()
    assert load_or_create_key(path).secret == first.secret      # read, not made again
    assert first.secret.hex() not in repr(first)                 # never printed
    assert [p.name for p in path.parent.iterdir()] == ["signing.key"]  # no temporary file left


def test_threads_creating_the_key_at_once_all_get_the_same_one(tmp_path):
    path = tmp_path / "signing.key"
    barrier = threading.Barrier(8)

    def create(_):
        barrier.wait(timeout=30)
        return load_or_create_key(path).secret

    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = set(pool.map(create, range(8)))
    assert len(secrets) == 1 and path.read_text().strip() == secrets.pop().hex()


def test_a_key_others_can_read_or_a_damaged_key_is_refused(tmp_path):
    path = tmp_path / "signing.key"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(StorageError, match=r"other users \(mode 0644\)\. Fix: run `chmod 600"):
        load_or_create_key(path)
    os.chmod(path, 0o600)
    path.write_text("not a key\n")
    with pytest.raises(StorageError, match="does not hold a key"):
        load_or_create_key(path)


# --- what the signature covers -----------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_documented_message():
    """Pinned: stored signatures must keep verifying, so the message format never changes silently.
    Recomputed here independently with the standard library's HMAC (RFC 2104, SHA-256 as in
    RFC 4231), and checked against RFC 4231 test case 2 so the primitive is the published one.
    New records are signed ``v2`` (the workspace is in the message); a ``v1`` signature written
    before workspaces existed still verifies, and neither can be passed off as the other."""
    assert hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")   # RFC 4231, test case 2
    key = SigningKey(bytes(range(32)), Path("/nowhere/signing.key"))
    payload = '{"a": "é"}'
    record = {"id": 12, "workspace_id": 3, "name": "FY27 compute hedge", "company": "Northwind",
              "app_version": "0.2.0", "created_at": "2026-12-06 10:00:00.123456+01:00", "schema_version": 2,
              "payload_sha256": hashlib.sha256(payload.encode()).hexdigest(), "payload": payload}
    head_v1 = ('{"app_version":"0.2.0","company":"Northwind","created_at":"2026-12-06 09:00:00.123456","id":12,'
               f'"name":"FY27 compute hedge","payload_sha256":"{record["payload_sha256"]}","schema_version":2,'
               '"unsigned_through":3}')
    head_v2 = head_v1[:-1] + ',"workspace_id":3}'
    key_id = hmac.new(bytes(range(32)), b"hedging signing key id", hashlib.sha256).hexdigest()[:16]
    mac = {v: hmac.new(bytes(range(32)), f"hedging proposal record {v}\n".encode() + head.encode() + b"\n"
                       + payload.encode("utf-8"), hashlib.sha256).hexdigest()
           for v, head in (("v1", head_v1), ("v2", head_v2))}
    assert sign(key, record, 3, "v1") == f"v1:{key_id}:3:{mac['v1']}" == (
        "v1:ad7dd47f59b2136d:3:f748d04951ac931de050197e8fb16482dc2305de7c818c303adfa7d095443952")
    assert sign(key, record, 3) == f"v2:{key_id}:3:{mac['v2']}"
    for version in ("v1", "v2"):
        signed = {**record, "signature": sign(key, record, 3, version)}
        assert check(key, signed) is None
        # the same instant handed back without a time zone (SQLite keeps UTC wall time) verifies too
        assert check(key, {**signed, "created_at": "2026-12-06 09:00:00.123456"}) is None
        # relabelling the version does not carry a signature over to the other message
        other = "v1" if version == "v2" else "v2"
        relabelled = {**signed, "signature": signed["signature"].replace(version, other, 1)}
        assert check(key, relabelled) == "its signature does not match"
    # a v2 signature binds the workspace; a v1 one (saved before workspaces) cannot
    v2 = {**record, "signature": sign(key, record, 3)}
    assert check(key, {**v2, "workspace_id": 1}) == "its signature does not match"
    assert check(key, {**record, "workspace_id": 1, "signature": sign(key, record, 3, "v1")}) is None


def test_a_saved_proposal_is_signed_and_opens(db_url, key):
    engine = store.get_engine(db_url)
    pid = save_proposal(engine, "FY27 hedge", "Acme", "0.2.0", {"schema_version": 2, "x": [1, 2]}, key=key)
    opened = load_proposal(engine, pid, key=key)
    assert opened["signature"] == SIGNED and opened["schema_version"] == 2 and opened["x"] == [1, 2]
    assert opened["fingerprint"] == hashlib.sha256(_row(db_url, pid)["payload"].encode()).hexdigest()
    [listed] = list_proposals(engine, key=key)
    assert (listed["signature"], listed["problem"], listed["schema_version"]) == (SIGNED, None, 2)
    row = _row(db_url, pid)
    assert row["signature"].startswith(f"v2:{key.key_id}:0:") and row["schema_version"] == 2


def _forged_payload(row: dict) -> dict:
    """The payload edited AND its fingerprint recomputed: what defeated the plain SHA-256."""
    forged = json.dumps({**json.loads(row["payload"]), "x": [9, 9]})
    return {"payload": forged, "payload_sha256": hashlib.sha256(forged.encode()).hexdigest()}


EDITS = {
    "name": lambda row: {"name": "FY28 hedge"},
    "company": lambda row: {"company": "Other Co"},
    "app_version": lambda row: {"app_version": "9.9.9"},
    "created_at": lambda row: {"created_at": "2020-01-01 00:00:00+00:00"},
    "schema_version": lambda row: {"schema_version": 1},
    "payload and fingerprint": _forged_payload,
    "fingerprint": lambda row: {"payload_sha256": "0" * 64},
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_any_field_changed_outside_the_app_refuses_to_open(db_url, key, edit):
    engine = store.get_engine(db_url)
    pid = save_proposal(engine, "FY27 hedge", "Acme", "0.2.0", {"schema_version": 2, "x": [1, 2]}, key=key)
    changes = EDITS[edit](_row(db_url, pid))
    _sql(db_url, f"UPDATE proposals SET {', '.join(f'{c} = :{c}' for c in changes)} WHERE id = :id", id=pid, **changes)
    name = changes.get("name", "FY27 hedge")
    why = "its document no longer matches its fingerprint" if edit == "fingerprint" else "its signature does not match"
    expected = (f"Proposal '{name}' (#{pid}) was changed outside the app after it was saved: {why}. "
                "It cannot be opened or printed. Fix: restore the database from a backup, or delete this proposal.")
    with pytest.raises(TamperedProposalError) as err:
        load_proposal(engine, pid, key=key)
    assert str(err.value) == expected
    [listed] = list_proposals(engine, key=key)        # still listed, so it can be seen and deleted
    assert listed["signature"] is None and listed["problem"] == expected
    delete_proposal(engine, pid)
    assert list_proposals(engine, key=key) == []


def test_a_record_moved_or_copied_to_another_id_is_refused(db_url, key):
    engine = store.get_engine(db_url)
    first = save_proposal(engine, "A", "Acme", "0.2.0", {"schema_version": 2}, key=key)
    row = _row(db_url, first)
    _sql(db_url, "INSERT INTO proposals (id, name, company, app_version, payload_sha256, payload, created_at, "
                 "schema_version, signature) VALUES (:id, :name, :company, :app_version, :payload_sha256, :payload, "
                 ":created_at, :schema_version, :signature)", **{**row, "id": 50})
    with pytest.raises(TamperedProposalError, match=r"\(#50\) was changed outside the app.*signature does not match"):
        load_proposal(engine, 50, key=key)
    assert load_proposal(engine, first, key=key)["signature"] == SIGNED


def test_a_record_moved_to_another_workspace_is_refused_there(db_url, key):
    """Moving a proposal's row into another workspace in the database does not make it that
    workspace's: the workspace is under the signature."""
    engine = store.get_engine(db_url)
    _sql(db_url, "INSERT INTO workspaces (id, slug, name, created_at) VALUES (2, 'globex', 'Globex', '2026-12-01 00:00:00')")
    pid = save_proposal(engine, "Globex hedge", "Globex", "0.2.0", {"schema_version": 2}, key=key, workspace_id=2)
    assert load_proposal(engine, pid, key=key, workspace_id=2)["signature"] == SIGNED
    _sql(db_url, "UPDATE proposals SET workspace_id = 1 WHERE id = :i", i=pid)
    with pytest.raises(TamperedProposalError, match=rf"\(#{pid}\) was changed outside the app.*signature does not match"):
        load_proposal(engine, pid, key=key, workspace_id=1)


def test_another_installations_key_is_named_not_called_a_change(db_url, key, tmp_path):
    engine = store.get_engine(db_url)
    pid = save_proposal(engine, "A", "Acme", "0.2.0", {"schema_version": 2}, key=key)
    other = load_or_create_key(tmp_path / "other.key")
    with pytest.raises(TamperedProposalError) as err:
        load_proposal(engine, pid, key=other)
    assert f"signed with another installation's key (key id {key.key_id}" in str(err.value)
    assert f"Fix: set {KEY_FILE_ENV} to the key file" in str(err.value)
    assert "changed outside" not in str(err.value)


# --- records saved before signatures --------------------------------------------------------------------


def test_unsigned_records_open_only_if_older_than_signing(sqlite_url, key):
    """Three proposals of the previous release open unsigned; a signature stripped from a newer
    record, or a new unsigned row, is refused: the signed records say where unsigned ones end."""
    make_previous_release_db(sqlite_url)
    engine = store.get_engine(sqlite_url)
    assert [p["signature"] for p in list_proposals(engine, key=key)] == [UNSIGNED] * 3
    a = save_proposal(engine, "A", "Acme", "0.2.0", {"schema_version": 2}, key=key)
    b = save_proposal(engine, "B", "Acme", "0.2.0", {"schema_version": 2}, key=key)
    assert (a, b) == (4, 5)
    assert _row(sqlite_url, a)["signature"].split(":")[2] == "3" == _row(sqlite_url, b)["signature"].split(":")[2]
    _sql(sqlite_url, "UPDATE proposals SET signature = NULL WHERE id = :i", i=a)
    forged = json.dumps({"name": "Wire the margin", "numbers": [1]})
    _sql(sqlite_url, "INSERT INTO proposals (name, company, app_version, payload_sha256, payload, created_at) "
                     "VALUES ('Wire the margin', 'Acme', '0.1.0', :s, :p, '2026-11-01 10:00:00')",
         s=hashlib.sha256(forged.encode()).hexdigest(), p=forged)
    listed = {p["id"]: p for p in list_proposals(engine, key=key)}
    assert [listed[i]["signature"] for i in (1, 2, 3, 5)] == [UNSIGNED, UNSIGNED, UNSIGNED, SIGNED]
    for pid, name in ((a, "A"), (6, "Wire the margin")):
        assert listed[pid]["signature"] is None
        assert listed[pid]["problem"] == (
            f"Proposal '{name}' (#{pid}) was added or changed outside the app: it has no signature, but only "
            "proposals up to #3 were saved before signatures existed. It cannot be opened or printed. Fix: restore "
            "the database from a backup, or delete this proposal.")
        with pytest.raises(TamperedProposalError, match="added or changed outside the app"):
            load_proposal(engine, pid, key=key)
    assert load_proposal(engine, 3, key=key)["signature"] == UNSIGNED
    clear_engines()


def test_an_unsigned_record_still_fails_its_fingerprint(sqlite_url, key):
    make_previous_release_db(sqlite_url)
    engine = store.get_engine(sqlite_url)
    _sql(sqlite_url, "UPDATE proposals SET payload = '{\"name\": \"Q2 plan\", \"numbers\": [7]}' WHERE id = 2")
    with pytest.raises(TamperedProposalError, match=r"'Q2 plan' \(#2\) was changed outside the app after it was "
                                                    "saved: its document no longer matches its fingerprint"):
        load_proposal(engine, 2, key=key)
    clear_engines()


# --- the upgrade --------------------------------------------------------------------------------------


def _previous_release_document(name: str) -> str:
    """A full proposal document as the previous release saved it: no schema version, no id."""
    doc = {k: v for k, v in make_proposal().items() if k not in ("id", "fingerprint", "signature", "schema_version")}
    return json.dumps({**doc, "name": name})


def _previous_release_db_with_a_full_document(url: str) -> str:
    make_previous_release_db(url)
    document = _previous_release_document("Q3 plan")
    _sql(url, "UPDATE proposals SET payload = :p, payload_sha256 = :s WHERE id = 3",
         p=document, s=hashlib.sha256(document.encode()).hexdigest())
    return document


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_previous_release_proposals_survive_the_upgrade_and_still_print(db_url, tmp_path):
    document = _previous_release_db_with_a_full_document(db_url)
    before = snapshot(db_url)
    old_rows = [_row(db_url, i) for i in (1, 2, 3)]
    assert revision(db_url) is None

    settings = Settings(database_url=db_url, data_dir=tmp_path / "data")
    engine = store.get_engine(db_url)

    assert revision(db_url) == head()
    assert schema_differences(db_url) == []
    assert snapshot(db_url) == before                               # every stored column of every row
    for old in old_rows:
        new = _row(db_url, old["id"])
        assert {k: new[k] for k in old} == old
        assert (new["schema_version"], new["signature"]) == (1, None)
    listed = service.list_proposals(settings)
    assert [(p["id"], p["name"], p["signature"], p["schema_version"]) for p in listed] == [
        (1, "Q1 plan", UNSIGNED, 1), (2, "Q2 plan", UNSIGNED, 1), (3, "Q3 plan", UNSIGNED, 1)]
    opened = service.load_proposal(3, settings)
    assert opened["signature"] == UNSIGNED and opened["schema_version"] == 1
    assert {k: opened[k] for k in json.loads(document)} == json.loads(document)

    pages = _pages(service.proposal_pdf(3, settings, fingerprint=opened["fingerprint"]))
    assert "Q3 plan" in pages[0] and "unsigned (saved before signatures)" in pages[0]
    text = "\n".join(pages)                                       # every old stored chart still renders
    assert len(set(re.findall(r"Figure (\d+)\. ", text))) == len(json.loads(document)["figures"]) == 9
    assert "Chart unavailable" not in text
    for n, page in enumerate(pages, start=1):
        assert f"Proposal #3 · Q3 plan · Page {n} of {len(pages)}" in page
        assert f"Fingerprint {opened['fingerprint']} · unsigned (saved before signatures)" in page

    service.delete_proposal(3, settings)
    new = save_proposal(engine, "Q4 plan", "Acme", "0.2.0", {"schema_version": 2}, key=signing_key(settings))
    assert new == 4 and service.load_proposal(4, settings)["signature"] == SIGNED
    assert [p["signature"] for p in service.list_proposals(settings)] == [UNSIGNED, UNSIGNED, SIGNED]


def test_revision_0004_downgrades_without_losing_a_row(sqlite_url, key):
    make_previous_release_db(sqlite_url)
    before = snapshot(sqlite_url)
    engine = _raw_engine(sqlite_url)
    for step, target in ((command.upgrade, "0004_signed_proposals"), (command.downgrade, "0003_one_row_per_provider_day")):
        with engine.connect() as conn, _foreign_keys_off(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            step(_config(conn), target)
            conn.commit()
    with engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(proposals)")]
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'proposals'").scalar()
    engine.dispose()
    assert "signature" not in columns and "schema_version" not in columns and "AUTOINCREMENT" in sql
    assert snapshot(sqlite_url) == before
    assert revision(sqlite_url) == "0003_one_row_per_provider_day"
    assert store.upgrade_database(sqlite_url).after == head()


# --- the service ----------------------------------------------------------------------------------------


def test_a_tampered_proposal_is_neither_opened_nor_printed_but_can_be_deleted(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", data_dir=tmp_path / "data")
    engine = store.get_engine(settings.database_url)
    pid = save_proposal(engine, "FY27", "Acme", "0.2.0", {**make_proposal(figures=False), "schema_version": 2},
                        key=signing_key(settings))
    assert (tmp_path / "data" / "signing.key").is_file()
    row = _row(settings.database_url, pid)
    _sql(settings.database_url, "UPDATE proposals SET payload = :payload, payload_sha256 = :payload_sha256 "
                                "WHERE id = :i", i=pid, **_forged_payload(row))
    message = (f"Proposal 'FY27' (#{pid}) was changed outside the app after it was saved: its signature does not "
               "match. It cannot be opened or printed.")
    for attempt in (lambda: service.load_proposal(pid, settings), lambda: service.proposal_pdf(pid, settings)):
        with pytest.raises(TamperedProposalError) as err:
            attempt()
        assert str(err.value).startswith(message)
    service.delete_proposal(pid, settings)
    assert service.list_proposals(settings) == []
    clear_engines()


def test_a_document_from_a_newer_release_is_refused(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", data_dir=tmp_path / "data")
    pid = save_proposal(store.get_engine(settings.database_url), "Next", "Acme", "9.0", {"schema_version": 3},
                        key=signing_key(settings))
    with pytest.raises(InputError, match=r"saved by a newer release of hedging \(document version 3; this release "
                                        r"reads up to 2\)"):
        service.load_proposal(pid, settings)
    clear_engines()
