"""Public means public on every page: nothing of a draft or withdrawn record — quote, title, link, search hit,
facet, existence — appears on a public page, in a search, an export or an error.

Hidden records carry one unique word. Every public URL is swept for it; and where a reader can name a hidden
thing (a search, a filter, a detail URL), the answer is the same as for a name that never existed.
"""

import io
import re

import pytest

from claims.models import Claim, Entity, Figure, Review
from claims.spreadsheets import read_rows
from sources.models import Outlet, Source

WORD = "xylograph"


@pytest.fixture
def hidden(db, make_source, make_entity, make_claim, make_figure, death_toll, reviewer):
    """Public records, and hidden ones that touch them, each hidden one carrying WORD."""
    press = Outlet.objects.create(slug=f"{WORD}-press", name=f"{WORD.title()} Press")
    draft_source = make_source(slug=f"{WORD}-draft", title=f"The {WORD} report", status="draft", outlet=press,
                               text=f"The {WORD} report says 16 people died. “Xylograph truth,” he said.")
    withdrawn_source = make_source(slug=f"{WORD}-withdrawn", title=f"Withdrawn {WORD}", status="withdrawn")
    secret = make_entity(f"{WORD.title()} Foundation", slug=f"{WORD}-foundation")
    draft_claim = make_claim(source=draft_source, quote="Xylograph truth", status="draft")
    make_figure(source=draft_source, subject=secret, note=f"{WORD} note", status="unverified")
    make_figure(source=withdrawn_source, subject=secret, status="unverified")

    public_source = make_source(slug="public-report", title="Public report")
    subject = make_entity("Zhanaozen", slug="zhanaozen")
    public = make_figure(source=public_source, subject=subject, status="unverified", claim=draft_claim)
    make_figure(source=public_source, subject=subject, value_text="more than 70", value=None, lower=70,
                qualifier="more_than", status="withdrawn", note=f"withdrawn {WORD}")
    Figure.objects.filter(pk=public.pk).update(claim=draft_claim)  # a public figure pointing at a draft claim
    make_claim(source=public_source, status="withdrawn", quote="We will restore order")
    Claim.objects.filter(source=public_source, status="withdrawn").update(note=f"{WORD} claim note")
    verdict = Review.objects.create(figure=public, verdict="disputed", reviewer=reviewer,
                                    rationale="Other counts differ.")
    verdict.evidence.add(draft_source)
    return {"public": public, "draft_source": draft_source, "secret": secret, "press": press,
            "draft_claim": draft_claim, "public_source": public_source}


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    content = response.content
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)


def sweep_urls(hidden) -> list[str]:
    public = hidden["public"]
    urls = ["/", "/sources/", "/claims/", "/figures/", "/compare/", public.get_absolute_url(),
            hidden["public_source"].get_absolute_url(), "/compare/?metric=death-toll"]
    for path in ("/sources/", "/claims/", "/figures/"):
        urls += [f"{path}?format={fmt}" for fmt in ("csv", "json", "xlsx", "ods")]
    # For machines: the API's lists, records and filters, the schema, the citations and the feed.
    review = Review.objects.get(figure=public)
    source = hidden["public_source"].slug
    urls += ["/api/", "/api/schema/", f"/api/figures/{public.pk}/", f"/api/sources/{source}/",
             f"/api/reviews/{review.pk}/", "/api/entities/zhanaozen/", "/api/metrics/death-toll/",
             f"/sources/{source}/cite.json", f"/sources/{source}/cite.bib", "/feed.atom",
             f"/api/figures/?source={source}", "/api/figures/?subject=zhanaozen", "/api/figures/?q=people",
             f"/api/reviews/?figure={public.pk}", f"/api/reviews/?source={source}", "/api/claims/?q=order",
             "/api/comparisons/?metric=death-toll"]
    urls += [f"/api/{resource}/?page_size=200" for resource in (
        "sources", "claims", "figures", "comparisons", "reviews", "entities", "outlets", "metrics")]
    return urls


def test_no_public_page_or_export_shows_anything_of_a_hidden_record(client, hidden):
    for url in sweep_urls(hidden):
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(("=xlsx", "=ods")):  # zipped: read the cells back
            data = b"".join(response.streaming_content) if response.streaming else response.content
            text = repr(list(read_rows(io.BytesIO(data), url.rsplit("=", 1)[1])))
        else:
            text = body(response)
        assert WORD not in text.lower(), f"{url} shows a hidden record"


def test_a_public_figure_does_not_name_or_link_its_draft_claim(client, hidden):
    page = body(client.get(hidden["public"].get_absolute_url()))
    assert hidden["draft_claim"].get_absolute_url() not in page and "In the claim" not in page


def blank(text: str, value: str) -> str:
    """The text with every whole occurrence of the value (as typed, or escaped for HTML or a URL) blanked."""
    for form in {value, value.replace(" ", "+"), value.replace(" ", "%20")}:
        text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", "…", text, flags=re.IGNORECASE)
    return text


def same_answer(client, url_with, hidden_value, unknown_value):
    """The response for a hidden thing, with its name blanked, is the response for a thing that never existed."""
    first = client.get(url_with(hidden_value))
    second = client.get(url_with(unknown_value))
    assert first.status_code == second.status_code, (hidden_value, first.status_code, second.status_code)
    assert blank(body(first), hidden_value) == blank(body(second), unknown_value)
    return first


