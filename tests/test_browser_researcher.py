"""A researcher in a real browser: filter, watch the facets, search, compare, download exactly what is on screen.

Drives Debian's Chromium through Playwright (never a downloaded browser) and saves
screenshots to tests/screenshots/ for a person to look at.
"""

import io
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from claims.models import Entity, Figure, Metric
from sources.models import Outlet, Source

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
]
# Playwright's sync API runs an event loop; Django must allow the live server's database use beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def corpus(transactional_db):
    """Two sources on the Zhanaozen shooting that disagree, and a third on inequality."""
    text_official = "Officials said 16 people died in Zhanaozen in December 2011."
    text_activists = "Activists counted more than 70 dead at Zhanaozen. Unemployment stood at about 12%."
    text_gini = "The Gini coefficient was 0.332 in 2021, official statistics say."
    icp = Outlet.objects.create(slug="icp", name="International Communist Press")
    official = Source.objects.create(slug="official-report", title="Official report on Zhanaozen",
                                     text=text_official, status="published")
    activists = Source.objects.create(slug="activist-account", title="Activists' account", outlet=icp,
                                      text=text_activists, status="published")
    gini_source = Source.objects.create(slug="inequality-review", title="Inequality review", text=text_gini,
                                        status="published")
    death_toll = Metric.objects.create(slug="death-toll", name="Death toll", unit="people", min_value=0)
    gini = Metric.objects.create(slug="gini-coefficient", name="Gini coefficient", unit="coefficient")
    unemployment = Metric.objects.create(slug="unemployment", name="Unemployment rate", unit="percent")
    zhanaozen = Entity.objects.create(slug="zhanaozen", name="Zhanaozen")
    kazakhstan = Entity.objects.create(slug="kazakhstan", name="Kazakhstan")
    year_2011 = {"period_start": date(2011, 1, 1), "period_end": date(2011, 12, 31), "status": "unverified"}
    rows = [
        Figure(source=official, metric=death_toll, subject=zhanaozen, value_text="16", value=16, **year_2011),
        Figure(source=activists, metric=death_toll, subject=zhanaozen, value_text="more than 70",
               qualifier="more_than", lower=70, **year_2011),
        Figure(source=activists, metric=unemployment, subject=zhanaozen, value_text="about 12%",
               qualifier="approximate", value=12, **year_2011),
        Figure(source=gini_source, metric=gini, subject=kazakhstan, value_text="0.332", value=Decimal("0.332"),
               period_start=date(2021, 1, 1), period_end=date(2021, 12, 31), status="unverified"),
    ]
    for figure in rows:
        figure.anchor()
        figure.save()
    return rows


def facet_count(page, facet: str, label: str) -> str:
    item = page.locator(f'[data-facet="{facet}"] li', has_text=label)
    return item.locator(".count").inner_text() if item.count() else "0"


def test_a_researcher_finds_the_conflict_and_leaves_with_exactly_the_rows_on_screen(live_server, page, corpus):
    import openpyxl

    page.goto(f"{live_server.url}/figures/")
    assert page.locator("#result-count").inner_text().startswith("4 figures")
    assert facet_count(page, "metric", "Death toll") == "2"
    page.screenshot(path=SCREENSHOTS / "1-figures.png", full_page=True)

    # Filter by source with a facet link, then by metric with the form.
    page.locator('[data-facet="source"] a', has_text="Activists' account").click()
    assert page.locator("#result-count").inner_text().startswith("2 figures")
    assert facet_count(page, "metric", "Death toll") == "1"  # the counts follow the filter
    page.select_option("#id_metric", "death-toll")
    page.get_by_role("button", name="Apply").click()
    assert "source=activist-account" in page.url and "metric=death-toll" in page.url
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1 and "more than 70" in rows.first.inner_text() and "> 70" in rows.first.inner_text()
    page.screenshot(path=SCREENSHOTS / "2-filtered.png", full_page=True)

    # Search.
    page.goto(f"{live_server.url}/figures/")
    page.fill("#id_q", "Gini")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("#results tbody tr").count() == 1
    assert "0.332" in page.locator("#results").inner_text()
    page.screenshot(path=SCREENSHOTS / "3-search.png", full_page=True)

    # The comparison: 16 against more than 70, flagged as a conflict, drawn as a chart.
    page.get_by_role("link", name="Compare", exact=True).first.click()
    group = page.locator("article.group", has_text="Zhanaozen")
    assert group.locator(".badge.conflict").count() == 1
    assert group.locator("svg.chart:visible").count() == 1  # the wide drawing; the narrow one is for phones
    page.screenshot(path=SCREENSHOTS / "4-compare.png", full_page=True)
    group.get_by_role("link", name="these figures as a list").click()
    on_screen = {int(row.get_attribute("data-figure-id")) for row in page.locator("#results tbody tr").all()}
    assert on_screen == {corpus[0].pk, corpus[1].pk}

    # The XLSX holds exactly the rows on screen, in the import columns.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    download = download_info.value
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    header, *rows = list(sheet.values)
    assert header[:4] == ("id", "source", "metric", "subject")
    assert {row[0] for row in rows} == on_screen
    page.screenshot(path=SCREENSHOTS / "5-list-from-comparison.png", full_page=True)

    # The provenance is one click away: the source text with the figure marked in place.
    page.locator("#results tbody tr", has_text="more than 70").get_by_role("link", name="Activists' account").click()
    assert page.locator("a.figure-mark", has_text="more than 70").count() == 1
    page.screenshot(path=SCREENSHOTS / "6-source.png", full_page=True)


def test_the_figure_list_reads_on_a_phone(live_server, page, corpus):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/figures/?metric=death-toll")
    # Results come before the filters on a narrow screen, and the page does not scroll sideways.
    assert page.locator("#results").bounding_box()["y"] < page.locator("#filters").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / "7-phone.png", full_page=True)
