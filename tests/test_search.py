"""Search (`q`): the same records on PostgreSQL (full text, ranked, highlighted) and SQLite (words)."""

import pytest
from django.db import connection
from django.urls import reverse

from claims.models import EntityAlias, Figure


def listed(response, marker='data-figure-id="'):
    return {int(chunk.split('"')[0]) for chunk in response.content.decode().split(marker)[1:]}


def test_search_finds_figures_by_value_text_metric_subject_alias_attribution_and_source_title(
    client, make_figure, make_entity, make_source, make_claim, gini,
):
    almaty = make_entity("Almaty")
    EntityAlias.objects.create(entity=almaty, name="Alma-Ata")
    by_subject = make_figure(subject=almaty)
    by_metric = make_figure(metric=gini, value_text="0.332")
    by_attribution = make_figure(attributed_to=make_entity("Prosecutor General's Office"))
    titled = make_source(title="Strike in the oil fields")
    by_title = make_figure(source=titled)
    by_quote = make_figure(claim=make_claim(quote="We will restore order"))
    make_figure()  # matches none of the words below
    assert listed(client.get(reverse("claims:figure-list"), {"q": "Almaty"})) == {by_subject.pk}
    assert listed(client.get(reverse("claims:figure-list"), {"q": "Alma-Ata"})) == {by_subject.pk}
    assert listed(client.get(reverse("claims:figure-list"), {"q": "gini"})) == {by_metric.pk}
    assert listed(client.get(reverse("claims:figure-list"), {"q": "prosecutor"})) == {by_attribution.pk}
    assert listed(client.get(reverse("claims:figure-list"), {"q": "oil fields"})) == {by_title.pk}
    # Not by its claim's quote: the claim may be a draft, and /claims/ searches quotes.
    assert listed(client.get(reverse("claims:figure-list"), {"q": "restore order"})) == set()
    assert by_quote.claim.quote == "We will restore order"


def test_every_word_must_match(client, make_figure, make_entity, gini):
    kazakhstan = make_entity("Kazakhstan")
    both = make_figure(metric=gini, subject=kazakhstan, value_text="0.3")
    make_figure(metric=gini, value_text="0.3")
    assert listed(client.get(reverse("claims:figure-list"), {"q": "gini kazakhstan"})) == {both.pk}


def test_sources_are_searched_in_their_full_text_with_a_highlighted_snippet(client, make_source):
    make_source(slug="strike", title="A report", text="Police opened fire on striking oil workers in Zhanaozen.")
    make_source(slug="other", title="Unrelated page", text="Nothing about that town.")
    page = client.get(reverse("sources:list"), {"q": "Zhanaozen"}).content.decode()
    assert "A report" in page and "Unrelated page" not in page
    assert "<mark>Zhanaozen</mark>" in page


def test_claims_are_searched_by_quote_and_the_snippet_is_escaped(client, make_claim, make_source):
    source = make_source(text="He said <b>we will restore order</b> today.")
    claim = make_claim(source=source, quote="<b>we will restore order</b>")
    page = client.get(reverse("claims:claim-list"), {"q": "restore"}).content.decode()
    assert claim.get_absolute_url() in page
    assert "<b>we" not in page  # the source's text is shown, never run as HTML


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no ranking: matches keep the list's order")
def test_the_best_match_comes_first_on_postgresql(client, make_figure, make_entity, make_source):
    # Both match; the subject weighs more than the source title.
    weak = make_figure(source=make_source(title="On the Zhanaozen strike"))
    strong = make_figure(subject=make_entity("Zhanaozen strike"), source=make_source(title="A report"))
    page = client.get(reverse("claims:figure-list"), {"q": "Zhanaozen strike"}).content.decode()
    assert page.index(f'data-figure-id="{strong.pk}"') < page.index(f'data-figure-id="{weak.pk}"')


def test_renaming_a_metric_reaches_the_search(client, make_figure, death_toll):
    figure = make_figure()
    death_toll.name = "Fatalities"
    death_toll.save()
    assert listed(client.get(reverse("claims:figure-list"), {"q": "fatalities"})) == {figure.pk}
    assert Figure.objects.public().search("fatalities").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search vectors are PostgreSQL's")
def test_an_imported_figure_gets_the_search_vector_an_edit_would_give_it(reference_data):
    # The importer computes vectors for a whole chunk at once; the row trigger computes them one by one.
    import io

    from claims.imports import import_figures

    EntityAlias.objects.create(entity_id=Figure._meta.get_field("subject").related_model.objects.get(
        slug="kazakhstan").pk, name="Qazaqstan")
    text = ("source,metric,subject,period_start,value_text,attributed_to,note\n"
            "zhanaozen-report,death-toll,kazakhstan,2011,more than 70,prosecutor-general,a strikers' count\n")
    assert import_figures(io.BytesIO(text.encode()), file_name="f.csv").ok
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM claims_figure")
        bulk = cursor.fetchone()[0]
        cursor.execute("UPDATE claims_figure SET search_vector = NULL")  # the row trigger computes it again
        cursor.execute("SELECT search_vector::text FROM claims_figure")
        assert cursor.fetchone()[0] == bulk
    assert "qazaqstan" in bulk and "prosecutor" in bulk and "striker" in bulk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search vectors are PostgreSQL's")
def test_imported_figures_sharing_references_get_the_vectors_their_edits_would_give_them(reference_data):
    # The bulk insert makes each reference's part of the vector once per chunk and joins it to every row that
    # names it: rows sharing a subject or source, with and without an attribution, must each get their own vector.
    import io

    from claims.imports import import_figures

    text = ("source,metric,subject,period_start,value_text,attributed_to,note\n"
            "zhanaozen-report,death-toll,kazakhstan,2011,more than 70,prosecutor-general,a strikers' count\n"
            "zhanaozen-report,death-toll,kazakhstan,2012,16,,\n"
            "zhanaozen-report,death-toll,almaty,2011,16,kazakhstan,police said\n")
    assert import_figures(io.BytesIO(text.encode()), file_name="f.csv").ok
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text FROM claims_figure ORDER BY id")
        bulk = dict(cursor.fetchall())
        cursor.execute("UPDATE claims_figure SET search_vector = NULL")  # the row trigger computes each again
        cursor.execute("SELECT id, search_vector::text FROM claims_figure ORDER BY id")
        assert dict(cursor.fetchall()) == bulk
    assert len(bulk) == 3 and all(bulk.values())
    last = bulk[max(bulk)]  # Almaty's row: its subject's alias, not the first rows' attribution
    assert "'alma'" in last and "prosecutor" not in last
