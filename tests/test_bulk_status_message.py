"""The bulk publish and withdraw actions say truthfully what they did, in plain English."""

from django.contrib.admin import helpers
from django.urls import reverse


def run_action(client, action, figures, query=""):
    url = reverse("admin:claims_figure_changelist") + query
    response = client.post(url, {"action": action, helpers.ACTION_CHECKBOX_NAME: [f.pk for f in figures]},
                           follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_publishing_one_draft_from_the_drafts_list_says_one_figure_and_nothing_left_alone(
        client, curator, make_figure):
    client.force_login(curator)
    draft = make_figure(status="draft")
    # Filtered to drafts, as a curator publishing drafts would be: once published, the figure no longer
    # matches the filter, which is how "-1 left alone" came about.
    messages = run_action(client, "publish", [draft], query="?status__exact=draft")
    assert messages == ["Published 1 figure."]
    draft.refresh_from_db()
    assert draft.status == "unverified"


def test_a_figure_that_cannot_be_published_is_counted_as_left_alone(client, curator, reviewer, make_figure):
    client.force_login(curator)
    drafts = [make_figure(status="draft"), make_figure(status="draft")]
    verified = make_figure(status="verified")
    messages = run_action(client, "publish", [*drafts, verified])
    assert messages == ["Published 2 figures. 1 was left alone: it already had that status."]
    verified.refresh_from_db()
    assert verified.status == "verified"


def test_withdrawing_from_a_status_filtered_list_counts_what_was_selected(client, curator, make_figure):
    client.force_login(curator)
    figures = [make_figure(status="unverified") for _ in range(3)]
    messages = run_action(client, "withdraw", figures, query="?status__exact=unverified")
    assert messages == ["Withdrew 3 figures."]
