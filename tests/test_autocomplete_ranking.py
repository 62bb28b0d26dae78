"""The admin's autocompletes offer the name you typed first: exact name or alias, then names that start with it,
then names that contain it — through the real autocomplete URL, with its permission checks."""

from django.urls import reverse

from claims.models import Entity, EntityAlias, Metric
from sources.models import Outlet, Source


def suggestions(client, model_name: str, field_name: str, term: str, app_label: str = "claims") -> list[str]:
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term})
    assert response.status_code == 200, response.status_code
    return [result["text"] for result in response.json()["results"]]


def kazakh_entities():
    names = ["Communist Party of Kazakhstan", "Democratic Choice of Kazakhstan", "Kazakhstan Temir Zholy",
             "Kazakhstan", "Bank of Kazakhstan", "Kazakhstani Trade Unions", "Socialist Movement of Kazakhstan"]
    for n, name in enumerate(names):
        Entity.objects.create(name=name, slug=f"entity-{n}")


def test_the_exact_name_comes_first_then_those_starting_with_it(client, curator):
    kazakh_entities()
    client.force_login(curator)
    found = suggestions(client, "figure", "subject", "kazakhstan")
    assert found[0] == "Kazakhstan"
    assert found[1:3] == ["Kazakhstan Temir Zholy", "Kazakhstani Trade Unions"]  # prefix, in name order
    assert set(found[3:]) == {"Bank of Kazakhstan", "Communist Party of Kazakhstan",
                              "Democratic Choice of Kazakhstan", "Socialist Movement of Kazakhstan"}


def test_an_alias_typed_exactly_puts_its_entity_first_once(client, curator):
    almaty = Entity.objects.create(name="Almaty", slug="almaty")
    EntityAlias.objects.create(entity=almaty, name="Alma-Ata")
    EntityAlias.objects.create(entity=almaty, name="Alma-Ata region")
    Entity.objects.create(name="Alma-Ata Cotton Mill", slug="mill")
    Entity.objects.create(name="Greater Alma-Ata Transport", slug="transport")
    client.force_login(curator)
    found = suggestions(client, "figure", "subject", "alma-ata")
    # Two aliases match, but Almaty is offered once; the entity named by the alias before the one starting with it.
    assert found == ["Almaty", "Alma-Ata Cotton Mill", "Greater Alma-Ata Transport"]


def test_every_autocomplete_of_figures_and_claims_ranks_the_same_way(client, curator):
    kazakh_entities()
    client.force_login(curator)
    for field in ("subject", "attributed_to"):
        assert suggestions(client, "figure", field, "Kazakhstan")[0] == "Kazakhstan"
    assert suggestions(client, "claim", "speaker", "KAZAKHSTAN")[0] == "Kazakhstan"


def test_metrics_outlets_and_sources_rank_the_same_way(client, curator):
    for slug, name in [("gini-urban", "Urban Gini coefficient"), ("gini", "Gini"), ("gini-income", "Gini income")]:
        Metric.objects.create(slug=slug, name=name, unit="coefficient")
    for slug, name in [("the-times-kz", "The Times of Kazakhstan"), ("times", "Times")]:
        Outlet.objects.create(slug=slug, name=name)
    for slug, title in [("review-2021", "A review of turnout"), ("turnout", "Turnout")]:
        Source.objects.create(slug=slug, title=title, text="")
    client.force_login(curator)
    assert suggestions(client, "figure", "metric", "gini") == [
        "Gini (coefficient)", "Gini income (coefficient)", "Urban Gini coefficient (coefficient)"]
    assert suggestions(client, "source", "outlet", "times", app_label="sources") == ["Times", "The Times of Kazakhstan"]
    assert suggestions(client, "figure", "source", "turnout")[0] == "Turnout"


def test_every_word_must_still_match_and_nothing_else_is_offered(client, curator):
    kazakh_entities()
    client.force_login(curator)
    assert suggestions(client, "figure", "subject", "party kazakhstan") == ["Communist Party of Kazakhstan"]
    assert suggestions(client, "figure", "subject", "Kyrgyzstan") == []
    assert suggestions(client, "figure", "subject", "x" * 5000) == []  # refused unread, not a 5,000-word query


def test_the_autocomplete_pages_twenty_at_a_time_in_one_ranked_order(client, curator, django_assert_max_num_queries):
    for n in range(45):
        Entity.objects.create(name=f"Region {n:02d} of Kazakhstan", slug=f"region-{n}")
    Entity.objects.create(name="Kazakhstan", slug="kazakhstan")
    client.force_login(curator)
    url = reverse("admin:autocomplete")
    query = {"app_label": "claims", "model_name": "figure", "field_name": "subject", "term": "kazakhstan"}
    with django_assert_max_num_queries(12):
        first = client.get(url, query).json()
    second = client.get(url, {**query, "page": 2}).json()
    third = client.get(url, {**query, "page": 3}).json()
    assert first["results"][0]["text"] == "Kazakhstan" and first["pagination"]["more"]
    names = [result["text"] for page in (first, second, third) for result in page["results"]]
    assert len(names) == len(set(names)) == 46
    assert not third["pagination"]["more"]


def test_the_autocomplete_still_refuses_who_may_not_see_the_model(client, make_entity):
    from django.contrib.auth.models import User

    make_entity("Kazakhstan")
    client.force_login(User.objects.create_user("staff", is_staff=True))
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "claims", "model_name": "figure", "field_name": "subject", "term": "Kazakhstan"})
    assert response.status_code == 403
    client.logout()
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "claims", "model_name": "figure", "field_name": "subject", "term": "Kazakhstan"})
    assert response.status_code == 302 and "/login/" in response["Location"]
