"""Storage: SQLModel tables, the engine, and repository functions. Knows nothing of the maths."""

from .aggregate import usage_aggregate
from .engine import get_engine, transaction, upgrade_database
from .repository import (
    collapsed_rows,
    delete_import,
    find_import,
    known_import,
    list_imports,
    save_imports,
    stored_sha256,
    usage_frame,
)

__all__ = ["get_engine", "transaction", "upgrade_database", "save_imports", "delete_import", "list_imports", "usage_frame", "find_import",
           "collapsed_rows", "usage_aggregate", "stored_sha256", "known_import"]
