"""Readers' pages come from a shared cache, and a change shows at once.

Pages are kept under the public data's generation, which every write replaces (factbase.public_cache): an edit in
the admin, an import, its undo, a bulk publish. Only anonymous readers get the kept copy, and only pages rendered
for one are kept.
"""

import io
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse

from claims.imports import import_figures
from claims.imports.undo import undo_import
from factbase import public_cache

FIGURES = "/figures/"


def text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_readers_second_visit_is_served_without_a_query(client, make_figure, django_assert_num_queries):
    make_figure()
    first = client.get(FIGURES)
    with django_assert_num_queries(0):
        again = client.get(FIGURES)
    assert again.content == first.content
    assert "Cookie" in again["Vary"]  # no cache downstream may hand it to a logged-in curator
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]  # middleware still runs


def test_the_api_is_kept_for_readers_too_and_still_refuses_what_it_cannot_send(client, make_figure,
                                                                               django_assert_num_queries):
    make_figure()
    first = client.get("/api/figures/")
    with django_assert_num_queries(0):
        assert client.get("/api/figures/").json() == first.json()
    assert client.get("/api/figures/", HTTP_ACCEPT="text/csv").status_code == 406


def test_the_same_filters_in_another_order_are_the_same_page(client, make_figure, django_assert_num_queries):
    make_figure()
    client.get(FIGURES, {"status": "unverified", "metric": "death-toll"})
    with django_assert_num_queries(0):
        assert client.get(f"{FIGURES}?metric=death-toll&status=unverified").status_code == 200


def test_an_edit_a_curator_saves_in_the_admin_shows_at_once(client, curator, make_figure):
    figure = make_figure(value_text="16", value=Decimal(16))
    pages = [FIGURES, f"/sources/{figure.source.slug}/", figure.get_absolute_url()]
    for url in pages:
        assert ">16<" in text(client, url) and ">17<" not in text(client, url)
    admin = logged_in(curator)
    assert ">16<" in text(admin, pages[1])  # the source page's data is kept for anyone, its page made for each
    change_url = reverse("admin:claims_figure_change", args=[figure.pk])
    form = admin.get(change_url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields
            if not isinstance(form[name].value(), list | tuple)}
    data.update(value_text="17", value="17", found_in="table", status="unverified", period_start="2011-01-01",
                period_end="2011-12-31")
    response = admin.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    for url in pages:
        assert ">17<" in text(client, url) and ">16<" not in text(client, url), url
    assert ">17<" in text(admin, pages[1])


def test_an_import_shows_at_once_and_its_undo_takes_it_away(client, reference_data, curator):
    assert "Kazakhstan" not in text(client, FIGURES)
    csv = ("source,metric,subject,period_start,period_end,value_text,value,lower,upper,qualifier,unit,status,note\n"
           "zhanaozen-report,death-toll,kazakhstan,2011,,16,,,,,,,\n")
    report = import_figures(io.BytesIO(csv.encode()), file_name="figures.csv", user=curator,
                            publish=True)
    assert report.ok, report.errors
    assert "Kazakhstan" in text(client, FIGURES)
    undo_import(report.batch, curator)
    assert "Kazakhstan" not in text(client, FIGURES)


def test_a_draft_never_appears_and_shows_at_once_when_published_in_bulk(client, curator, make_figure, make_entity):
    assert "Striking oil workers" not in text(client, FIGURES)
    draft = make_figure(status="draft", subject=make_entity("Striking oil workers"))
    assert "Striking oil workers" not in text(client, FIGURES)  # the page was made again, without the draft
    logged_in(curator).post(reverse("admin:claims_figure_changelist"),
                            {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [draft.pk]})
    assert "Striking oil workers" in text(client, FIGURES)


def test_a_reviewer_never_gets_the_readers_copy_nor_a_reader_the_reviewers(client, reviewer, make_figure):
    url = make_figure().get_absolute_url()
    staff = logged_in(reviewer)
    assert "Review this" in text(staff, url)  # rendered for the reviewer first: not kept for readers
    assert "Review this" not in text(client, url)
    assert "Review this" in text(staff, url)  # the reader's copy, now kept, is not served to the reviewer


