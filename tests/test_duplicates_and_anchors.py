"""Duplicates and unanchored numbers are said out loud: an identical figure is refused with a link to the one
that exists, and a number that is not in its source's text is saved only when the curator says where it is."""

from django.urls import reverse

from claims.models import Figure
from tests.test_admin import form_data


def add_form(client, **values):
    data = form_data(client.get(reverse("admin:claims_figure_add")).context["adminform"].form)
    data.update({"period": "2011",
                 "status": "draft", "qualifier": "exact", "rank": "normal", "origin_role": "unknown",
                 "found_in": "text", **values})
    return client.post(reverse("admin:claims_figure_add"), data)


def test_an_identical_figure_is_refused_with_a_link_to_the_existing_one(client, curator, make_figure):
    existing = make_figure(value_text="16")
    client.force_login(curator)
    response = add_form(client, source=existing.source.pk, metric=existing.metric.pk, subject=existing.subject.pk,
                        value_text="16")
    assert response.status_code == 200
    page = response.content.decode()
    assert "identical to" in page
    assert f'href="{reverse("admin:claims_figure_change", args=[existing.pk])}"' in page
    assert Figure.objects.count() == 1


def test_the_same_number_with_another_definition_is_not_a_duplicate(client, curator, make_figure):
    existing = make_figure(value_text="16")
    client.force_login(curator)
    response = add_form(client, source=existing.source.pk, metric=existing.metric.pk, subject=existing.subject.pk,
                        value_text="16", dimensions="Area = Urban")
    assert response.status_code == 302
    assert Figure.objects.latest("pk").dimensions == "area=urban"


def test_a_number_not_in_the_text_needs_to_say_where_it_comes_from(client, curator, make_source, make_entity,
                                                                   death_toll):
    source, subject = make_source(), make_entity()
    client.force_login(curator)
    refused = add_form(client, source=source.pk, metric=death_toll.pk, subject=subject.pk, value_text="1,234")
    assert refused.status_code == 200
    assert "does not occur in the text of" in refused.content.decode()
    saved = add_form(client, source=source.pk, metric=death_toll.pk, subject=subject.pk, value_text="1,234",
                     found_in="table")
    assert saved.status_code == 302
    figure = Figure.objects.get()
    assert (figure.found_in, figure.anchor_start, figure.value) == ("table", None, 1234)


def test_figures_from_tables_charts_or_data_can_be_listed_apart(client, curator, make_figure):
    in_text = make_figure(value_text="16")
    from_table = make_figure(value_text="more than 70", value=None, lower=70, qualifier="more_than",
                             found_in="table")
    client.force_login(curator)
    listed = client.get(reverse("admin:claims_figure_changelist"), {"found_in__exact": "table"})
    assert [f.pk for f in listed.context["cl"].result_list] == [from_table.pk]
    public = client.get(reverse("claims:figure-list"), {"found_in": "table"}).content.decode()
    assert f'data-figure-id="{from_table.pk}"' in public and f'data-figure-id="{in_text.pk}"' not in public
