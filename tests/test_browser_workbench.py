"""A curator in a real browser turns a pasted article into anchored figures through its suggestions: pastes the
text into a new source, opens its suggestions, accepts three, corrects one and accepts it, rejects one, starts a
figure from a selection, publishes the source and sees the figures marked in its public page.

Drives Debian's Chromium through Playwright; screenshots go to /tmp/shots/suggest/ for a person to look at.
"""

import os
from importlib import import_module
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User

from claims.models import Entity, Figure, Metric, RejectedSuggestion
from sources.models import Source

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("SHOTS", "/tmp/shots/suggest"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
]

ARTICLE = ("In December 2011 police opened fire on striking oil workers in Zhanaozen. Officials said 16 people "
           "died; activists counted more than 70 dead.\n\nSome 400 people were injured and 37 were arrested in "
           "Zhanaozen. Protesters burned twenty buses.\n\nThe mayor said: “Order is restored in the town.”")


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the live server's database use beside it is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error"
                and "favicon" not in message.location.get("url", "") else None)
        page.errors = errors
        yield page
        context.close()
        browser.close()


@pytest.fixture
def workbench(transactional_db):
    # A transactional test starts from a flushed database: the Curator role is made again from its migration.
    roles = import_module("claims.migrations.0003_roles").ROLES
    group, _ = Group.objects.get_or_create(name="Curator")
    group.permissions.set([Permission.objects.get(content_type__app_label=app, codename=codename)
                           for app, codename in roles["Curator"]])
    curator = User.objects.create_user("curator", password="pw-for-browser-tests", is_staff=True)
    curator.groups.add(group)
    for slug, name in (("death-toll", "Death toll"), ("injured", "Injured"), ("detained", "Detained")):
        Metric.objects.create(slug=slug, name=name, unit="people", min_value=0)
    Entity.objects.create(slug="zhanaozen", name="Zhanaozen", kind="place")


def fieldset_of(page, span: str):
    return page.locator("fieldset.suggestion", has=page.locator("a.jump", has_text=f"“{span}”"))


def test_a_curator_turns_a_pasted_article_into_figures(live_server, page, workbench):
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "pw-for-browser-tests")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    # Paste the article into a new source.
    page.goto(f"{base}/admin/sources/source/add/")
    page.fill("#id_title", "Zhanaozen, December 2011")
    page.fill("#id_text", ARTICLE)
    page.click("input[name=_continue]")
    page.wait_for_selector("#suggestions-link")
    source = Source.objects.get()
    assert source.text == ARTICLE  # kept exactly as pasted (the browser sends CRLF line breaks)

    page.click("#suggestions-link")
    page.wait_for_selector("fieldset.suggestion")
    page.screenshot(path=str(SHOTS / "1-suggestions.png"), full_page=True)
    assert page.locator("#offered-count").inner_text() == "6"
    assert page.locator("#source-text .sg-figure").count() >= 5  # the numbers are marked in the text
    # The engine's guesses are shown in the autocompletes.
    assert "Death toll" in fieldset_of(page, "more than 70").locator(".field-metric .select2").inner_text()

    # The article gives no date: the period, typed once, stands for every figure left without one.
    page.fill("#default-period", "Dec 2011")
    # Accept three, one click each.
    for span in ("more than 70", "Some 400", "37"):
        fieldset_of(page, span).locator("button.accept").click()
        page.wait_for_selector(".messagelist .success")
        assert "Accepted" in page.locator(".messagelist").inner_text()
        assert page.locator("#default-period").input_value() == "Dec 2011"  # kept for the next one
    assert Figure.objects.count() == 3

    # Correct one, then accept it: "16" is "16 people" as the curator records it.
    corrected = fieldset_of(page, "16")
    corrected.locator("input[name$=-value_text]").fill("16 people")
    corrected.locator("button.accept").click()
    page.wait_for_selector(".messagelist .success")

    # Reject one: twenty buses are no figure to record.
    fieldset_of(page, "twenty").locator("button.reject").click()
    page.wait_for_selector(".messagelist .success")
    assert "will not be offered again" in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(SHOTS / "2-after-accepting.png"), full_page=True)

    figures = {figure.value_text: figure for figure in Figure.objects.select_related("metric")}
    assert set(figures) == {"more than 70", "Some 400", "37", "16 people"}
    assert (figures["16 people"].metric.slug, figures["Some 400"].metric.slug) == ("death-toll", "injured")
    assert all(ARTICLE[f.anchor_start:f.anchor_end] == f.value_text for f in figures.values())
    assert RejectedSuggestion.objects.get().text == "twenty"

    # Reload: only the quote is offered; the accepted and the rejected are not.
    page.reload()
    assert page.locator("#offered-count").inner_text() == "1"
    assert fieldset_of(page, "twenty").count() == 0
    assert page.locator("#source-text .accepted-figure").count() >= 4

    # A new figure from a selection: select "twenty buses" in the text, and the form comes prefilled.
    page.evaluate("""() => {
        const text = document.getElementById('source-text');
        const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.textContent.indexOf('twenty buses');
            if (at !== -1) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + 'twenty buses'.length);
                window.getSelection().removeAllRanges();
                window.getSelection().addRange(range);
                return;
            }
        }
    }""")
    page.wait_for_selector("#new-figure-from-selection:not([disabled])")
    page.click("#new-figure-from-selection")
    page.wait_for_selector("fieldset.suggestion-new")
    new = page.locator("fieldset.suggestion-new")
    assert new.locator("input[name=new-value_text]").input_value() == "twenty buses"
    assert new.locator("input[name=new-start]").input_value() == str(ARTICLE.index("twenty buses"))
    page.screenshot(path=str(SHOTS / "3-new-from-selection.png"), full_page=True)

    # Publish the source; its public page marks the four figures in the text.
    page.goto(f"{base}/admin/sources/source/{source.pk}/change/")
    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.goto(f"{base}{source.get_absolute_url()}")
    marks = page.locator("a.figure-mark")
    assert sorted(marks.all_inner_texts()) == sorted(["more than 70", "Some 400", "37", "16 people"])
    page.screenshot(path=str(SHOTS / "4-public-source.png"), full_page=True)
    assert page.errors == []
