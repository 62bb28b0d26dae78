"""The curators' desk in a real browser, at 1280 pixels: a source page's claims and figures fit the window, and a
reviewer finds a figure in the queue, reads it in its source text and verifies it.

Drives Debian's Chromium through Playwright (never a downloaded browser); screenshots go to /tmp/shots/desk/
for a person to look at.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from claims.models import Claim, Entity, Figure, Metric
from sources.models import Source
from tests.roles import role
from tests.test_browser_csp import WATCH_VIOLATIONS

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS", "/tmp/shots/desk"))
PASSWORD = "pw-for-tests-only"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
]
# Playwright's sync API runs an event loop; Django must allow the live server's database use beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEXT = (
    "ZHANAOZEN, December 2011. Police opened fire on striking oil workers in the town square on 16 December. "
    "The Prosecutor General's Office said 16 people died and 64 were injured; activists of the Socialist Movement "
    "of Kazakhstan counted more than 70 dead, and hospital staff spoke of some 100 wounded. "
    "“We will restore order,” the president said in a televised address. "
    "Turnout in the regional election that followed was officially 43.7%, though observers put it at 37%."
)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH_VIOLATIONS)  # the policy allows no inline style or script: none is tried
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def desk(transactional_db):
    """One article with its figures and a claim, entered by a curator; another source with a figure."""
    curator = User.objects.create_user("curator", password=PASSWORD, is_staff=True)
    curator.groups.add(role("Curator"))
    reviewer = User.objects.create_user("reviewer", password=PASSWORD, is_staff=True)
    reviewer.groups.add(role("Reviewer"))
    article = Source.objects.create(slug="zhanaozen-article", title="Zhanaozen: what happened on 16 December 2011",
                                    text=TEXT, status="published")
    other = Source.objects.create(slug="election-report", title="Observers' report on the regional election",
                                  text=TEXT, status="published")
    death_toll = Metric.objects.create(slug="death-toll", name="Death toll", unit="people", min_value=0)
    injured = Metric.objects.create(slug="people-injured-in-unrest", name="People injured in the unrest",
                                    unit="people", min_value=0)
    turnout = Metric.objects.create(slug="turnout", name="Turnout", unit="percent", min_value=0, max_value=100)
    zhanaozen = Entity.objects.create(slug="zhanaozen-2011", name="Zhanaozen massacre of 16 December 2011")
    region = Entity.objects.create(slug="mangystau", name="Mangystau Region regional election")
    prosecutor = Entity.objects.create(slug="prosecutor-general", name="Prosecutor General's Office of Kazakhstan")
    day = {"period_start": date(2011, 12, 16), "period_end": date(2011, 12, 16), "period_precision": "day"}
    rows = [
        Figure(source=article, metric=death_toll, subject=zhanaozen, value_text="16", attributed_to=prosecutor,
               origin_role="official", **day),
        Figure(source=article, metric=death_toll, subject=zhanaozen, value_text="more than 70", **day),
        Figure(source=article, metric=injured, subject=zhanaozen, value_text="some 100", **day),
        Figure(source=other, metric=turnout, subject=region, value_text="43.7%", period_start=date(2012, 1, 1),
               period_end=date(2012, 1, 31), period_precision="month"),
    ]
    for n, figure in enumerate(rows):
        figure._history_user = curator
        figure.status = "unverified"
        figure.full_clean()
        figure.save()
        Figure.objects.filter(pk=figure.pk).update(edited_at=timezone.now() - timedelta(days=10 - n))
    claim = Claim(source=article, quote="We will restore order", status="unverified")
    claim._history_user = curator
    claim.full_clean()
    claim.save()
    return {"figures": rows, "claim": claim, "article": article, "other": other, "curator": curator}


def no_violations(page) -> None:
    assert page.evaluate("window.__violations") == []


def log_in(page, live_server, username: str, then: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_the_source_pages_claims_and_figures_fit_a_1280_pixel_window(live_server, page, desk):
    log_in(page, live_server, "curator", f"/admin/sources/source/{desk['article'].pk}/change/")
    figures = page.locator("#figures-group")
    figures.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "1-source-inlines.png", full_page=True)
    figures.screenshot(path=SCREENSHOTS / "2-figures-inline.png")
    for group in ("#figures-group", "#claims-group"):
        scroll, client = page.eval_on_selector(group, "el => [el.scrollWidth, el.clientWidth]")
        assert scroll <= client, f"{group} is {scroll} pixels wide in a {client}-pixel box"
        table_width = page.eval_on_selector(group, "el => (el.querySelector('table') || el).scrollWidth")
        assert table_width <= client
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no horizontal scroll for the page
    # The period reads as written, and each figure links to its full form.
    assert page.input_value("#id_figures-0-period") == "16 December 2011"
    assert figures.locator("a.inlinechangelink").count() == 3
    no_violations(page)


def test_a_reviewer_verifies_a_figure_from_the_queue(live_server, page, desk):
    more_than_70 = desk["figures"][1]
    log_in(page, live_server, "reviewer", "/admin/claims/review/queue/")
    assert page.locator("h1").inner_text() == "Awaiting review"
    assert page.locator("tr.queue-row").count() == 5
    page.screenshot(path=SCREENSHOTS / "3-queue.png", full_page=True)

    # The source box is the admin's autocomplete: type a word of the title, pick the source.
    page.click("#queue-filters .select2-selection")
    page.fill(".select2-search__field", "Zhanaozen")
    page.locator(".select2-results__option", has_text=desk["article"].title).click()
    page.click("#queue-filters input[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("tr.queue-row")
    assert rows.count() == 4  # the article's three figures and its claim, oldest first
    assert rows.first.get_attribute("data-pk") == str(desk["figures"][0].pk)
    page.screenshot(path=SCREENSHOTS / "4-queue-filtered.png", full_page=True)
    no_violations(page)

    page.locator(f'tr.queue-row[data-kind="figure"][data-pk="{more_than_70.pk}"] a', has_text="Review this").click()
    page.wait_for_load_state()
    mark = page.locator("#review-excerpt mark")
    assert mark.inner_text() == "more than 70"
    assert "activists of the Socialist Movement of Kazakhstan counted" in page.locator("#review-excerpt").inner_text()
    background = mark.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted by the stylesheet
    # The verdict form sits beside the text, not below it.
    context_box = page.locator(".review-context").bounding_box()
    form_box = page.locator(".review-verdict").bounding_box()
    assert form_box["x"] >= context_box["x"] + context_box["width"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=SCREENSHOTS / "5-review-this.png", full_page=True)
    no_violations(page)

    page.select_option("#id_verdict", "verified")
    page.fill("#id_rationale", "The activists' list names 73 people; the official count stops at 16.")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert "/admin/claims/review/queue/" in page.url and f"source={desk['article'].pk}" in page.url
    assert page.locator("tr.queue-row").count() == 3
    assert page.locator(f'tr.queue-row[data-pk="{more_than_70.pk}"][data-kind="figure"]').count() == 0
    page.screenshot(path=SCREENSHOTS / "6-queue-after.png", full_page=True)

    page.goto(f"{live_server.url}/figures/{more_than_70.pk}/")
    assert page.locator("dd .verdict-verified").inner_text() == "Verified"
    assert "The activists' list names 73 people" in page.locator("#reviews-heading + ul").inner_text()
    page.screenshot(path=SCREENSHOTS / "7-public-figure-verified.png", full_page=True)

    # "Review this" on the public page, for the reviewer; not for anyone else.
    page.goto(f"{live_server.url}/figures/{desk['figures'][0].pk}/")
    page.click("text=Review this")
    page.wait_for_load_state()
    assert page.locator("#review-excerpt mark").inner_text() == "16"
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/figures/{desk['figures'][0].pk}/")
    assert page.locator("text=Review this").count() == 0
