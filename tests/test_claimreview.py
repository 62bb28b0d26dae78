"""Every reviewed claim's and figure's page says what it is to search engines and fact-check tools: schema.org
ClaimReview as JSON-LD, with the fields Google's Fact Check tools read.

Google's documentation of fact-check structured data (developers.google.com/search/docs/appearance/structured-
data/factcheck) asks of a ClaimReview:
- required: claimReviewed (a short summary of the claim — under 75 characters so it does not wrap on a phone —
  without the rating), reviewRating, url (on the same domain as the page carrying the markup);
- recommended: author (the organisation or person publishing the fact check, with a name), datePublished,
  itemReviewed (a Claim);
of the Claim, recommended: appearance (where the claim appears, a URL or CreativeWork), author (who made the
claim, not who checked it), datePublished, firstAppearance (we know where a claim was found, not where it first
appeared, so we leave that out rather than guess);
of the Rating, required: alternateName (the verdict in words); recommended: ratingValue, bestRating, worstRating
— and a ratingValue needs both bounds, and lies between them, the truer the closer to bestRating.
Google reads JSON-LD whose @context is schema.org and whose top-level @type is the type it knows.
"""

import json
import re
from datetime import date
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from api.jsonld import BEST_RATING, RATING, WORST_RATING
from claims.models import Review, Verdict
from sources.models import Outlet
from tests import test_browser_csp

CLAIM_REVIEW_REQUIRED = {"claimReviewed", "reviewRating", "url"}
CLAIM_REVIEW_RECOMMENDED = {"author", "datePublished", "itemReviewed"}
CLAIM_RECOMMENDED_WHEN_KNOWN = {"appearance", "author", "datePublished"}  # a source may name nobody, or no date
RATING_REQUIRED = {"alternateName"}
RATING_RECOMMENDED = {"ratingValue", "bestRating", "worstRating"}
CLAIM_REVIEWED_MAX = 75

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def json_ld(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    return [json.loads(block) for block in JSON_LD.findall(response.content.decode())]


def assert_google_reads_it(review: dict, page_url: str) -> None:
    """The rules above, as Google's Fact Check tools apply them."""
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert set(review) >= CLAIM_REVIEW_REQUIRED, CLAIM_REVIEW_REQUIRED - set(review)
    assert set(review) >= CLAIM_REVIEW_RECOMMENDED, CLAIM_REVIEW_RECOMMENDED - set(review)
    assert urlparse(review["url"]).netloc == urlparse(page_url).netloc
    assert 0 < len(review["claimReviewed"]) <= CLAIM_REVIEWED_MAX
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and set(rating) >= RATING_REQUIRED and rating["alternateName"]
    assert rating["alternateName"].lower() not in review["claimReviewed"].lower()
    if "ratingValue" in rating:
        assert {"bestRating", "worstRating"} <= set(rating)
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert review["author"]["@type"] in ("Organization", "Person") and review["author"]["name"]
    date.fromisoformat(review["datePublished"])
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert "appearance" in claim
    assert claim["appearance"]["@type"] == "CreativeWork" and urlparse(claim["appearance"]["url"]).scheme
    for author in (claim["author"] if isinstance(claim.get("author"), list) else [claim.get("author")]):
        assert author is None or (author["@type"] in ("Organization", "Person") and author["name"])
    if "datePublished" in claim:
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", claim["datePublished"])


@pytest.fixture
def reviewed_figure(make_figure, make_source, make_entity, reviewer):
    outlet = Outlet.objects.create(slug="icp", name="ICP")
    source = make_source(slug="activists", title="Activists' account", outlet=outlet, url="https://example.org/a",
                         published_on=date(2018, 6, 1), published_precision="month")
    figure = make_figure(source=source, subject=make_entity("Zhanaozen"), value_text="more than 70", value=None,
                         lower=70, qualifier="more_than", attributed_to=make_entity("Strike committee",
                                                                                    kind="group"))
    Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale="Other counts differ.")
    return figure


def test_a_reviewed_figures_page_carries_one_claimreview_google_reads(client, reviewed_figure):
    page = f"http://testserver{reviewed_figure.get_absolute_url()}"
    [review] = json_ld(client, reviewed_figure.get_absolute_url())
    assert_google_reads_it(review, page)
    assert review["url"] == page
    assert review["claimReviewed"] == "“more than 70”: Death toll, Zhanaozen, 2011"
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["reviewRating"]["ratingValue"] == RATING[Verdict.DISPUTED]
    assert review["reviewRating"]["ratingExplanation"] == "Other counts differ."
    # Who made the claim: whom the number is attributed to, not the outlet that printed it, nor the reviewer.
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "Strike committee"}
    assert review["itemReviewed"]["appearance"]["url"] == "https://example.org/a"
    assert review["itemReviewed"]["datePublished"] == "2018-06"  # the source's date at its precision
    assert review["author"]["name"] == "factbase"
    assert set(review["itemReviewed"]) >= CLAIM_RECOMMENDED_WHEN_KNOWN


def test_a_claim_from_a_source_that_names_only_its_authors_is_theirs(client, make_figure, make_source, reviewer):
    figure = make_figure(source=make_source(authors="Aigul Sadykova and Marat Bekov"))
    Review.objects.create(figure=figure, verdict="false", reviewer=reviewer, rationale="No.")
    [review] = json_ld(client, figure.get_absolute_url())
    assert review["itemReviewed"]["author"] == [{"@type": "Person", "name": "Aigul Sadykova"},
                                                {"@type": "Person", "name": "Marat Bekov"}]
    assert "datePublished" not in review["itemReviewed"]  # the source's date is unknown: none is made up


