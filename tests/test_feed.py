"""An Atom feed of newly published figures and reviews (/feed.atom): what became public last comes first, only
public records, a bounded number of entries, linked from every page's <head>."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from api.feeds import FEED_SIZE
from claims.models import Figure, Review
from sources.models import Source

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client) -> list[dict]:
    response = client.get("/feed.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}updated") is not None
    return [{
        "id": entry.find(f"{ATOM}id").text, "title": entry.find(f"{ATOM}title").text,
        "link": entry.find(f"{ATOM}link").get("href"), "summary": entry.find(f"{ATOM}summary").text,
        "updated": datetime.fromisoformat(entry.find(f"{ATOM}updated").text),
    } for entry in feed.findall(f"{ATOM}entry")]


def backdate(record, year: int) -> None:
    """Move every saved version of the record (and of a figure's source) to the given year, as if saved then."""
    record.history.update(history_date=datetime(year, 1, 1, tzinfo=UTC))
    if isinstance(record, Figure):
        record.source.history.update(history_date=datetime(year, 1, 1, tzinfo=UTC))


def test_a_figure_published_today_comes_first_though_it_was_entered_long_ago(client, make_figure):
    entered_long_ago = make_figure(value_text="16", status="draft")
    backdate(entered_long_ago, 2020)
    older = make_figure(value_text="17")
    backdate(older, 2021)
    entered_long_ago.publish()
    entered_long_ago.save()
    feed = entries(client)
    assert [entry["link"] for entry in feed] == [f"http://testserver{entered_long_ago.get_absolute_url()}",
                                                f"http://testserver{older.get_absolute_url()}"]
    assert feed[1]["updated"].year == 2021
    assert feed[0]["title"].startswith("“16”: Death toll") and "Status: Unverified" in feed[0]["summary"]


def test_publishing_a_source_publishes_its_figures_and_editing_it_later_does_not(client, make_figure, make_source):
    source = make_source(status=Source.Status.DRAFT)
    waiting = make_figure(source=source, value_text="16")  # unverified, but its source is a draft
    backdate(waiting, 2019)
    other = make_figure(value_text="17")
    backdate(other, 2022)
    assert [entry["link"] for entry in entries(client)] == [f"http://testserver{other.get_absolute_url()}"]
    source.publish()
    source.save()
    assert entries(client)[0]["link"] == f"http://testserver{waiting.get_absolute_url()}"
    backdate(source, 2023)
    source.title = "A corrected title"
    source.save()
    first = entries(client)[0]
    assert first["link"] == f"http://testserver{waiting.get_absolute_url()}" and first["updated"].year == 2023


def test_reviews_enter_the_feed_with_their_verdict(client, make_figure, reviewer):
    figure = make_figure(value_text="more than 70", value=None, lower=70, qualifier="more_than")
    backdate(figure, 2020)
    review = Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale="Counts differ.")
    feed = entries(client)
    verdicts = [entry for entry in feed if entry["id"].endswith(f"#review-{review.pk}")]
    assert len(verdicts) == 1
    assert verdicts[0]["title"].startswith("Disputed: the figure “more than 70”")
    assert "Counts differ." in verdicts[0]["summary"]
    assert len({entry["id"] for entry in feed}) == len(feed)  # the review and the figure it changed: two entries


def test_nothing_hidden_enters_the_feed(client, make_figure, make_source, make_claim, reviewer):
    public = make_figure(value_text="16")
    draft = make_figure(value_text="17", status="draft", note="hidden")
    published_then_withdrawn = make_figure(value_text="18")
    published_then_withdrawn.withdraw()
    published_then_withdrawn.save()
    of_a_draft_source = make_figure(value_text="19", source=make_source(status=Source.Status.DRAFT))
    draft_claim = make_claim(status="draft")
    Review.objects.create(figure=draft, verdict="false", reviewer=reviewer, rationale="hidden")
    Review.objects.create(figure=of_a_draft_source, verdict="false", reviewer=reviewer, rationale="hidden")
    Review.objects.create(claim=draft_claim, verdict="false", reviewer=reviewer, rationale="hidden")
    feed = entries(client)
    assert [entry["link"] for entry in feed] == [f"http://testserver{public.get_absolute_url()}"]


def test_the_feed_holds_at_most_its_size_newest_first(client, make_figure, make_source, django_assert_max_num_queries):
    source = make_source()
    figures = [make_figure(source=source, value_text=str(100 + n)) for n in range(FEED_SIZE + 5)]
    with django_assert_max_num_queries(8):
        feed = entries(client)
    assert len(feed) == FEED_SIZE
    assert [entry["updated"] for entry in feed] == sorted((entry["updated"] for entry in feed), reverse=True)
    assert feed[0]["link"].endswith(figures[-1].get_absolute_url())


@pytest.mark.parametrize("path", ["/", "/figures/", "/sources/", "/compare/"])
def test_every_page_links_the_feed_in_its_head(client, db, path):
    head = client.get(path).content.decode().split("</head>")[0]
    assert ('<link rel="alternate" type="application/atom+xml" title="factbase: newly published figures and '
            'reviews" href="/feed.atom">') in head


def test_the_feed_is_read_only(client, db):
    assert client.post("/feed.atom").status_code == 405
    assert Figure.objects.count() == 0
