"""Deployment mode in a real browser: single sign-on through a local OpenID Connect provider.

The provider is oidc-provider-mock (a real OIDC server: discovery, authorization code flow, signed ID
tokens) on 127.0.0.1; the app runs with an ``[auth]`` section in its secrets.toml, exactly as the
README's deployment configuration, and Chromium signs in through the provider's form."""

from __future__ import annotations

import threading
import warnings

import pytest

from hedging import cli
from tests.e2e.conftest import ARTIFACTS, deployed_server

pytestmark = pytest.mark.browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import oidc_provider_mock
    import werkzeug.serving


@pytest.fixture
def provider():
    """A local OpenID provider on 127.0.0.1 that knows one user (any client id is accepted)."""
    app = oidc_provider_mock.app(user_claims=[oidc_provider_mock.User(
        sub="cfo-1", claims={"email": "cfo@example.com", "name": "Ada <b>CFO</b> *bold*"})])
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def deployed_app(tmp_path, provider):
    """The app started from a folder whose .streamlit/ holds the repository's config.toml and a
    secrets.toml with an [auth] section pointing at the local provider."""
    # the deployment's first admin, added on the server as the README says (the local user is
    # admin of the Default workspace): `hedging workspace set-role cfo@example.com admin`
    assert cli.main(["workspace", "set-role", "cfo@example.com", "admin",
                     "--db", f"sqlite:///{tmp_path / 'data' / 'hedging.db'}"]) == 0
    with deployed_server(tmp_path, tmp_path / "data", provider) as url:
        yield url


def test_nothing_shows_before_sign_in_and_the_user_is_named_after(deployed_app, page):
    page.goto(f"{deployed_app}/market", wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    # no page of the app, and no menu, before signing in
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.get_by_role("heading", name="Market").count() == 0
    page.screenshot(path=str(ARTIFACTS / "sign_in.png"))

    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').first.wait_for(timeout=30_000)   # the provider's own form
    page.get_by_role("button", name="cfo-1").click()

    page.get_by_text("Signed in as cfo@example.com").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Data").wait_for(timeout=60_000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Market" in nav and "Proposal" in nav
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "signed_in.png"))

    page.get_by_role("button", name="Sign out").click()
    # RP-initiated logout: the provider ends its session and sends the browser back to the app
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert not page.errors, page.errors


def test_local_mode_has_no_sign_in(app_url, page):
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Sign in").count() == 0
    assert page.get_by_text("Signed in as").count() == 0
