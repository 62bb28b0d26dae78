"""The suggestions page of a source in the admin: accept one, accept the checked ones, correct then accept,
reject (remembered), a new figure from a selection; who may; and two curators accepting at once."""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Entity, Figure, RejectedSuggestion
from claims.suggestions import CHANGE_REASON
from sources.models import Source

TEXT = ("In December 2011 police opened fire on striking oil workers in Zhanaozen. Officials said 16 people died; "
        "activists counted more than 70 dead. Nazarbayev said: “We will restore order in the town.”")


@pytest.fixture
def source(db, metrics):
    Entity.objects.create(slug="zhanaozen", name="Zhanaozen", kind="place")
    Entity.objects.create(slug="nazarbayev", name="Nazarbayev", kind="person")
    return Source.objects.create(slug="report", title="Report", text=TEXT, published_on="2011-12-20",
                                 published_precision="day")


def url(source, **query):
    address = reverse("admin:sources_source_suggestions", args=[source.pk])
    return address + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def page_data(response) -> dict:
    """What the browser posts for the page as shown."""
    data = {"form_count": response.context["form_count"], "accept_as": "unverified"}
    for form in response.context["forms"]:
        for name in form.fields:
            value = form[name].value()
            if name == "checked":
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else value
    return data


def prefix_of(response, span: str) -> str:
    return next(form.prefix for form in response.context["forms"] if form["span"].value() == span)


def test_the_page_offers_the_numbers_and_the_quote_prefilled(client, curator, source):
    client.force_login(curator)
    response = client.get(url(source))
    assert response.status_code == 200
    spans = [form["span"].value() for form in response.context["forms"]]
    assert "16" in spans and "more than 70" in spans and "We will restore order in the town." in spans
    form = response.context["forms"][spans.index("more than 70")]
    assert form["metric"].value() == source.figures.model._meta.get_field("metric").related_model.objects.get(
        slug="death-toll").pk
    assert form["period"].value() == "2011"
    assert b'class="sg-figure" data-for=' in response.content  # the number is highlighted in the text


