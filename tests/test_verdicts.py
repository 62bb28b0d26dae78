"""A verdict means four eyes: it comes only from a review by someone who did not write what is reviewed,
on every path that writes — change forms, inlines, actions, history revert, imports — superusers included."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from claims.imports import import_claims, import_figures
from claims.models import Figure, Review
from tests.test_admin import form_data, page_data


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("boss", password="pw-for-tests-only")


def change_form(client, figure):
    url = reverse("admin:claims_figure_change", args=[figure.pk])
    return url, form_data(client.get(url).context["adminform"].form)


def review(figure, reviewer, verdict="verified"):
    item = Review(figure=figure, verdict=verdict, reviewer=reviewer, rationale="checked against the report")
    item.full_clean()
    item.save()
    figure.refresh_from_db()
    return item


@pytest.mark.parametrize("who", ["curator", "superuser"])
def test_nobody_gives_a_verdict_in_the_change_form(client, make_figure, curator, superuser, who):
    figure = make_figure(created_by=curator, status="unverified")
    client.force_login(curator if who == "curator" else superuser)
    url, data = change_form(client, figure)
    data["status"] = "verified"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["status"])
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("unverified", "")


def test_the_status_choices_offer_only_draft_withdrawn_and_the_earned_public_status(client, make_figure, curator,
                                                                                    reviewer):
    figure = make_figure(status="unverified")
    review(figure, reviewer, "disputed")
    client.force_login(curator)
    _, data = change_form(client, figure)
    choices = dict(client.get(reverse("admin:claims_figure_change", args=[figure.pk]))
                   .context["adminform"].form.fields["status"].choices)
    assert set(choices) == {"draft", "disputed", "withdrawn"}
    assert data["status"] == "disputed"


def test_a_figure_inline_on_the_source_page_cannot_give_a_verdict(client, make_figure, curator):
    figure = make_figure(status="unverified")
    client.force_login(curator)
    url = reverse("admin:sources_source_change", args=[figure.source.pk])
    data = page_data(client.get(url))
    data["figures-0-status"] = "verified"
    response = client.post(url, data)
    assert response.status_code == 200
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("unverified", "")


def test_withdrawing_and_publishing_again_keeps_the_reviewers_verdict(client, make_figure, curator, reviewer):
    figure = make_figure(status="unverified")
    review(figure, reviewer)
    client.force_login(curator)
    changelist = reverse("admin:claims_figure_changelist")
    client.post(changelist, {"action": "withdraw", "_selected_action": [figure.pk]})
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("withdrawn", "verified")
    client.post(changelist, {"action": "publish", "_selected_action": [figure.pk]})
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("verified", "verified")


def test_a_read_only_user_cannot_revert_through_the_history_page(client, make_figure, researcher, curator):
    figure = make_figure(status="draft", value_text="16")
    figure.note = "first note"
    figure.save()
    original = figure.history.earliest()
    url = reverse("admin:claims_figure_simple_history", args=[figure.pk, original.history_id])
    client.force_login(researcher)
    assert client.get(url).status_code == 200  # reading an old version is allowed
    response = client.post(url, {"status": "verified", "value_text": "99", "note": ""})
    assert response.status_code == 403
    figure.refresh_from_db()
    assert (figure.status, figure.value_text, figure.note) == ("draft", "16", "first note")


def test_a_revert_cannot_bring_back_a_verdict_that_an_edit_lapsed(client, make_figure, curator, reviewer):
    figure = make_figure(status="unverified", value_text="16")
    review(figure, reviewer)
    verified = figure.history.latest()  # the version that shows "verified"
    client.force_login(curator)
    url, data = change_form(client, figure)
    data.update(value_text="more than 70", value="", lower="", upper="", qualifier="more_than")
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("unverified", ""), "the verdict was on the old number"

    revert = reverse("admin:claims_figure_simple_history", args=[figure.pk, verified.history_id])
    data = form_data(client.get(revert).context["adminform"].form)
    data["status"] = "verified"
    response = client.post(revert, data)
    assert response.status_code == 200
    figure.refresh_from_db()
    assert (figure.status, figure.verdict, figure.value_text) == ("unverified", "", "more than 70")


def test_a_curator_cannot_rewrite_another_reviewers_verdict_by_reverting_it(client, make_figure, reviewer, curator):
    verdict = review(make_figure(), reviewer, "verified")
    verdict.rationale = "checked twice"
    verdict.save()
    url = reverse("admin:claims_review_simple_history", args=[verdict.pk, verdict.history.earliest().history_id])
    client.force_login(curator)
    assert client.post(url, {"verdict": "false", "rationale": "rewritten"}).status_code == 403
    verdict.refresh_from_db()
    assert (verdict.verdict, verdict.rationale) == ("verified", "checked twice")


def test_not_even_a_superuser_rewrites_another_reviewers_verdict(client, make_figure, reviewer, superuser):
    verdict = review(make_figure(), reviewer, "verified")
    client.force_login(superuser)
    url = reverse("admin:claims_review_change", args=[verdict.pk])
    assert client.post(url, {"verdict": "false", "rationale": "mine now"}).status_code == 403
    verdict.refresh_from_db()
    assert verdict.verdict == "verified"


@pytest.mark.parametrize("author", ["created_by", "edited_by"])
def test_nobody_reviews_what_they_entered_or_last_changed_superusers_included(make_figure, superuser, curator,
                                                                             author):
    figure = make_figure(**{"created_by": curator if author == "edited_by" else superuser})
    if author == "edited_by":
        figure._history_user = superuser
        figure.value_text, figure.value = "more than 70", None
        figure.lower, figure.qualifier = 70, "more_than"
        figure.save()
        assert figure.edited_by == superuser
    own = Review(figure=figure, verdict="verified", reviewer=superuser, rationale="fine")
    with pytest.raises(ValidationError, match="a different reviewer must give the verdict"):
        own.full_clean()


def test_an_edit_to_what_a_figure_says_lapses_its_verdict_and_history_says_why(make_figure, reviewer):
    figure = make_figure(status="unverified", value_text="16")
    review(figure, reviewer)
    figure.note = "a note is not what it says"
    figure.save()
    assert figure.verdict == "verified"
    figure.value_text = "more than 70"
    figure.value, figure.lower, figure.qualifier = None, 70, "more_than"
    figure.save()
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("unverified", "")
    assert "awaits a new review" in figure.history.latest().history_change_reason


def test_a_deleted_review_takes_its_verdict_with_it(make_figure, reviewer):
    figure = make_figure(status="unverified")
    first = review(figure, reviewer, "disputed")
    second = review(figure, reviewer, "verified")
    second.delete()
    figure.refresh_from_db()
    assert figure.status == "disputed"
    first.delete()
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("unverified", "")


def test_the_database_refuses_a_verdict_no_review_gave(make_figure):
    figure = make_figure(status="unverified")
    with pytest.raises(IntegrityError), transaction.atomic():
        Figure.objects.filter(pk=figure.pk).update(status="verified")


def test_a_review_keeps_its_target(client, make_figure, reviewer):
    verdict = review(make_figure(), reviewer)
    other = make_figure()
    client.force_login(reviewer)
    url = reverse("admin:claims_review_change", args=[verdict.pk])
    client.post(url, {"figure": other.pk, "verdict": "verified", "rationale": "moved"})
    verdict.refresh_from_db()
    assert verdict.figure_id != other.pk


FIGURES = "source,metric,subject,period_start,value_text,status\n"


def test_an_import_cannot_give_a_verdict_to_a_new_or_an_existing_figure(reference_data, reviewer):
    new = import_figures(io.BytesIO((FIGURES + "zhanaozen-report,death-toll,kazakhstan,2011,16,false\n").encode()),
                         file_name="f.csv")
    assert "“false” is a reviewer's verdict" in str(new.errors[0])
    assert import_figures(io.BytesIO((FIGURES + "zhanaozen-report,death-toll,kazakhstan,2011,16,unverified\n")
                                     .encode()), file_name="f.csv").ok
    figure = Figure.objects.get()
    review(figure, reviewer, "disputed")
    again = import_figures(io.BytesIO((FIGURES + "zhanaozen-report,death-toll,kazakhstan,2011,16,verified\n")
                                      .encode()), file_name="f.csv")
    assert "“verified” is a reviewer's verdict" in str(again.errors[0])
    back = import_figures(io.BytesIO((FIGURES + "zhanaozen-report,death-toll,kazakhstan,2011,16,unverified\n")
                                     .encode()), file_name="f.csv")
    assert "has the verdict “disputed” from a review" in str(back.errors[0])
    kept = import_figures(io.BytesIO((FIGURES + "zhanaozen-report,death-toll,kazakhstan,2011,16,disputed\n")
                                     .encode()), file_name="f.csv")
    assert kept.ok and kept.unchanged == 1  # an exported file carries the verdict it has: that is no change
    figure.refresh_from_db()
    assert (figure.status, figure.verdict) == ("disputed", "disputed")


@pytest.mark.parametrize("verdict", ["verified", "false", "misleading"])
def test_the_claim_import_refuses_verdicts(reference_data, verdict):
    text = f"source,quote,status\nzhanaozen-report,Officials said 16 died,{verdict}\n"
    report = import_claims(io.BytesIO(text.encode()), file_name="claims.csv")
    assert not report.ok and f"“{verdict}” is a reviewer's verdict" in str(report.errors[0])


def test_a_figure_read_in_part_is_saved_with_its_rules(make_figure, reviewer):
    # A list reads few fields; a record read that way still lapses its verdict when what it says changes.
    figure = make_figure(status="unverified", value_text="16")
    review(figure, reviewer)
    partial = Figure.objects.only("id", "value_text", "value", "version", "verdict", "status", "edited_at").get()
    partial.value_text, partial.value = "17", 17
    partial.found_in = "table"
    partial.save()
    figure.refresh_from_db()
    assert (figure.value_text, figure.verdict, figure.status) == ("17", "", "unverified")