def test_a_reader_with_messages_waiting_gets_a_fresh_page(client, make_figure, django_assert_max_num_queries):
    make_figure()
    client.get(FIGURES)
    client.cookies["messages"] = "something to show once"
    with django_assert_max_num_queries(100) as rendered:
        client.get(FIGURES)
    assert len(rendered.captured_queries) > 0


def test_an_error_page_is_not_kept(client, make_figure, django_assert_max_num_queries):
    make_figure()
    assert client.get(FIGURES, {"period_after": "0000-0001"}).status_code == 400
    with django_assert_max_num_queries(100) as rendered:
        assert client.get(FIGURES, {"period_after": "0000-0001"}).status_code == 400
    assert len(rendered.captured_queries) > 0


def _response(**headers) -> HttpResponse:
    return HttpResponse("page", headers=headers)


@pytest.mark.parametrize("case", ["cookie", "csrf token", "not found", "download", "private"])
def test_no_response_meant_for_one_client_is_kept(case, db):
    request = RequestFactory().get(FIGURES)
    response = _response()
    if case == "cookie":
        response.set_cookie("seen", "1")
    elif case == "csrf token":
        get_token(request)  # the page holds this client's token
    elif case == "not found":
        response.status_code = 404
    elif case == "download":
        response["Content-Disposition"] = 'attachment; filename="figures.csv"'
    else:
        response["Cache-Control"] = "private"
    assert not public_cache.storable(request, response)
    assert public_cache.storable(RequestFactory().get(FIGURES), _response())


def test_a_transaction_replaces_the_generation_now_and_once_more_when_it_commits(
        make_source, django_capture_on_commit_callbacks):
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_source()
        during = public_cache.generation()
        make_source()
    assert before != during != public_cache.generation()
    assert len(callbacks) == 1  # one more for the whole transaction, however many records it wrote


def test_with_the_database_cache_the_generation_changes_once_the_transaction_commits(
        settings, make_source, django_capture_on_commit_callbacks):
    """The database cache is written in the writer's transaction: a bump inside it would lock the generation's row
    against every other writer until the commit, and show no one else anything."""
    from django.core.management import call_command

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_cache"},
                       "public": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                  "LOCATION": "test_public_cache"}}
    call_command("createcachetable", verbosity=0)
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_source()
        make_source()
        assert public_cache.generation() == before
    assert len(callbacks) == 1 and public_cache.generation() != before


def test_comparisons_are_still_deleted_in_one_statement(make_figure, make_source, make_entity):
    """The readers' cache listens to the public models one by one: a receiver for every model would make Django
    read and delete the rows of each (comparisons are rewritten in bulk by every import) one at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.models import Comparison

    subject = make_entity()
    make_figure(subject=subject, value_text="16")
    make_figure(subject=subject, value_text="70", source=make_source())
    assert Comparison.objects.exists()
    with CaptureQueriesContext(connection) as deleting:
        Comparison.objects.all().delete()
    assert len(deleting) == 1


@pytest.mark.parametrize("backend", ["locmem", "db"])
def test_a_reader_who_fills_the_page_cache_does_not_evict_their_download_count(client, settings, make_figure, backend):
    """Every search is a new URL, so anyone can fill the readers' cache; a full cache evicts entries. The download
    counts live in another cache: a client who has spent their budget and then asks for hundreds of new pages is
    still refused the next download."""
    from django.core.management import call_command

    kind = {"locmem": "locmem.LocMemCache", "db": "db.DatabaseCache"}[backend]
    settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{kind}", "LOCATION": "flood_counts",
                                   "OPTIONS": {"MAX_ENTRIES": 50}},
                       "public": {"BACKEND": f"django.core.cache.backends.{kind}", "LOCATION": "flood_pages",
                                  "OPTIONS": {"MAX_ENTRIES": 50}}}
    if backend == "db":
        call_command("createcachetable", verbosity=0)
    settings.EXPORT_RATE_LIMIT = 2
    make_figure()
    for _ in range(2):
        assert client.get(FIGURES, {"format": "csv"}).status_code == 200
    for n in range(120):  # more than twice what either cache holds
        assert client.get("/sources/", {"q": f"flood {n}"}).status_code == 200
    assert client.get(FIGURES, {"format": "csv"}).status_code == 429
