"""The reviewers' queue: what awaits a verdict, oldest first, filterable, never a reviewer's own entries; and
"review this" — the record's anchor in its source text beside the verdict form, held to the rules of a review."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from claims.models import Figure, Review
from tests.test_admin import form_data

QUEUE = "admin:claims_review_queue"


def verdict_form(page) -> dict:
    data = form_data(page.context["adminform"].form)
    data.pop("evidence")  # none: a browser posts nothing for an empty multiple choice
    return data


def queued(client, **filters) -> list[tuple[str, int]]:
    response = client.get(reverse(QUEUE), filters)
    assert response.status_code == 200, response.content.decode()[:500]
    return [(row.kind, row.record.pk) for row, _ in response.context["rows"]]


def anchored(figure):
    figure.anchor()
    Figure.objects.filter(pk=figure.pk).update(anchor_start=figure.anchor_start, anchor_end=figure.anchor_end,
                                               anchor_prefix=figure.anchor_prefix, anchor_suffix=figure.anchor_suffix)
    return figure


def waiting_since(record, days_ago: int) -> None:
    type(record).objects.filter(pk=record.pk).update(edited_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def desk(make_figure, make_claim, make_source, curator, metrics):
    """Two sources; figures and claims waiting for different times; some not waiting at all."""
    first, second = make_source(title="Official report"), make_source(title="Activists' account")
    old = anchored(make_figure(source=first, value_text="16", created_by=curator))
    newer = anchored(make_figure(source=second, value_text="more than 70", qualifier="more_than", lower=70,
                                 created_by=curator))
    turnout = make_figure(source=second, metric=metrics["turnout"], value_text="16", created_by=curator)
    claim = make_claim(source=first, created_by=curator)
    make_figure(source=first, value_text="16", status="draft", created_by=curator)  # still being written
    make_figure(source=first, value_text="16", status="verified", created_by=curator)  # has its verdict
    for record, days in ((old, 30), (claim, 20), (newer, 10), (turnout, 5)):
        waiting_since(record, days)
    return {"old": old, "newer": newer, "turnout": turnout, "claim": claim, "first": first, "second": second}


def test_the_queue_lists_what_awaits_a_verdict_oldest_first(client, reviewer, desk):
    client.force_login(reviewer)
    assert queued(client) == [("figure", desk["old"].pk), ("claim", desk["claim"].pk),
                              ("figure", desk["newer"].pk), ("figure", desk["turnout"].pk)]


def test_the_queue_filters_by_source_metric_and_kind(client, reviewer, desk, metrics):
    client.force_login(reviewer)
    assert queued(client, source=desk["second"].pk) == [("figure", desk["newer"].pk), ("figure", desk["turnout"].pk)]
    # A claim measures nothing: a metric filter leaves figures only.
    assert queued(client, metric=metrics["death-toll"].pk) == [("figure", desk["old"].pk),
                                                                ("figure", desk["newer"].pk)]
    assert queued(client, kind="claim") == [("claim", desk["claim"].pk)]
    assert queued(client, source=desk["first"].pk, metric=metrics["turnout"].pk) == []


def test_a_bad_filter_is_said_not_ignored(client, reviewer, desk):
    client.force_login(reviewer)
    response = client.get(reverse(QUEUE), {"source": "abc", "kind": "poem", "page": "0"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "source: “abc” is not one of the choices." in page
    assert "kind: “poem” is neither figure nor claim." in page
    assert "page: the queue shows pages 1 to 100" in page
    assert client.get(reverse(QUEUE), {"source": 10**9}).status_code == 400


def test_the_queue_leaves_out_what_the_reviewer_entered_or_last_changed(client, reviewer, desk, make_figure):
    mine = make_figure(created_by=reviewer)
    Figure.objects.filter(pk=desk["newer"].pk).update(edited_by=reviewer)
    client.force_login(reviewer)
    listed = queued(client)
    assert ("figure", mine.pk) not in listed and ("figure", desk["newer"].pk) not in listed
    assert ("figure", desk["old"].pk) in listed


def test_a_review_with_its_verdict_leaves_the_queue_and_an_edit_brings_it_back(client, reviewer, desk, curator):
    client.force_login(reviewer)
    Review.objects.create(figure=desk["old"], verdict="verified", reviewer=reviewer, rationale="Matches the report.")
    assert ("figure", desk["old"].pk) not in queued(client)
    figure = Figure.objects.get(pk=desk["old"].pk)
    figure._history_user = curator
    figure.value_text, figure.value = "17", 17  # the verdict was on "16": it lapses, and the figure waits again
    figure.source.text += " Later, 17."
    figure.source.save()
    figure.save()
    assert ("figure", desk["old"].pk) in queued(client)


def test_the_queue_pages_fifty_at_a_time_with_bounded_queries(client, reviewer, make_figure, make_source,
                                                             django_assert_max_num_queries):
    source = make_source()
    figures = [make_figure(source=source) for _ in range(60)]
    client.force_login(reviewer)
    with django_assert_max_num_queries(14):
        first = queued(client)
    second = queued(client, page=2)
    assert len(first) == 50 and len(second) == 10
    assert {pk for _, pk in first + second} == {figure.pk for figure in figures}


@pytest.mark.parametrize(("role", "code"), [("reviewer", 200), ("curator", 200), ("researcher", 403),
                                            ("staff", 403), ("anonymous", 302)])
def test_who_sees_the_queue(client, desk, reviewer, researcher, curator, role, code):
    users = {"reviewer": reviewer, "researcher": researcher, "curator": curator,
             "staff": User.objects.create_user("staff", is_staff=True)}
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(reverse(QUEUE))
    assert response.status_code == code
    if role == "curator":
        # A curator sees what waits, but its own entries are not there and it has no verdict to give.
        assert "Review this" not in response.content.decode()
        assert all(row.record.created_by_id != curator.pk for row, _ in response.context["rows"])


def test_each_row_links_to_review_this_with_the_queue_to_return_to(client, reviewer, desk):
    client.force_login(reviewer)
    response = client.get(reverse(QUEUE), {"source": desk["first"].pk})
    rows = response.context["rows"]
    assert rows[0][1] == (f"{reverse('admin:claims_review_add')}?figure={desk['old'].pk}"
                          f"&_queue=source%3D{desk['first'].pk}")
    assert f'href="{rows[0][1].replace("&", "&amp;")}"' in response.content.decode()


def test_review_this_shows_the_anchor_in_context_beside_the_prefilled_form(client, reviewer, desk):
    client.force_login(reviewer)
    figure = desk["newer"]
    response = client.get(reverse("admin:claims_review_add"), {"figure": figure.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>more than 70</mark>" in page
    assert "Officials said 16 people died; activists counted " in page  # the text around it
    form = response.context["adminform"].form
    assert str(form["figure"].value()) == str(figure.pk)
    assert form["target_version"].value() == figure.version
    assert 'id="self-review"' not in page


def test_verifying_from_review_this_gives_the_verdict_and_returns_to_the_queue(client, reviewer, desk):
    client.force_login(reviewer)
    figure = desk["newer"]
    url = f"{reverse('admin:claims_review_add')}?figure={figure.pk}&_queue=source%3D{desk['second'].pk}"
    data = verdict_form(client.get(url))
    data.update(verdict="verified", rationale="The activists' list names 73 people.")
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(QUEUE)}?source={desk['second'].pk}"
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("verified", "verified")
    assert ("figure", figure.pk) not in queued(client)


def test_review_this_refuses_a_reviewers_own_entry_and_says_so_before_they_try(client, reviewer, make_figure):
    figure = make_figure(created_by=reviewer)
    client.force_login(reviewer)
    url = f"{reverse('admin:claims_review_add')}?figure={figure.pk}"
    page = client.get(url)
    assert 'id="self-review"' in page.content.decode()
    data = verdict_form(page)
    data.update(verdict="verified", rationale="mine")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "a different reviewer must give the verdict" in response.content.decode()
    assert not Review.objects.exists()


def test_a_curator_may_see_review_this_refused(client, curator, desk):
    client.force_login(curator)
    assert client.get(reverse("admin:claims_review_add"), {"figure": desk["old"].pk}).status_code == 403


def test_a_figure_changed_while_it_was_being_reviewed_is_not_verified_unseen(client, reviewer, desk, curator):
    client.force_login(reviewer)
    figure = desk["newer"]
    url = f"{reverse('admin:claims_review_add')}?figure={figure.pk}"
    data = verdict_form(client.get(url))
    changed = Figure.objects.get(pk=figure.pk)
    changed._history_user = curator
    changed.note = "Counted again."
    changed.save()
    data.update(verdict="verified", rationale="Looks right.")
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this figure while you were editing it" in page
    assert "Counted again." in page
    assert not Review.objects.exists()
    # Having read what changed, saving again is deliberate and goes through.
    data["target_version"] = response.context["adminform"].form.data["target_version"]
    assert client.post(url, data).status_code == 302
    assert Review.objects.get().figure_id == figure.pk


def test_the_public_page_offers_review_this_to_reviewers_only(client, reviewer, curator, researcher, desk):
    figure, claim = desk["newer"], desk["claim"]
    for record in (figure, claim):
        anonymous = client.get(record.get_absolute_url())
        assert "Review this" not in anonymous.content.decode()
        assert "private" not in anonymous.get("Cache-Control", "")
    for user in (curator, researcher):
        client.force_login(user)
        assert "Review this" not in client.get(figure.get_absolute_url()).content.decode()
    client.force_login(reviewer)
    for record in (figure, claim):
        response = client.get(record.get_absolute_url())
        link = f"{reverse('admin:claims_review_add')}?{record.kind}={record.pk}"
        assert f'<a href="{link}">Review this</a>' in response.content.decode()
        assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]


def test_someone_both_curator_and_reviewer_sees_the_others_entries_only(client, curator, desk, make_figure,
                                                                        other_curator):
    curator.groups.add(Group.objects.get(name="Reviewer"))
    theirs = make_figure(created_by=other_curator)
    client.force_login(curator)
    assert queued(client) == [("figure", theirs.pk)]  # everything else in the desk is the curator's own
