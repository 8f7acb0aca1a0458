"""Workspaces and their members: who holds which role where. Knows nothing of what a role permits
(``hedging.service.access`` decides that)."""

from __future__ import annotations

import re

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from hedging.errors import InputError, show_value

from .engine import connect
from .tables import Membership, Workspace, utcnow

#: The roles, from the least to the most a member may do.
ROLES = ("viewer", "preparer", "approver", "admin")
_W, _M = Workspace.__table__, Membership.__table__
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def find_workspace(bind: Engine | Connection, slug: str) -> dict | None:
    """The workspace with short name ``slug`` (id, slug, name), or ``None``."""
    with connect(bind) as conn:
        row = conn.execute(select(_W.c.id, _W.c.slug, _W.c.name).where(_W.c.slug == slug)).first()
    return dict(row._mapping) if row else None


def role_of(bind: Engine | Connection, workspace_id: int, user: str) -> str | None:
    """``user``'s role in workspace ``workspace_id``, ``None`` for a non-member."""
    with connect(bind) as conn:
        return conn.execute(select(_M.c.role).where((_M.c.workspace_id == workspace_id) & (_M.c.user == user))).scalar()


def workspaces_of(bind: Engine | Connection, user: str) -> list[dict]:
    """The workspaces ``user`` is a member of (id, slug, name, role), by name."""
    with connect(bind) as conn:
        rows = conn.execute(select(_W.c.id, _W.c.slug, _W.c.name, _M.c.role).join(_M, _M.c.workspace_id == _W.c.id)
                            .where(_M.c.user == user).order_by(_W.c.name, _W.c.id)).all()
    return [dict(r._mapping) for r in rows]


def members(bind: Engine | Connection, workspace_id: int) -> list[dict]:
    """The members of a workspace (user, role, since), by user."""
    with connect(bind) as conn:
        rows = conn.execute(select(_M.c.user, _M.c.role, _M.c.created_at).where(_M.c.workspace_id == workspace_id)
                            .order_by(_M.c.user)).all()
    return [dict(r._mapping) for r in rows]


def create_workspace(conn: Connection, slug: str, name: str, admin: str) -> int:
    """A new workspace with ``admin`` as its first admin; returns its id."""
    slug = (slug or "").strip().lower()
    if not _SLUG.match(slug):
        raise InputError(f"the workspace short name {show_value(slug)} is not usable.", column="workspace",
                         fix="use 1 to 40 lower-case letters, digits and hyphens, starting with a letter or digit, "
                             "e.g. 'northwind-emea'.")
    if find_workspace(conn, slug) is not None:
        raise InputError(f"there is already a workspace {show_value(slug)}.", column="workspace",
                         fix="choose another short name.")
    name = (name or "").strip() or slug
    new_id = int(conn.execute(insert(_W).values(slug=slug, name=name, created_at=utcnow())).inserted_primary_key[0])
    set_member(conn, new_id, admin, "admin")
    return new_id


def set_member(conn: Connection, workspace_id: int, user: str, role: str) -> str | None:
    """Give ``user`` ``role`` in the workspace (adding them if new); returns their role before."""
    user = (user or "").strip()
    if not user:
        raise InputError("a member needs a user (the e-mail they sign in with).", column="user",
                         fix="type the e-mail address of the person to add.")
    if role not in ROLES:
        raise InputError(f"there is no role {show_value(role)}.", column="role", fix=f"use one of: {', '.join(ROLES)}.")
    before = role_of(conn, workspace_id, user)
    if before is None:
        conn.execute(insert(_M).values(workspace_id=workspace_id, user=user, role=role, created_at=utcnow()))
    else:
        conn.execute(update(_M).where((_M.c.workspace_id == workspace_id) & (_M.c.user == user)).values(role=role))
    return before


def remove_member(conn: Connection, workspace_id: int, user: str) -> str:
    """Remove ``user`` from the workspace; returns the role they had."""
    before = role_of(conn, workspace_id, user)
    if before is None:
        raise InputError(f"{show_value(user)} is not a member of this workspace.", column="user",
                         fix="choose one of the listed members.")
    conn.execute(delete(_M).where((_M.c.workspace_id == workspace_id) & (_M.c.user == user)))
    return before