def test_accepting_one_makes_an_anchored_figure_with_history_and_it_is_not_offered_again(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    data = page_data(page)
    prefix = prefix_of(page, "more than 70")
    response = client.post(url(source), {**data, "accept": prefix})
    assert response.status_code == 302
    figure = Figure.objects.get()
    assert (figure.value_text, figure.qualifier, figure.lower, figure.metric.slug, figure.subject.slug) == (
        "more than 70", "more_than", Decimal(70), "death-toll", "zhanaozen")
    assert TEXT[figure.anchor_start:figure.anchor_end] == "more than 70"
    assert (figure.status, figure.created_by) == ("unverified", curator)
    record = figure.history.get()
    assert (record.history_change_reason, record.history_user) == (CHANGE_REASON, curator)
    spans = [form["span"].value() for form in client.get(url(source)).context["forms"]]
    assert "more than 70" not in spans and "16" in spans


def test_a_corrected_suggestion_is_accepted_as_corrected(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    prefix = prefix_of(page, "16")
    data = {**page_data(page), f"{prefix}-qualifier": "approximate", f"{prefix}-period": "Dec 2011",
            "accept": prefix}
    assert client.post(url(source), data).status_code == 302
    figure = Figure.objects.get()
    assert (figure.qualifier, figure.value, figure.period_precision) == ("approximate", Decimal(16), "month")
    assert (str(figure.period_start), str(figure.period_end)) == ("2011-12-01", "2011-12-31")


def test_a_correction_the_rules_refuse_is_an_error_on_the_form_and_nothing_is_saved(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    prefix = prefix_of(page, "16")
    data = {**page_data(page), f"{prefix}-value_text": "17", "accept": prefix}
    response = client.post(url(source), data)
    assert response.status_code == 200
    form = next(form for form in response.context["forms"] if form.prefix == prefix)
    assert "does not occur in the text" in str(form.errors["value_text"])
    assert form["value_text"].value() == "17"  # the curator's correction is kept to fix
    assert not Figure.objects.exists()


def test_without_a_metric_the_curator_is_asked_to_pick_one(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    prefix = prefix_of(page, "16")
    data = {**page_data(page), f"{prefix}-metric": "", f"{prefix}-period": "", "accept": prefix}
    response = client.post(url(source), data)
    form = next(form for form in response.context["forms"] if form.prefix == prefix)
    assert "Pick the metric" in str(form.errors["metric"])
    assert "Give the period" in str(form.errors["period"])
    assert not Figure.objects.exists()


def test_accept_all_checked_is_all_or_nothing(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    data = page_data(page)
    first, second = prefix_of(page, "16"), prefix_of(page, "more than 70")
    data.update({f"{first}-checked": "on", f"{second}-checked": "on", f"{second}-metric": "",
                 "accept_checked": "1"})
    response = client.post(url(source), data)
    assert response.status_code == 200
    assert "Nothing was accepted" in response.content.decode()
    assert not Figure.objects.exists()
    data[f"{second}-metric"] = data[f"{first}-metric"]
    assert client.post(url(source), data).status_code == 302
    assert sorted(Figure.objects.values_list("value_text", flat=True)) == ["16", "more than 70"]


def test_a_quote_is_accepted_as_an_anchored_claim_with_its_speaker(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    prefix = prefix_of(page, "We will restore order in the town.")
    assert client.post(url(source), {**page_data(page), "accept": prefix}).status_code == 302
    claim = Claim.objects.get()
    assert (claim.quote, claim.speaker.slug) == ("We will restore order in the town.", "nazarbayev")
    assert TEXT[claim.anchor_start:claim.anchor_end] == claim.quote
    assert claim.history.get().history_change_reason == CHANGE_REASON


def test_a_rejected_suggestion_is_remembered_and_not_offered_again(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source))
    prefix = prefix_of(page, "16")
    assert client.post(url(source), {**page_data(page), "reject": prefix}).status_code == 302
    rejection = RejectedSuggestion.objects.get()
    assert (rejection.kind, rejection.text, rejection.rejected_by) == ("figure", "16", curator)
    spans = [form["span"].value() for form in client.get(url(source)).context["forms"]]
    assert "16" not in spans and "more than 70" in spans
    assert not Figure.objects.exists()


def test_a_new_figure_from_a_selection_is_prefilled_and_anchored_there(client, curator, source):
    client.force_login(curator)
    start = TEXT.index("16 people")
    page = client.get(url(source, select=f"{start}-{start + len('16 people')}", kind="figure"))
    new = page.context["forms"][0]
    assert (new.prefix, new["value_text"].value(), new["reading"].value()) == ("new", "16 people", "16")
    data = {**page_data(page), "new-value_text": "16", "accept": "new"}
    assert client.post(url(source), data).status_code == 302
    figure = Figure.objects.get()
    assert (figure.value_text, figure.anchor_start) == ("16", start)


def test_a_selection_past_the_end_stops_at_the_end_and_a_backwards_one_offers_nothing(client, curator, source):
    client.force_login(curator)
    page = client.get(url(source, select="5-999999", kind="figure"))
    assert page.context["forms"][0].prefix == "new"
    assert page.context["forms"][0]["span"].value() == TEXT[5:]
    for query in ({"select": "50-40"}, {"select": "x-y"}, {"select": "1-3", "kind": "claim"}):
        page = client.get(url(source, **query))
        assert page.status_code == 200 and page.context["forms"][0].prefix != "new"


def test_a_reviewer_reads_the_suggestions_but_may_not_accept_or_reject(client, reviewer, source):
    client.force_login(reviewer)
    page = client.get(url(source))
    assert page.status_code == 200
    assert b'name="accept"' not in page.content
    data = page_data(page)
    prefix = prefix_of(page, "16")
    assert client.post(url(source), {**data, "accept": prefix}).status_code == 403
    assert client.post(url(source), {**data, "reject": prefix}).status_code == 403
    assert not Figure.objects.exists() and not RejectedSuggestion.objects.exists()


def test_staff_without_a_group_may_not_see_the_page(client, source):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert client.get(url(source)).status_code == 403


def test_a_suggestion_another_curator_accepted_meanwhile_is_a_clear_message(client, curator, other_curator,
                                                                           source):
    client.force_login(curator)
    page = client.get(url(source))
    data = {**page_data(page), "accept": prefix_of(page, "more than 70")}
    other = Client()
    other.force_login(other_curator)
    assert other.post(url(source), data).status_code == 302
    response = client.post(url(source), data)
    assert response.status_code == 200
    assert "Already accepted by other-curator" in response.content.decode()
    assert Figure.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite writes one at a time)")
def test_two_curators_accepting_the_same_suggestion_at_once_make_one_figure(curator, other_curator, source):
    first = Client()
    first.force_login(curator)
    page = first.get(url(source))
    data = {**page_data(page), "accept": prefix_of(page, "more than 70")}
    second = Client()
    second.force_login(other_curator)
    codes = []
    barrier = threading.Barrier(2)

    def accept(browser):
        barrier.wait()
        codes.append(browser.post(url(source), data).status_code)
        connection.close()

    threads = [threading.Thread(target=accept, args=(browser,)) for browser in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 302]
    assert Figure.objects.count() == 1
