"""Workspaces and roles, enforced by the service layer: every role x action is allowed or refused with
a plain sentence; two workspaces share nothing (neither can list, open, change or delete the other's
imports, indices, proposals or audit entries, even by id); the local mode is one admin of Default."""

from __future__ import annotations

import pytest

from hedging import service
from hedging.errors import HedgingError, InputError
from hedging.service import access
from hedging.service import workspaces as ws
from hedging.store import workspaces as ws_store
from tests.conftest import DATA, settings_for
from tests.service.test_market import _history

OPENAI = DATA / "openai" / "completions_usage_2025-10-06_2025-10-07.csv"
COST = DATA / "openai" / "cost_2025-10-06.csv"

#: The expected permission table: role -> the actions it may do (everything else is refused).
EXPECTED = {
    "viewer": {access.READ},
    "preparer": {access.READ, access.IMPORT, access.DELETE_IMPORT, access.INDEX, access.BUILD, access.SUBMIT,
                 access.DELETE_PROPOSAL},
    "approver": {access.READ, access.DECIDE},
    "admin": set(access.ACTIONS),
}


@pytest.fixture
def s(tmp_path):
    """Default (the local user, admin), and "acme" with one member of each role; "globex" with its admin."""
    base = settings_for(f"sqlite:///{tmp_path / 'ws.db'}", tmp_path)
    ws.create_workspace("acme", "Acme Corp", base.acting("ann@acme.example"))
    for user, role in (("pete@acme.example", "preparer"), ("alice@acme.example", "approver"),
                       ("vic@acme.example", "viewer")):
        ws.set_member(user, role, base.acting("ann@acme.example", "acme"))
    ws.create_workspace("globex", "Globex", base.acting("gary@globex.example"))
    return base


def as_(s, user, workspace="acme"):
    return s.acting(user, workspace)


USERS = {"viewer": "vic@acme.example", "preparer": "pete@acme.example", "approver": "alice@acme.example",
         "admin": "ann@acme.example"}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("action", list(access.ACTIONS))
def test_every_role_and_action_is_allowed_or_refused_in_plain_words(s, role, action):
    settings = as_(s, USERS[role])
    if action in EXPECTED[role]:
        actor = access.authorize(settings, action)
        assert (actor.user, actor.workspace, actor.role) == (USERS[role], "acme", role)
    else:
        with pytest.raises(access.AccessDenied) as err:
            access.authorize(settings, action)
        needed = " or ".join(r for r in access.ROLES if action in EXPECTED[r])
        article = "an" if role[0] in "aeiou" else "a"
        assert str(err.value) == (f"'{USERS[role]}' is {article} {role} in workspace 'Acme Corp', and {article} "
                                  f"{role} cannot {action}. Fix: ask an admin of the workspace for the {needed} role.")


def test_the_permission_table_is_the_documented_one():
    assert {role: set(actions) for role, actions in access.PERMISSIONS.items()} == EXPECTED


@pytest.mark.parametrize("who, where", [("gary@globex.example", "acme"), ("ann@acme.example", "globex"),
                                        ("nobody@example.com", "acme"), ("ann@acme.example", "no-such-workspace"),
                                        (None, "acme")])
def test_a_non_member_is_refused_the_same_way_whether_or_not_the_workspace_exists(s, who, where):
    with pytest.raises(access.AccessDenied, match=r"is not a member of workspace .* Fix: choose one of your"):
        service.list_imports(as_(s, who, where))


def test_the_local_mode_is_one_admin_of_the_default_workspace(s):
    actor = access.authorize(s, access.POLICY)
    assert (actor.user, actor.workspace, actor.workspace_id, actor.role) == ("local user", "default", 1, "admin")
    assert [w["slug"] for w in access.my_workspaces(s)] == ["default"]
    [o] = service.import_files([(None, OPENAI)], s)       # everything works as before workspaces
    assert [i.id for i in service.list_imports(s)] == [o.import_id]


def test_service_calls_check_the_role_before_doing_anything(s):
    viewer, approver = as_(s, "vic@acme.example"), as_(s, "alice@acme.example")
    calls = [
        lambda st: service.import_files([(None, OPENAI)], st),
        lambda st: service.load_sample_company(st),
        lambda st: service.delete_import(1, st),
        lambda st: service.upload_index("gpu", "H100", _history().encode(), "h100.csv", st),
        lambda st: service.choose_index("gpu", "builtin", st),
        lambda st: service.delete_index(1, st),
        lambda st: service.save_proposal(None, "x", "y", st),
        lambda st: service.delete_proposal(1, st),
        lambda st: ws.set_member("x@acme.example", "viewer", st),
        lambda st: ws.remove_member("pete@acme.example", st),
    ]
    for call in calls:
        for settings in (viewer, approver):
            with pytest.raises(access.AccessDenied, match="cannot"):
                call(settings)
    assert service.list_imports(viewer) == []
    assert list(service.audit_trail(viewer)["action"]) == ["member change"] * 3 + ["workspace create"]


