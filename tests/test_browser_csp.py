"""The admin (with django-import-export and django-simple-history) and the public pages work in a real
browser under the Content-Security-Policy: not one violation, not one console error.

Drives Debian's Chromium through Playwright (never a downloaded browser).
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims.models import Figure

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
]

# Registered before any page script runs; Playwright injects it outside the page's policy.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", event => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
                           + `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""


@pytest.fixture
def browser_page(monkeypatch):
    """A page that records CSP violations and console errors, as `page.problems()`."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the live server's database use beside it is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH_VIOLATIONS)
        page = context.new_page()
        console_errors = []
        def on_console(message):
            url = message.location.get("url", "")
            # Chromium asks every site for /favicon.ico; we have none, and that is no error of a page.
            if message.type == "error" and not url.endswith("/favicon.ico"):
                console_errors.append(f"{message.text} ({url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: console_errors.append(str(error)))

        def problems():
            return [*page.evaluate("window.__violations"), *console_errors]

        page.problems = problems
        yield page
        context.close()
        browser.close()


@pytest.fixture
def seeded(transactional_db):
    call_command("seed", verbosity=0)
    User.objects.create_superuser("boss", password="pw-for-browser-tests")


def test_the_admin_and_public_pages_run_under_the_policy_without_a_violation(live_server, browser_page, seeded):
    page = browser_page
    base = live_server.url
    figure = Figure.objects.order_by("pk").first()

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-for-browser-tests")
    page.click("input[type=submit]")  # the form posts under form-action 'self'
    page.wait_for_url(f"{base}/admin/")
    assert page.problems() == []

    pages = [
        "/admin/claims/figure/",
        f"/admin/claims/figure/{figure.pk}/history/",
        f"/admin/claims/figure/{figure.pk}/history/{figure.history.earliest().history_id}/",  # the revert form
        "/admin/claims/figure/import/",
        "/admin/claims/entity/import/",  # django-import-export's own import page
        f"/admin/sources/source/{figure.source_id}/change/",
        "/figures/",
        "/compare/",
        "/",
    ]
    for path in pages:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert page.problems() == [], path

    # The public stylesheet is a static file now, and it applies.
    assert page.eval_on_selector("header.site", "element => getComputedStyle(element).display") == "flex"
    page.goto(f"{base}/compare/")
    assert page.locator("svg.chart").count() > 0

    # A change form with autocomplete: select2 opens, asks the server, and lists the answers.
    page.goto(f"{base}/admin/claims/figure/{figure.pk}/change/")
    page.click("#id_subject + .select2 .select2-selection")
    page.fill(".select2-search__field", "Zhan")
    page.locator(".select2-results__option", has_text="Zhanaozen").first.wait_for(timeout=10_000)
    assert page.problems() == []

    # django-import-export's export page: its inline "Select all" handler and styles are allowed by hash.
    page.goto(f"{base}/admin/claims/entity/export/")
    page.select_option("#id_format", index=1)
    toggle = page.locator("input.select-toggle").first
    toggle.uncheck()
    assert not page.locator("input[type=checkbox][name*=resource]").first.is_checked()  # the handler ran
    assert page.problems() == []


def test_the_watch_sees_a_violation(live_server, browser_page, db):
    # Proof that the test above could fail: an inline style attribute is blocked and recorded.
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__violations.length > 0")
    assert any("style-src" in problem for problem in page.problems())
