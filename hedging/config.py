"""Settings from a mapping (normally ``os.environ``); pure, no I/O.

``HEDGING_DATA_DIR``  where the SQLite file and uploads live (default ``~/.local/share/hedging``).
``DATABASE_URL``      overrides the SQLite default, e.g. ``postgresql+psycopg://user@host/db``.
                      The SQLite default's folder is created 0700 and its file 0600 (see store.engine).
``HEDGING_MAX_UPLOAD_MB``  files larger than this are refused before they are read (default 1024).
``HEDGING_WORKSPACE`` the workspace the command line acts in (default ``default``; ``--workspace``).
``HEDGING_USER``      who the command line acts as (default: the local mode's one user; ``--user``).

Besides configuration, Settings name who acts (``user``; ``None``: the local mode's one user) and
in which workspace (``workspace``, its short name): every service call checks both against the
workspace's members and their roles (``hedging.service.access``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

#: The repository's own folder of sample exports and reference tables.
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
#: The short name of workspace 1, "Default": the local mode's only workspace.
DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True)
class Settings:
    #: Left out of ``repr``: a URL may carry a password (``user:pw@`` or ``?password=``).
    database_url: str = field(repr=False)
    data_dir: Path
    sample_dir: Path = SAMPLE_DIR
    max_upload_bytes: int = 1024 * 1024 * 1024
    #: Who acts (a signed-in user's e-mail); ``None``: the local mode's one user.
    user: str | None = None
    #: The short name of the workspace every call acts in.
    workspace: str = DEFAULT_WORKSPACE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        data_dir = Path(env.get("HEDGING_DATA_DIR") or Path.home() / ".local" / "share" / "hedging")
        url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'hedging.db'}"
        max_mb = int(env.get("HEDGING_MAX_UPLOAD_MB") or 1024)
        return cls(database_url=url, data_dir=data_dir, max_upload_bytes=max_mb * 1024 * 1024,
                   user=(env.get("HEDGING_USER") or "").strip() or None,
                   workspace=(env.get("HEDGING_WORKSPACE") or "").strip() or DEFAULT_WORKSPACE)

    def acting(self, user: str | None, workspace: str | None = None) -> "Settings":
        """These settings for ``user`` (``None``: the local user) in ``workspace`` (unchanged when ``None``)."""
        return replace(self, user=(user or "").strip() or None, workspace=workspace or self.workspace)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
