"""Tamper evidence for saved proposals: an HMAC-SHA256 over the whole stored record, keyed by a
per-installation secret that is kept outside the database.

Why a keyed signature: the payload's SHA-256 (the proposal's fingerprint) is stored beside the
payload, so anyone who can write the database can change both. An HMAC can only be recomputed by
someone who holds the key, and the key lives in a file (created on first use, mode 0600), not in
the database: ``$HEDGING_SIGNING_KEY_FILE`` when set, otherwise ``signing.key`` in the data
directory (``$HEDGING_DATA_DIR``, next to the SQLite file). Every process that opens the same
database (several app servers on one PostgreSQL) must be given the same key file.

What is signed: the record's id, workspace, name, company, application version, creation time,
document schema version, fingerprint and the payload itself, plus the id up to which unsigned
proposals are accepted (see below). Changing any of them, moving a record to another id or another
workspace, or copying a record makes the check fail.

The signature text is ``v2:<key id>:<unsigned through>:<hex HMAC>``. Records signed before
workspaces existed carry ``v1`` signatures, whose message has no workspace; they still verify (a
record is never re-signed), so for them a move between workspaces is not detected. Every such
record was put in the Default workspace by the upgrade that introduced workspaces. The key id (16 hex digits of
an HMAC of a fixed label) names the key without revealing it, so a record signed with another
installation's key is reported as such rather than as a change.

Proposals saved before signatures existed have none. They are not signed afterwards (not even by
``hedging db upgrade``): a signature says "unchanged since this installation saved it", and for a
record saved unsigned nobody can know whether it was changed before the upgrade, so signing it
would turn an unknown into a false certificate. They open marked "unsigned (saved before
signatures)". So that a record cannot be made to pass as one of them by deleting its signature
or by adding a new unsigned row, every signed record carries (under its signature) the highest id
that was unsigned when signing began; an unsigned record above that id is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from hedging.errors import InputError, StorageError

#: The environment variable that names the key file (default: ``signing.key`` in the data directory).
KEY_FILE_ENV = "HEDGING_SIGNING_KEY_FILE"
KEY_FILE_NAME = "signing.key"
KEY_BYTES = 32
VERSION = "v2"
#: The versions this release verifies, each with the domain line its message starts with.
_DOMAINS = {"v1": b"hedging proposal record v1\n", "v2": b"hedging proposal record v2\n"}

SIGNED = "signed"
UNSIGNED = "unsigned (saved before signatures)"


class TamperedProposalError(InputError):
    """A stored proposal fails its signature or fingerprint check: it is not opened or printed.
    The message names the proposal, says what failed and how to fix it."""


@dataclass(frozen=True)
class SigningKey:
    """The installation's secret and where it came from (the secret never appears in ``repr``)."""

    secret: bytes
    path: Path

    def __repr__(self) -> str:
        return f"SigningKey(id={self.key_id}, path={str(self.path)!r})"

    @cached_property
    def key_id(self) -> str:
        return hmac.new(self.secret, b"hedging signing key id", hashlib.sha256).hexdigest()[:16]


def key_path(data_dir: Path | str, env: Mapping[str, str] | None = None) -> Path:
    """Where the installation's key file is: ``$HEDGING_SIGNING_KEY_FILE``, else in ``data_dir``."""
    env = os.environ if env is None else env
    named = (env.get(KEY_FILE_ENV) or "").strip()
    return Path(named).expanduser() if named else Path(data_dir) / KEY_FILE_NAME


def load_or_create_key(path: Path | str) -> SigningKey:
    """The key in ``path``, created (32 random bytes as hex, mode 0600) when the file is missing.

    Creation is safe when several threads or processes start at once: the key is written to a
    private temporary file and linked into place, so every caller ends up with the one that won.
    A file that others can read or write, or that does not hold a key, is refused: signing with a
    key other people can read would prove nothing.
    """
    path = Path(path)
    if not path.exists():
        _create(path)
    try:
        info = path.stat()
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise StorageError(f"The proposal signing key {path} could not be read ({err.__class__.__name__}). "
                           f"Fix: make it readable by this user only (chmod 600), or set {KEY_FILE_ENV} to "
                           "the key file this installation uses.") from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise StorageError(f"The proposal signing key {path} can be read or changed by other users "
                           f"(mode {stat.S_IMODE(info.st_mode):04o}). Fix: run `chmod 600 {path}`.")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise StorageError(f"The proposal signing key {path} does not hold a key ({KEY_BYTES * 2} hexadecimal "
                           f"digits). Fix: restore it from a backup, or set {KEY_FILE_ENV} to the key file "
                           "this installation uses; a new key cannot verify proposals signed with the old one.")
    return SigningKey(secret, path)


def _create(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    temp = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)  # atomic, and fails if another process created the key first
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)


def canonical_time(value: object) -> str:
    """A stored creation time as UTC text with microseconds; the same whether the database hands
    it back with a time zone (PostgreSQL) or without one (SQLite stores UTC wall time)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a time: {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def _message(record: Mapping, unsigned_through: int, version: str = VERSION) -> bytes:
    """What is signed: the fields as one line of JSON (ASCII, so it holds no newline), a newline,
    then the payload's own UTF-8 bytes (not escaped again: it can be several hundred kB). Version
    ``v2`` adds the workspace to the fields."""
    fields = {"id": int(record["id"]), "name": str(record["name"]), "company": str(record["company"]),
              "app_version": str(record["app_version"]), "created_at": canonical_time(record["created_at"]),
              "schema_version": int(record["schema_version"]), "payload_sha256": str(record["payload_sha256"]),
              "unsigned_through": int(unsigned_through)}
    if version != "v1":
        fields["workspace_id"] = int(record["workspace_id"])
    head = json.dumps(fields, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return b"".join((_DOMAINS[version], head, b"\n", str(record["payload"]).encode("utf-8")))


def sign(key: SigningKey, record: Mapping, unsigned_through: int, version: str = VERSION) -> str:
    """The signature text of ``record`` (a mapping of the proposal's stored columns); new records
    are signed with the current version, ``version`` recomputes an older one to check it."""
    mac = hmac.new(key.secret, _message(record, unsigned_through, version), hashlib.sha256).hexdigest()
    return f"{version}:{key.key_id}:{int(unsigned_through)}:{mac}"


@dataclass(frozen=True)
class Parsed:
    version: str
    key_id: str
    unsigned_through: int
    mac: str


def parse(signature: str) -> Parsed | None:
    """The parts of a signature text, or ``None`` when it is not one this release writes."""
    parts = str(signature).split(":")
    if len(parts) != 4 or parts[0] not in _DOMAINS or not parts[2].isdigit():
        return None
    return Parsed(parts[0], parts[1], int(parts[2]), parts[3])


def check(key: SigningKey, record: Mapping) -> str | None:
    """``None`` when ``record``'s signature is valid for ``key``; otherwise why not, in words."""
    parsed = parse(record.get("signature") or "")
    if parsed is None:
        return "its signature is not one this application writes"
    if not hmac.compare_digest(parsed.key_id, key.key_id):
        return (f"it was signed with another installation's key (key id {parsed.key_id}; this installation's "
                f"key {key.path} has id {key.key_id})")
    expected = sign(key, record, parsed.unsigned_through, parsed.version)
    if not hmac.compare_digest(expected, str(record["signature"])):
        return "its signature does not match"
    return None

