import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from claims.models import Claim, Entity, Figure, Metric
from sources.models import Source

_counter = itertools.count(1)

TEXT = (
    "In December 2011 police opened fire on striking oil workers in Zhanaozen. "
    "Officials said 16 people died; activists counted more than 70 dead. "
    "“We will restore order,” the president said."
)


@pytest.fixture
def make_source(db):
    def make(**fields):
        n = next(_counter)
        fields.setdefault("slug", f"source-{n}")
        fields.setdefault("title", f"Source {n}")
        fields.setdefault("text", TEXT)
        fields.setdefault("status", Source.Status.PUBLISHED)
        return Source.objects.create(**fields)

    return make


@pytest.fixture
def make_entity(db):
    def make(name=None, **fields):
        n = next(_counter)
        name = name or f"Entity {n}"
        fields.setdefault("slug", f"entity-{n}")
        return Entity.objects.create(name=name, **fields)

    return make


@pytest.fixture
def death_toll(db):
    return Metric.objects.create(slug="death-toll", name="Death toll", unit="people", min_value=Decimal(0))


@pytest.fixture
def gini(db):
    return Metric.objects.create(
        slug="gini-coefficient", name="Gini coefficient", unit="coefficient", min_value=Decimal(0), max_value=Decimal(1)
    )


@pytest.fixture
def make_figure(db, make_source, make_entity, death_toll):
    def make(**fields):
        fields.setdefault("source", make_source())
        fields.setdefault("metric", death_toll)
        if "subject" not in fields:
            fields["subject"] = make_entity()
        fields.setdefault("period_start", date(2011, 1, 1))
        fields.setdefault("period_end", date(2011, 12, 31))
        fields.setdefault("value_text", "16")
        fields.setdefault("status", "unverified")
        if not any(fields.get(key) is not None for key in ("value", "lower", "upper")):
            fields.setdefault("value", Decimal(fields["value_text"]))
        return Figure.objects.create(**fields)

    return make


@pytest.fixture
def make_claim(db, make_source):
    def make(**fields):
        fields.setdefault("source", make_source())
        fields.setdefault("quote", "We will restore order")
        fields.setdefault("status", "unverified")
        claim = Claim(**fields)
        claim.anchor()
        claim.save()
        return claim

    return make


def _user_in(role, username):
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def curator(db):
    return _user_in("Curator", "curator")


@pytest.fixture
def other_curator(db):
    return _user_in("Curator", "other-curator")


@pytest.fixture
def reviewer(db):
    return _user_in("Reviewer", "reviewer")


@pytest.fixture
def researcher(db):
    return _user_in("Researcher", "researcher")
