"""Every public page on the seed corpus, in a real browser at a phone's width (390 px) and a laptop's (1,280 px):
screenshots for a person to look at (/tmp/shots/pages/), axe-core's accessibility rules, the keyboard, and the
reader's task from issue 12 — on a phone, the Zhanaozen death tolls from the home page, who said which, and
which rule picks the headline.

Drives Debian's Chromium through Playwright (never a downloaded browser); axe-core comes bundled in the
axe-playwright-python package (requirements-dev.txt).
"""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Claim, Comparison, Figure

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/pages"))
WIDTHS = (390, 1280)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the live server's database use beside it is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def seeded(transactional_db):
    call_command("seed", verbosity=0)


def public_pages() -> dict[str, str]:
    zhanaozen = Comparison.objects.get(conflicting=True, metric__slug="death-toll")
    figure = Figure.objects.public().filter(value_text="more than 70").first()
    return {
        "home": "/", "figures": "/figures/", "claims": "/claims/", "sources": "/sources/",
        "compare": "/compare/", "compare-zhanaozen": f"/compare/?metric=death-toll&subject={zhanaozen.subject.slug}",
        "source": figure.source.get_absolute_url(), "figure": figure.get_absolute_url(),
        "claim": Claim.objects.public().first().get_absolute_url(),
        "search": "/figures/?q=Zhanaozen", "search-sources": "/sources/?q=strike", "404": "/no-such-page/",
    }


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]


def test_every_public_page_reads_at_390_and_1280_px_and_passes_axe(live_server, browser, seeded):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for name, path in public_pages().items():
            response = page.goto(live_server.url + path)
            assert response.status == (404 if name == "404" else 200), name
            page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
            # Nothing runs off the side of a phone: the page never scrolls sideways.
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems.append(f"{name} at {width} px scrolls sideways")
            problems += [f"{name} at {width} px: {v}" for v in serious_violations(page)]
        context.close()
    assert problems == []


def test_chart_text_is_at_least_11_px_on_a_phone(live_server, browser, seeded):
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    for path in ("/", "/compare/"):
        page.goto(live_server.url + path)
        sizes = page.evaluate("""() => [...document.querySelectorAll("svg.chart")]
            .filter(svg => svg.getBoundingClientRect().width > 0)
            .flatMap(svg => {
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return [...svg.querySelectorAll("text")].map(
                    text => parseFloat(getComputedStyle(text).fontSize) * scale);
            })""")
        assert sizes and min(sizes) >= 11, (path, min(sizes))
        # Each drawing says in words what it draws.
        assert page.locator("svg.chart:visible title").count() > 0 and page.locator("svg.chart:visible desc").count()


def test_filters_and_facets_work_from_the_keyboard(live_server, browser, seeded):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_server.url + "/figures/")

    def tab_to(selector: str, limit: int = 60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{selector} cannot be reached with the Tab key")

    tab_to("#id_q")
    page.keyboard.type("Zhanaozen")
    tab_to("#id_metric")
    page.keyboard.press("End")  # a select takes the arrow keys; choose a metric without the mouse
    metric = page.evaluate("document.activeElement.value")
    tab_to("#filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Zhanaozen"))
    # The address holds only what was filled in.
    assert page.url.endswith(f"/figures/?q=Zhanaozen&metric={metric}")
    page.goto(live_server.url + "/figures/")
    tab_to('[data-facet="metric"] a')
    label = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"metric="))
    assert page.locator('[data-facet="metric"] li.selected').inner_text().startswith("✓ " + label.strip())


def test_on_a_phone_the_zhanaozen_death_tolls_are_two_taps_from_home(live_server, browser, seeded):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    # Tap one: the comparison on the home page.
    page.get_by_role("link", name=re.compile(r"Death toll — Zhanaozen")).first.tap()
    page.wait_for_url(re.compile(r"/compare/\?metric=death-toll"))
    group = page.locator("article.group", has_text="Zhanaozen").first
    # Tap two: who said which (open already when the page shows one comparison; a tap keeps it open or opens it).
    table = group.locator("details table")
    if not table.is_visible():
        group.locator("summary").tap()
    rows = table.locator("tbody tr")
    said = {row.locator("td").first.inner_text(): row.inner_text() for row in rows.all()}
    assert "16" in said and "more than 70" in said
    assert all(re.search(r"Kazakhstan|Central Asia", text) for text in said.values())  # each with its source
    headline = group.locator(".headline")
    assert headline.is_visible() and "rule: preferred rank" in headline.inner_text()
    assert page.get_by_text("chosen by the rule").is_visible()
    page.screenshot(path=SHOTS / "two-taps-390.png", full_page=True)
    context.close()
