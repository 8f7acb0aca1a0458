"""The Audit trail page through AppTest: what the Data page does is recorded as the local user; the
page filters by who, action and dates, shows dates in the product's format and what users typed as
text, and downloads the entries as CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]
OPENAI = ROOT / "tests" / "data" / "openai" / "completions_usage_2025-10-06_2025-10-07.csv"
COST = ROOT / "tests" / "data" / "openai" / "cost_2025-10-06.csv"
TYPED = "**mallory** [click](http://203.0.113.9/x) <b>bold</b>"


def _shown(element):
    """The table as the user reads it (the formatted cells)."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.arrow_data.styler.display_values)


def test_audit_trail_page(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})

    page = AppTest.from_file(str(ROOT / "screens" / "audit.py"), default_timeout=120)
    page.run()
    assert not page.exception and any("Nothing has been recorded yet" in i.value for i in page.info)

    # an import and a delete on the Data page (local mode: no sign-in) are recorded as the local user
    data = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    data.run()
    data.file_uploader(key="data_uploader_0").set_value((OPENAI.name, OPENAI.read_bytes(), "text/csv"))
    data.run()
    data.button(key="data_import").click().run()
    assert not data.exception
    [imported] = service.list_imports(settings)
    data.selectbox(key="data_delete_id").set_value(imported.id)
    data.checkbox(key="data_delete_sure").check()
    data.button[-1].click().run()
    assert not data.exception and service.list_imports(settings) == []
    service.import_files([(None, COST)], settings, actor=TYPED)       # someone whose name is Markdown

    page.run()
    assert not page.exception
    table = next(d for d in page.dataframe if "who" in d.value.columns)
    assert list(table.value["action"]) == ["import", "delete import", "import"]
    assert list(table.value["who"]) == [TYPED, service.LOCAL_USER, service.LOCAL_USER]
    shown = _shown(table)
    today = dt.datetime.now(dt.timezone.utc)
    assert shown["when (UTC)"][0].startswith(service.fmt.date(today))        # "6 Dec 2026 09:41:07"
    assert shown["who"][0] == TYPED                                          # a table cell is literal text
    assert list(page.selectbox(key="audit_who").options) == ["Everyone", TYPED, service.LOCAL_USER]

    page.selectbox(key="audit_who").set_value(service.LOCAL_USER).run()
    assert list(next(d for d in page.dataframe if "who" in d.value.columns).value["action"]) == ["delete import",
                                                                                              "import"]
    page.selectbox(key="audit_action").set_value("delete import").run()
    filtered = next(d for d in page.dataframe if "who" in d.value.columns).value
    assert list(filtered["action"]) == ["delete import"] and filtered["fingerprint"][0] == imported.sha256
    assert any("1 entry, newest first" in c.value for c in page.caption)
    download = page.get("download_button")[0]
    assert download.proto.label == "Download these entries (CSV)"

    # a date range without entries, then a range given backwards: said in words, no traceback
    page.date_input(key="audit_dates").set_value((dt.date(2020, 1, 1), dt.date(2020, 1, 31))).run()
    assert any("No entries match" in i.value for i in page.info)
    page.date_input(key="audit_dates").set_value((today.date(), today.date())).run()
    assert len(next(d for d in page.dataframe if "who" in d.value.columns).value) == 1
    assert not page.exception


def test_the_app_routes_to_the_audit_trail_after_the_proposal(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("screens/audit.py").run()
    assert not at.exception and [t.value for t in at.title] == ["Audit trail"]
    source = (ROOT / "screens" / "_shared.py").read_text()   # the menu order
    assert source.index('st.Page("screens/proposal.py"') < source.index('st.Page("screens/audit.py"')


class _User(dict):
    """What st.user holds: in deployment mode an ``is_logged_in`` flag and the provider's claims."""

    def __getattr__(self, name):
        return self[name]


def test_the_actor_is_the_signed_in_user_in_deployment_mode(monkeypatch):
    from screens import _auth as auth

    monkeypatch.setattr(auth.st, "user", _User())                            # no [auth] section: local mode
    assert auth.actor() == service.LOCAL_USER
    monkeypatch.setattr(auth.st, "user", _User(is_logged_in=True, email="ann@example.com", sub="42"))
    assert auth.actor() == "ann@example.com"
    monkeypatch.setattr(auth.st, "user", _User(is_logged_in=True, sub="42"))   # a provider without e-mail
    assert auth.actor() == "42"
    monkeypatch.setattr(auth.st, "user", _User(is_logged_in=False))
    assert auth.actor() == "not signed in"                                    # never passed for the local user


def test_a_pdf_built_for_download_is_recorded_once(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    service.load_sample_company(settings)
    run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=500), settings)
    number = service.save_proposal(run, "FY27 compute hedge", "Northwind", settings, actor="ann@example.com")
    at = AppTest.from_file(str(ROOT / "screens" / "proposal.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.run()
    assert service.audit_trail(settings, action="PDF export").empty           # opening it exports nothing
    next(b for b in at.button if b.label == "Prepare the PDF proposal").click().run()
    assert not at.exception and at.get("download_button")
    at.run()                                                                    # the button stays; no second build
    exports = service.audit_trail(settings, action="PDF export")
    assert list(zip(exports["who"], exports["id"], exports["fingerprint"])) == [
        (service.LOCAL_USER, str(number), service.load_proposal(number, settings)["fingerprint"])]
    assert exports["detail"][0] == "built for download on the Proposal page"
