"""Workspaces and their members, managed by each workspace's admins.

Creating a workspace makes the acting user its first admin. Admins add members, change their role
and remove them; a workspace always keeps at least one admin. Every change is in the audit trail.
"""

from __future__ import annotations

import pandas as pd

from hedging import store
from hedging.config import Settings
from hedging.errors import InputError, show_value
from hedging.service import access, audit
from hedging.store import workspaces as ws_store

ROLES = ws_store.ROLES
#: What each role may do, in the words the Workspace page shows.
ROLE_HELP = {
    "viewer": "reads the data, proposals and audit trail; downloads PDFs",
    "preparer": "also imports exports, uploads and chooses indices, saves and submits proposals",
    "approver": "reads, and approves or rejects submitted proposals (never their own)",
    "admin": "may do everything, including managing members and the hedge policy",
}


def create_workspace(slug: str, name: str, settings: Settings | None = None, *, actor: str | None = None) -> int:
    """A new workspace with the acting user as its admin; returns its id. Anyone signed in may
    create one: it starts empty and only its members see it."""
    settings = audit._settings(settings)
    user = access.user_of(settings)
    with audit.audited(settings) as conn:
        new_id = ws_store.create_workspace(conn, slug, name, user)
        audit.record(conn, access.audit_name(settings, actor), audit.WORKSPACE_CREATE, "workspace", new_id,
                     name.strip() or slug, "", f"admin {user}", workspace_id=new_id)
    return new_id


def members(settings: Settings | None = None) -> pd.DataFrame:
    """The members of the acting user's workspace: user, role, what the role may do."""
    settings = audit._settings(settings)
    me = access.authorize(settings, access.READ)
    rows = ws_store.members(store.get_engine(settings.database_url), me.workspace_id)
    return pd.DataFrame([(r["user"], r["role"], ROLE_HELP[r["role"]]) for r in rows],
                        columns=["user", "role", "may"])


def set_member(user: str, role: str, settings: Settings | None = None, *, actor: str | None = None) -> str | None:
    """Give ``user`` ``role`` in the workspace (an admin's action); returns their role before."""
    settings = audit._settings(settings)
    me = access.authorize(settings, access.MEMBERS)
    user = (user or "").strip()
    if role != "admin":
        _keep_local_mode(me.workspace_id, user)
    with audit.audited(settings) as conn:
        before = ws_store.role_of(conn, me.workspace_id, user)
        if before == "admin" and role != "admin":
            _keep_an_admin(conn, me.workspace_id, user)
        ws_store.set_member(conn, me.workspace_id, user, role)
        audit.record(conn, access.audit_name(settings, actor), audit.MEMBER_CHANGE, "member", user, user, "",
                     f"{before or 'not a member'} -> {role}", workspace_id=me.workspace_id)
    return before


def remove_member(user: str, settings: Settings | None = None, *, actor: str | None = None) -> str:
    """Remove ``user`` from the workspace (an admin's action); returns the role they had."""
    settings = audit._settings(settings)
    me = access.authorize(settings, access.MEMBERS)
    _keep_local_mode(me.workspace_id, user)
    with audit.audited(settings) as conn:
        if ws_store.role_of(conn, me.workspace_id, user) == "admin":
            _keep_an_admin(conn, me.workspace_id, user)
        before = ws_store.remove_member(conn, me.workspace_id, user)
        audit.record(conn, access.audit_name(settings, actor), audit.MEMBER_CHANGE, "member", user, user, "",
                     f"{before} -> removed", workspace_id=me.workspace_id)
    return before


def _keep_local_mode(workspace_id: int, user: str) -> None:
    if workspace_id == 1 and (user or "").strip() == access.LOCAL_USER:
        raise InputError("the local user stays admin of the Default workspace: local mode (no sign-in) acts as "
                         "that user.", column="user", fix="change the roles of signed-in users instead.")


def _keep_an_admin(conn, workspace_id: int, user: str) -> None:
    admins = [m["user"] for m in ws_store.members(conn, workspace_id) if m["role"] == "admin"]
    if admins == [user]:
        raise InputError(f"{show_value(user)} is the workspace's only admin.", column="role",
                         fix="make another member admin first.")
