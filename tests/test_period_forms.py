"""A figure's period typed as people write it, in one box, wherever the admin edits figures; shown back the same way."""

from datetime import date

import pytest
from django.urls import reverse

from claims.models import Figure
from claims.parsing import parse_period
from factbase.dates import display_period
from tests.test_admin import form_data, page_data


def add_figure(client, period: str, source, subject, metric):
    data = form_data(client.get(reverse("admin:claims_figure_add")).context["adminform"].form)
    data.update({"source": source.pk, "metric": metric.pk, "subject": subject.pk, "value_text": "16",
                 "period": period, "status": "draft", "qualifier": "exact", "rank": "normal",
                 "origin_role": "unknown", "found_in": "text"})
    return client.post(reverse("admin:claims_figure_add"), data)


@pytest.mark.parametrize(("typed", "start", "end", "precision"), [
    ("2011", date(2011, 1, 1), date(2011, 12, 31), "year"),
    ("Dec 2011", date(2011, 12, 1), date(2011, 12, 31), "month"),
    ("December 2011", date(2011, 12, 1), date(2011, 12, 31), "month"),
    ("2021–2022", date(2021, 1, 1), date(2022, 12, 31), "year"),
    ("2021-2022", date(2021, 1, 1), date(2022, 12, 31), "year"),
    ("Q3 2020", date(2020, 7, 1), date(2020, 9, 30), "month"),
    ("16 December 2011", date(2011, 12, 16), date(2011, 12, 16), "day"),
    ("2011-12-16", date(2011, 12, 16), date(2011, 12, 16), "day"),
    ("16 декабря 2011 г.", date(2011, 12, 16), date(2011, 12, 16), "day"),
    ("декабрь 2011", date(2011, 12, 1), date(2011, 12, 31), "month"),
    ("Dec 2011 – Mar 2012", date(2011, 12, 1), date(2012, 3, 31), "month"),
])
def test_a_period_typed_as_people_write_it_is_saved_with_its_precision(
    client, curator, make_source, make_entity, death_toll, typed, start, end, precision,
):
    client.force_login(curator)
    response = add_figure(client, typed, make_source(), make_entity(), death_toll)
    assert response.status_code == 302, response.context["adminform"].form.errors
    figure = Figure.objects.get()
    assert (figure.period_start, figure.period_end, figure.period_precision) == (start, end, precision)


@pytest.mark.parametrize(("typed", "message"), [
    ("sometime in 2011", "is not a date or period (expected e.g. 2011, Dec 2011, 16 December 2011"),
    ("2011-02-30", "February 2011 has no day 30 (it has 28 days)"),
    ("2022–2021", "the period runs backwards"),
    ("Q5 2020", "Q3 2020, 2021–2022"),
    ("", "This field is required."),
])
def test_a_bad_period_is_a_form_error_that_says_what_is_accepted(
    client, curator, make_source, make_entity, death_toll, typed, message,
):
    client.force_login(curator)
    response = add_figure(client, typed, make_source(), make_entity(), death_toll)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["period"])
    assert not Figure.objects.exists()


@pytest.mark.parametrize(("start", "end", "precision", "shown"), [
    (date(2011, 1, 1), date(2011, 12, 31), "year", "2011"),
    (date(2011, 12, 1), date(2011, 12, 31), "month", "December 2011"),
    (date(2011, 12, 16), date(2011, 12, 16), "day", "16 December 2011"),
    (date(2021, 1, 1), date(2022, 12, 31), "year", "2021–2022"),
    (date(2020, 7, 1), date(2020, 9, 30), "month", "July–September 2020"),
    (date(2011, 12, 16), date(2011, 12, 17), "day", "16–17 December 2011"),
    (date(2011, 11, 16), date(2011, 12, 17), "day", "16 November – 17 December 2011"),
])
def test_editing_a_figure_shows_its_period_in_words_and_saving_keeps_it(
    client, curator, make_figure, start, end, precision, shown,
):
    figure = make_figure(period_start=start, period_end=end, period_precision=precision)
    client.force_login(curator)
    url = reverse("admin:claims_figure_change", args=[figure.pk])
    page = client.get(url)
    assert f'value="{shown}"' in page.content.decode()
    data = form_data(page.context["adminform"].form)
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert (figure.period_start, figure.period_end, figure.period_precision) == (start, end, precision)
    assert parse_period(shown) == parse_period(display_period(start, end, precision))


def test_a_period_the_words_cannot_say_exactly_is_kept_when_left_alone(client, curator, make_figure):
    # A year-precision figure from an old import that does not run January to December: shown as its year,
    # but saving the form without touching the box must not move it.
    figure = make_figure(period_start=date(2011, 3, 1), period_end=date(2011, 11, 30), period_precision="year")
    client.force_login(curator)
    url = reverse("admin:claims_figure_change", args=[figure.pk])
    data = form_data(client.get(url).context["adminform"].form)
    data["note"] = "checked"
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert (figure.period_start, figure.period_end, figure.note) == (date(2011, 3, 1), date(2011, 11, 30), "checked")


def test_changing_the_period_of_a_figure_in_the_source_pages_list(client, curator, make_figure):
    figure = make_figure()
    client.force_login(curator)
    url = reverse("admin:sources_source_change", args=[figure.source.pk])
    page = client.get(url)
    assert 'name="figures-0-period" value="2011"' in page.content.decode()
    data = page_data(page)
    data["figures-0-period"] = "16 December 2011"
    response = client.post(url, data)
    assert response.status_code == 302
    figure.refresh_from_db()
    assert (figure.period_start, figure.period_end, figure.period_precision) == (
        date(2011, 12, 16), date(2011, 12, 16), "day")


def test_a_bad_period_in_the_source_pages_list_is_said_at_its_row(client, curator, make_figure):
    figure = make_figure()
    client.force_login(curator)
    url = reverse("admin:sources_source_change", args=[figure.source.pk])
    data = page_data(client.get(url))
    data["figures-0-period"] = "Decembrr 2011"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“Decembrr 2011” is not a date or period" in response.content.decode()
    figure.refresh_from_db()
    assert figure.period_start == date(2011, 1, 1)


def test_new_wording_in_the_source_pages_list_is_read_afresh(client, curator, make_figure):
    figure = make_figure(value_text="16")
    client.force_login(curator)
    url = reverse("admin:sources_source_change", args=[figure.source.pk])
    data = page_data(client.get(url))
    data["figures-0-value_text"] = "more than 70"
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert (figure.qualifier, figure.value, figure.lower) == ("more_than", None, 70)