def test_two_workspaces_share_nothing_even_by_id(s):
    pete, gary = as_(s, "pete@acme.example"), as_(s, "gary@globex.example", "globex")
    [mine] = service.import_files([(None, OPENAI)], pete)
    [theirs] = service.import_files([(None, OPENAI)], gary)   # the same file: stored again, in its own workspace
    assert mine.import_id != theirs.import_id and not theirs.already_imported
    assert [i.id for i in service.list_imports(pete)] == [mine.import_id]
    assert [i.id for i in service.list_imports(gary)] == [theirs.import_id]
    assert len(service.stored_usage(pete)) == len(service.stored_usage(gary)) > 0
    index_id, _, _ = service.upload_index("gpu", "Acme H100", _history().encode(), "h100.csv", pete)
    assert f"upload:{index_id}" in dict(service.index_choices("gpu", pete))
    assert not [k for k, _ in service.index_choices("gpu", gary) if k.startswith("upload:")]
    for call in (lambda: service.delete_import(mine.import_id, gary),
                 lambda: service.index_history("gpu", f"upload:{index_id}", gary),
                 lambda: service.choose_index("gpu", f"upload:{index_id}", gary),
                 lambda: service.delete_index(index_id, gary)):
        with pytest.raises(InputError, match="there is no"):
            call()
    assert [i.id for i in service.list_imports(pete)] == [mine.import_id]        # nothing of acme was touched
    assert service.chosen_index("gpu", pete) == "builtin"
    trail = service.audit_trail(gary)
    assert set(trail["who"]) == {"gary@globex.example"} and "Acme H100 (gpu)" not in set(trail["name"])
    assert service.audit_actors(gary) == ["gary@globex.example"]
    # the refused attempts wrote nothing in either trail: acme holds its 3 member changes, import, upload
    assert list(service.audit_trail(pete)["action"]) == ["index upload", "import"] + ["member change"] * 3 + [
        "workspace create"]
    assert list(trail["action"]) == ["import", "workspace create"]


def test_members_are_managed_by_admins_and_a_workspace_keeps_an_admin(s):
    ann = as_(s, "ann@acme.example")
    assert ws.set_member("vic@acme.example", "preparer", ann) == "viewer"
    assert access.authorize(as_(s, "vic@acme.example"), access.IMPORT).role == "preparer"
    assert ws.remove_member("vic@acme.example", ann) == "preparer"
    with pytest.raises(access.AccessDenied, match="not a member"):
        service.list_imports(as_(s, "vic@acme.example"))
    with pytest.raises(InputError, match="only admin"):
        ws.set_member("ann@acme.example", "viewer", ann)
    with pytest.raises(InputError, match="only admin"):
        ws.remove_member("ann@acme.example", ann)
    with pytest.raises(InputError, match="no role 'owner'"):
        ws.set_member("x@acme.example", "owner", ann)
    with pytest.raises(InputError, match="already a workspace 'acme'"):
        ws.create_workspace("acme", "Another", s.acting("zed@example.com"))
    with pytest.raises(InputError, match="not usable"):
        ws.create_workspace("Bad Name!", "x", s.acting("zed@example.com"))
    changes = service.audit_trail(ann, action="member change")
    assert list(changes["detail"])[:2] == ["preparer -> removed", "viewer -> preparer"]
    assert set(ws.members(ann)["user"]) == {"ann@acme.example", "pete@acme.example", "alice@acme.example"}


def test_local_mode_cannot_lock_itself_out(s):
    ws.set_member("cfo@example.com", "admin", s)            # the deployment's first admin, added locally
    for call in (lambda: ws.remove_member("local user", s), lambda: ws.set_member("local user", "viewer", s)):
        with pytest.raises(InputError, match="the local user stays admin of the Default workspace"):
            call()
    assert access.authorize(s, access.MEMBERS).role == "admin"
    assert access.authorize(s.acting("cfo@example.com"), access.MEMBERS).workspace == "default"


def test_workspace_rows_are_scoped_in_the_store(s):
    from hedging import store
    engine = store.get_engine(s.database_url)
    assert ws_store.find_workspace(engine, "acme")["name"] == "Acme Corp"
    assert ws_store.role_of(engine, 1, "local user") == "admin"
    assert ws_store.role_of(engine, 2, "local user") is None


def test_a_refusal_is_a_hedging_error_the_pages_show_as_text():
    assert issubclass(access.AccessDenied, HedgingError)