@pytest.mark.parametrize("path", ["/figures/", "/claims/", "/sources/"])
def test_searching_for_a_hidden_word_finds_what_searching_for_nonsense_finds(client, hidden, path):
    for fmt in ("", "csv", "json"):
        response = same_answer(client, lambda q, fmt=fmt: f"{path}?q={q}" + (f"&format={fmt}" if fmt else ""),
                               WORD, "qwzjvk")
        assert response.status_code == 200


@pytest.mark.parametrize("path", ["/figures/", "/api/figures/"])
@pytest.mark.parametrize("parameter, value", [
    ("subject", "Xylograph Foundation"), ("subject", "xylograph-foundation"), ("outlet", "xylograph-press"),
    ("source", "xylograph-draft"), ("source", "xylograph-withdrawn"),
])
def test_filtering_by_a_hidden_entity_outlet_or_source_answers_as_for_an_unknown_one(client, hidden, parameter,
                                                                                    value, path):
    response = same_answer(client, lambda v: f"{path}?{parameter}={v}", value, "qwzjvk-nothing")
    assert response.status_code == 400


@pytest.mark.parametrize("path, parameter, value", [
    ("/api/claims/", "source", "xylograph-draft"), ("/api/claims/", "speaker", "xylograph-foundation"),
    ("/api/claims/", "outlet", "xylograph-press"), ("/api/sources/", "outlet", "xylograph-press"),
    ("/api/comparisons/", "subject", "Xylograph Foundation"), ("/api/reviews/", "source", "xylograph-draft"),
    ("/api/reviews/", "evidence", "xylograph-draft"),
])
def test_filtering_the_api_by_a_hidden_record_answers_as_for_an_unknown_one(client, hidden, path, parameter, value):
    response = same_answer(client, lambda v: f"{path}?{parameter}={v}", value, "qwzjvk-nothing")
    assert response.status_code == 400


def test_filtering_api_reviews_by_a_hidden_record_answers_as_for_an_unknown_one(client, hidden, reviewer):
    draft_figure = Figure.objects.filter(source=hidden["draft_source"]).get()
    Review.objects.create(figure=draft_figure, verdict="false", reviewer=reviewer, rationale=f"{WORD} rationale")
    same_answer(client, lambda pk: f"/api/reviews/?figure={pk}", str(draft_figure.pk), str(10**9))
    same_answer(client, lambda pk: f"/api/reviews/?claim={pk}", str(hidden["draft_claim"].pk), str(10**9))
    assert WORD not in body(client.get("/api/reviews/"))


def test_searching_the_api_for_a_hidden_word_finds_what_searching_for_nonsense_finds(client, hidden):
    for path in ("/api/figures/", "/api/claims/", "/api/sources/"):
        response = same_answer(client, lambda q, path=path: f"{path}?q={q}", WORD, "qwzjvk")
        assert response.status_code == 200


def test_comparing_a_hidden_subject_answers_as_for_an_unknown_one(client, hidden):
    response = same_answer(client, lambda v: f"/compare/?subject={v}", "xylograph-foundation", "qwzjvk-nothing")
    assert response.status_code == 400


def test_a_hidden_records_page_is_missing_like_a_record_that_never_was(client, hidden):
    draft_figure = Figure.objects.filter(source=hidden["draft_source"]).get()
    missing = 10**9
    assert client.get(draft_figure.get_absolute_url()).status_code == 404
    same_answer(client, lambda pk: f"/figures/{pk}/", str(draft_figure.pk), str(missing))
    same_answer(client, lambda pk: f"/claims/{pk}/", str(hidden["draft_claim"].pk), str(missing))
    same_answer(client, lambda slug: f"/sources/{slug}/", "xylograph-draft", "qwzjvk-nothing")
    same_answer(client, lambda slug: f"/sources/{slug}/", "xylograph-withdrawn", "qwzjvk-nothing")
    same_answer(client, lambda pk: f"/api/figures/{pk}/", str(draft_figure.pk), str(missing))
    same_answer(client, lambda pk: f"/api/claims/{pk}/", str(hidden["draft_claim"].pk), str(missing))
    for path in ("/api/sources/{}/", "/sources/{}/cite.json", "/sources/{}/cite.bib"):
        for slug in ("xylograph-draft", "xylograph-withdrawn"):
            same_answer(client, lambda value, path=path: path.format(value), slug, "qwzjvk-nothing")
    same_answer(client, lambda slug: f"/api/entities/{slug}/", "xylograph-foundation", "qwzjvk-nothing")
    same_answer(client, lambda slug: f"/api/outlets/{slug}/", "xylograph-press", "qwzjvk-nothing")


def test_facets_name_no_hidden_entity_outlet_or_source(client, hidden):
    for path in ("/figures/", "/claims/", "/sources/"):
        assert WORD not in body(client.get(path)).lower()
    assert Entity.objects.public().filter(pk=hidden["secret"].pk).count() == 0
    assert Outlet.objects.public().filter(pk=hidden["press"].pk).count() == 0
    assert Source.objects.public().filter(slug__startswith=WORD).count() == 0


def test_a_source_page_lists_the_verdicts_it_is_evidence_for_of_public_records_only(
        client, make_source, make_figure, reviewer):
    evidence = make_source(slug="census-office", title="Census office")
    public = make_figure(source=make_source(slug="daily-report", title="Daily report"), status="unverified")
    draft = make_figure(source=make_source(slug="unpublished-dossier", title="Unpublished dossier"), status="draft")
    for figure in (public, draft):
        Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer,
                              rationale="Other counts differ.").evidence.add(evidence)

    page = client.get(evidence.get_absolute_url()).content.decode()
    assert "Evidence for the verdict" in page and "Daily report" in page
    assert "Unpublished dossier" not in page
