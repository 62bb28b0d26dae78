"""Helpers for the API's tests: a small corpus with every kind of record, and a walk through a paged list.

The corpus holds what the filters and links must tell apart: two conflicting death tolls, Gini coefficients of
two definitions, a number written in percent on a coefficient metric, one with ten decimals, a negative one, a
figure from a table, verdicts, a review with public and draft evidence, an alias, and hidden records of each kind.
"""

from datetime import date
from decimal import Decimal

import pytest

from claims.models import Claim, EntityAlias, Figure, Metric, Review
from sources.models import Outlet

TEXT = ("In December 2011 police opened fire on striking oil workers in Zhanaozen. Officials said 16 people died; "
        "activists counted more than 70 dead. “We will restore order,” the president said. The Gini coefficient "
        "was 0.291 officially and 0.332 after revision; economists say about 0.421. Turnout was 41.4146018709 "
        "percent. Net migration was -5 thousand. A Gini of 27.01% was also cited.")


@pytest.fixture(name="corpus")
def corpus_fixture(db, make_source, make_entity, make_figure, make_claim, metrics, death_toll, gini, reviewer):
    gazette = Outlet.objects.create(slug="steppe-gazette", name="Steppe Gazette", kind=Outlet.Kind.NEWSPAPER)
    party = Outlet.objects.create(slug="icp", name="ICP", kind=Outlet.Kind.PARTY)
    official = make_source(slug="official-report", title="Official report", outlet=gazette, text=TEXT,
                           published_on=date(2012, 1, 15), published_precision="day", authors="Aigul Sadykova")
    activists = make_source(slug="activist-account", title="Activists' account", outlet=party, text=TEXT,
                            published_on=date(2018, 1, 1), published_precision="year")
    undated = make_source(slug="undated-notes", title="Undated notes", text=TEXT)
    draft = make_source(slug="draft-dossier", title="Draft dossier", status="draft", text=TEXT)

    zhanaozen = make_entity("Zhanaozen", slug="zhanaozen")
    EntityAlias.objects.create(entity=zhanaozen, name="Zhanaozen massacre")
    kazakhstan = make_entity("Kazakhstan", slug="kazakhstan", kind="place")
    prosecutor = make_entity("Prosecutor General's Office", slug="prosecutor-general", kind="organisation")
    tokayev = make_entity("Kassym-Jomart Tokayev", slug="tokayev", kind="person")
    secret = make_entity("Secret Committee", slug="secret-committee")

    turnout = metrics["turnout"]
    migration = Metric.objects.create(slug="net-migration", name="Net migration", unit="people")
    year_2011 = {"period_start": date(2011, 1, 1), "period_end": date(2011, 12, 31)}
    year_2018 = {"period_start": date(2018, 1, 1), "period_end": date(2018, 12, 31)}
    claim = make_claim(source=official, quote="We will restore order", speaker=tokayev)
    claim.about.add(zhanaozen)
    draft_claim = make_claim(source=draft, quote="We will restore order", status="draft")
    figures = {
        "sixteen": make_figure(source=official, subject=zhanaozen, value_text="16", attributed_to=prosecutor,
                               origin_role="official", claim=claim, **year_2011),
        "seventy": make_figure(source=activists, subject=zhanaozen, value_text="more than 70", value=None,
                               lower=Decimal(70), qualifier="more_than", origin_role="opposition",
                               status="disputed", **year_2011),
        "gini_official": make_figure(source=official, metric=gini, subject=kazakhstan, value_text="0.291",
                                     dimensions="welfare=consumption", **year_2018),
        "gini_revised": make_figure(source=activists, metric=gini, subject=kazakhstan, value_text="0.332",
                                    dimensions="welfare=consumption", **year_2018),
        "gini_income": make_figure(source=undated, metric=gini, subject=kazakhstan, value_text="about 0.421",
                                   value=Decimal("0.421"), qualifier="approximate", dimensions="welfare=income",
                                   **year_2018),
        "gini_percent": make_figure(source=undated, metric=gini, subject=kazakhstan, value_text="27.01%",
                                    value=Decimal("0.2701"), written_unit="percent", dimensions="welfare=wages",
                                    **year_2018),
        "turnout": make_figure(source=undated, metric=turnout, subject=kazakhstan, value_text="41.4146018709",
                               period_start=date(2019, 6, 9), period_end=date(2019, 6, 9), period_precision="day"),
        "migration": make_figure(source=official, metric=migration, subject=kazakhstan, value_text="-5 thousand",
                                 value=Decimal(-5000), period_start=date(2020, 3, 1), period_end=date(2020, 3, 31),
                                 period_precision="month"),
        "from_table": make_figure(source=activists, subject=kazakhstan, value_text="212", found_in="table",
                                  **year_2011),
        # Hidden: a draft and a withdrawn figure, and a figure of a draft source.
        "draft": make_figure(source=official, subject=zhanaozen, value_text="17", status="draft", **year_2011),
        "withdrawn": make_figure(source=activists, subject=zhanaozen, value_text="18", status="withdrawn",
                                 **year_2011),
        "of_draft_source": make_figure(source=draft, subject=secret, value_text="19", **year_2011),
    }
    Figure.objects.filter(pk=figures["gini_revised"].pk).update(supersedes=figures["gini_official"])
    figures["gini_revised"].refresh_from_db()
    # Public figures pointing at hidden records: a draft claim, a withdrawn figure they revise.
    Figure.objects.filter(pk=figures["from_table"].pk).update(claim=draft_claim, supersedes=figures["withdrawn"])
    review = Review.objects.create(figure=figures["seventy"], verdict="disputed", reviewer=reviewer,
                                   rationale="Other counts differ.")
    review.evidence.add(official, draft)
    claim_review = Review.objects.create(claim=claim, verdict="verified", reviewer=reviewer,
                                         rationale="Broadcast on national television.")
    return {"figures": figures, "claim": claim, "draft_claim": draft_claim, "sources": {
        "official": official, "activists": activists, "undated": undated, "draft": draft},
        "review": review, "claim_review": claim_review, "secret": secret, "outlets": {"gazette": gazette,
                                                                                     "party": party}}


def walk(client, url: str, params: dict | None = None, direction: str = "next", start: str | None = None):
    """Every result of a paged list, following `next` (or `previous` from `start`), and how many pages it took."""
    results, pages = [], 0
    response = client.get(start or url, params if start is None else None)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        results += body["results"] if direction == "next" else list(reversed(body["results"]))
        pages += 1
        assert pages < 1000, "the walk does not end"
        if not body[direction]:
            return results, pages
        response = client.get(body[direction])


def ids(results: list[dict], key: str = "id") -> list:
    return [result[key] for result in results]


def claim_is_public(pk: int) -> bool:
    return Claim.objects.public().filter(pk=pk).exists()