def test_a_reviewed_claims_page_names_its_speaker_as_the_claims_author(client, make_claim, make_entity, reviewer):
    claim = make_claim(speaker=make_entity("Kassym-Jomart Tokayev", kind="person"))
    Review.objects.create(claim=claim, verdict="verified", reviewer=reviewer, rationale="Broadcast live.")
    [review] = json_ld(client, claim.get_absolute_url())
    assert_google_reads_it(review, f"http://testserver{claim.get_absolute_url()}")
    assert review["claimReviewed"] == "We will restore order"
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Kassym-Jomart Tokayev"}
    # A source with no address online: its copy on factbase is where the claim can be read.
    assert review["itemReviewed"]["appearance"]["url"] == f"http://testserver{claim.source.get_absolute_url()}"
    assert (review["reviewRating"]["alternateName"], review["reviewRating"]["ratingValue"]) == ("Verified", 4)


def test_without_a_speaker_the_claims_author_is_the_outlet(client, make_claim, make_source, reviewer):
    claim = make_claim(source=make_source(outlet=Outlet.objects.create(slug="cprf", name="CPRF")))
    Review.objects.create(claim=claim, verdict="false", reviewer=reviewer, rationale="No.")
    [review] = json_ld(client, claim.get_absolute_url())
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "CPRF"}


@pytest.mark.parametrize("verdict", [Verdict.FALSE, Verdict.MISLEADING, Verdict.DISPUTED, Verdict.VERIFIED])
def test_the_rating_scale_runs_from_false_to_verified(client, make_figure, reviewer, verdict):
    figure = make_figure()
    Review.objects.create(figure=figure, verdict=verdict, reviewer=reviewer, rationale="Checked.")
    [review] = json_ld(client, figure.get_absolute_url())
    rating = review["reviewRating"]
    assert (rating["worstRating"], rating["bestRating"]) == (WORST_RATING, BEST_RATING) == (1, 4)
    assert rating["ratingValue"] == {"false": 1, "misleading": 2, "disputed": 3, "verified": 4}[verdict]
    assert rating["alternateName"] == verdict.label


def test_unverifiable_is_named_but_given_no_place_on_the_scale_of_truth(client, make_figure, reviewer):
    figure = make_figure()
    Review.objects.create(figure=figure, verdict="unverifiable", reviewer=reviewer, rationale="No data.")
    [review] = json_ld(client, figure.get_absolute_url())
    assert review["reviewRating"]["alternateName"] == "Unverifiable"
    assert not {"ratingValue", "bestRating", "worstRating"} & set(review["reviewRating"])
    assert_google_reads_it(review, f"http://testserver{figure.get_absolute_url()}")


def test_a_record_with_no_current_verdict_carries_no_claimreview(client, make_figure, reviewer):
    unreviewed = make_figure(value_text="16")
    assert json_ld(client, unreviewed.get_absolute_url()) == []
    changed = make_figure(value_text="17")
    Review.objects.create(figure=changed, verdict="verified", reviewer=reviewer, rationale="Checked.")
    assert len(json_ld(client, changed.get_absolute_url())) == 1
    # The number changed after the review: the verdict was on the old one, and is no longer given.
    changed.value_text, changed.value = "18", 18
    changed.save()
    assert json_ld(client, changed.get_absolute_url()) == []


def test_a_long_quote_is_shortened_for_claimreviewed_and_a_figure_keeps_its_number(client, make_claim, make_source,
                                                                                  reviewer):
    text = "The president said that " + "order will be restored in every region of the country " * 3 + "soon."
    claim = make_claim(source=make_source(text=text), quote=text)
    Review.objects.create(claim=claim, verdict="misleading", reviewer=reviewer, rationale="Partly.")
    [review] = json_ld(client, claim.get_absolute_url())
    assert len(review["claimReviewed"]) <= CLAIM_REVIEWED_MAX and review["claimReviewed"].endswith("…")
    assert text.startswith(review["claimReviewed"][:-1])


def test_the_json_ld_block_cannot_be_broken_out_of(client, make_figure, reviewer):
    figure = make_figure()
    rationale = "Wrong </script><script>alert('x')</script> & <b>bold</b>"
    Review.objects.create(figure=figure, verdict="false", reviewer=reviewer, rationale=rationale)
    html = client.get(figure.get_absolute_url()).content.decode()
    [block] = JSON_LD.findall(html)
    assert "</script" not in block.lower() and "<" not in block
    assert json.loads(block)["reviewRating"]["ratingExplanation"] == rationale


@override_settings(REVIEWING_ORGANISATION="Kazakhstan Fact Desk")
def test_the_reviewing_organisation_is_a_setting(client, reviewed_figure):
    [review] = json_ld(client, reviewed_figure.get_absolute_url())
    assert review["author"]["name"] == "Kazakhstan Fact Desk"


# The Content-Security-Policy allows no inline script. A JSON-LD block is a data block, which browsers never run,
# so the policy does not apply to it: Chromium under our policy reports no violation and reads it.
browser_page = test_browser_csp.browser_page  # Chromium under our policy, recording violations


@pytest.mark.browser
@pytest.mark.skipif(not test_browser_csp.CHROMIUM.exists(), reason="Debian's Chromium is not installed")
def test_the_policy_lets_the_json_ld_block_be_read_and_run_nothing(live_server, browser_page, transactional_db,
                                                                  make_figure):
    figure = make_figure()
    # A plain user: the roles' groups come from a data migration that an earlier transactional test flushed.
    reviewer = User.objects.create_user("browser-reviewer")
    Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale="Counts differ.")
    browser_page.goto(live_server.url + figure.get_absolute_url())
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.problems() == []
    read = browser_page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert read["@type"] == "ClaimReview" and read["reviewRating"]["alternateName"] == "Disputed"
