"""Who may do what, where: workspaces, members and roles, checked by every service call.

Every service function that reads or writes stored data calls :func:`authorize` with the
:class:`~hedging.config.Settings` it was given (which name the acting user and the workspace) and
the action it performs. The call is refused with :class:`AccessDenied` (a plain sentence) unless the
user is a member of the workspace and their role permits the action; otherwise it gets an
:class:`Actor` whose ``workspace_id`` scopes every query it makes. Another workspace's records are
never read: asking for one by its id is answered exactly like asking for one that does not exist.

Roles (per workspace): viewers read; preparers also import, upload and choose indices and build,
save and submit proposals; approvers read and approve or reject; admins may do everything,
including managing members and the hedge policy. Nobody approves what they prepared or
submitted (``hedging.service.lifecycle``). Local mode is one user, "local user", admin of the
Default workspace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hedging import store
from hedging.config import DEFAULT_WORKSPACE, Settings
from hedging.errors import HedgingError, show_value
from hedging.store import workspaces as ws_store

#: The local mode's one user (also the name the audit trail records for it).
LOCAL_USER = "local user"
ROLES = ws_store.ROLES

# --- actions, in the words a refusal uses -----------------------------------------------------------
READ = "see this workspace's data, proposals and audit trail"
IMPORT = "import usage exports"
DELETE_IMPORT = "delete imports"
INDEX = "upload, choose or delete index histories"
BUILD = "save proposals"
SUBMIT = "submit proposals for approval"
DELETE_PROPOSAL = "delete proposals"
DECIDE = "approve or reject proposals"
MEMBERS = "manage the workspace's members"
POLICY = "edit the hedge policy"
ACTIONS = (READ, IMPORT, DELETE_IMPORT, INDEX, BUILD, SUBMIT, DELETE_PROPOSAL, DECIDE, MEMBERS, POLICY)

#: What each role may do. Admins may do everything (four-eyes still applies to their approvals).
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({READ}),
    "preparer": frozenset({READ, IMPORT, DELETE_IMPORT, INDEX, BUILD, SUBMIT, DELETE_PROPOSAL}),
    "approver": frozenset({READ, DECIDE}),
    "admin": frozenset(ACTIONS),
}


class AccessDenied(HedgingError):
    """The acting user may not do this here; the message says why and whom to ask."""


@dataclass(frozen=True)
class Actor:
    """A user checked against a workspace: who, where, and with which role."""

    user: str
    workspace_id: int
    workspace: str  # short name
    workspace_name: str
    role: str

    def may(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_env(os.environ)


def user_of(settings: Settings | None) -> str:
    """The acting user the settings name (the local user when they name none)."""
    user = _settings(settings).user
    return user.strip() if user and user.strip() else LOCAL_USER


def roles_for(action: str) -> list[str]:
    """The roles that permit ``action``, least first."""
    return [r for r in ROLES if action in PERMISSIONS[r]]


def authorize(settings: Settings | None, action: str = READ) -> Actor:
    """The acting user in the settings' workspace, if they are a member whose role permits ``action``;
    otherwise :class:`AccessDenied`. A workspace that does not exist and one the user is not a
    member of are refused with the same words, so a refusal reveals nothing about other workspaces."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    settings = _settings(settings)
    user, slug = user_of(settings), settings.workspace or DEFAULT_WORKSPACE
    engine = store.get_engine(settings.database_url)
    found = ws_store.find_workspace(engine, slug)
    role = ws_store.role_of(engine, found["id"], user) if found else None
    if role is None:
        raise AccessDenied(f"{show_value(user)} is not a member of workspace {show_value(slug)}. Fix: choose one "
                           "of your workspaces, or ask that workspace's admin to add you.")
    actor = Actor(user, int(found["id"]), found["slug"], found["name"], role)
    if not actor.may(action):
        allowed = " or ".join(roles_for(action))
        raise AccessDenied(f"{show_value(user)} is {_a(role)} in workspace {show_value(found['name'])}, and {_a(role)} "
                           f"cannot {action}. Fix: ask an admin of the workspace for the {allowed} role.")
    return actor


def audit_name(settings: Settings | None, actor: str | None) -> str | None:
    """Whom the audit trail names: the signed-in user the settings name, else ``actor`` (the local
    mode's and the command line's own name for the person at the keyboard)."""
    user = _settings(settings).user
    return user.strip() if user and user.strip() else actor


def _a(role: str) -> str:
    return ("an " if role[:1] in "aeiou" else "a ") + role


def my_workspaces(settings: Settings | None = None) -> list[dict]:
    """The workspaces the acting user is a member of: id, slug, name and their role there."""
    settings = _settings(settings)
    return ws_store.workspaces_of(store.get_engine(settings.database_url), user_of(settings))
