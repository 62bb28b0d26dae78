import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from claims.models import Claim, Entity, EntityAlias, Figure, Metric
from claims.rules import VERDICTS
from sources.models import Source
from tests import roles

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


METRICS = [
    ("death-toll", "Death toll", "people", 0, None), ("gini-coefficient", "Gini coefficient", "coefficient", 0, 1),
    ("turnout", "Turnout", "percent", 0, 100), ("vote-share", "Vote share", "percent", 0, 100),
    ("people-with-disabilities", "People with disabilities", "people", 0, None),
    ("unions-liquidated", "Trade unions liquidated", "organisations", 0, None),
]


@pytest.fixture
def metrics(db) -> dict:
    """The one set of metrics the tests share, by slug."""
    return {slug: Metric.objects.create(slug=slug, name=name, unit=unit, min_value=low, max_value=high)
            for slug, name, unit, low, high in METRICS}


@pytest.fixture
def death_toll(metrics):
    return metrics["death-toll"]


@pytest.fixture
def gini(metrics):
    return metrics["gini-coefficient"]


@pytest.fixture
def make_figure(db, make_source, make_entity, death_toll):
    def make(**fields):
        if "source" not in fields:
            fields["source"] = make_source()
        fields.setdefault("metric", death_toll)
        if "subject" not in fields:
            fields["subject"] = make_entity()
        fields.setdefault("period_start", date(2011, 1, 1))
        fields.setdefault("period_end", date(2011, 12, 31))
        fields.setdefault("value_text", "16")
        fields.setdefault("status", "unverified")
        if fields["status"] in VERDICTS:
            fields.setdefault("verdict", fields["status"])  # as a review would have left it
        if not any(fields.get(key) is not None for key in ("value", "lower", "upper")):
            fields.setdefault("value", Decimal(fields["value_text"]))
        return Figure.objects.create(**fields)

    return make


@pytest.fixture
def make_claim(db, make_source):
    def make(**fields):
        if "source" not in fields:
            fields["source"] = make_source()
        fields.setdefault("quote", "We will restore order")
        fields.setdefault("status", "unverified")
        claim = Claim(**fields)
        claim.anchor()
        claim.save()
        return claim

    return make


def _user_in(role, username):
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(roles.role(role))  # as migration 0003 makes it, should a transactional test have flushed it
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


@pytest.fixture
def reference_data(metrics):
    # Every number the import tests type stands in this text: a figure said to be in the text must be in it.
    Source.objects.create(slug="zhanaozen-report", title="Report", status="published", text=(
        "Officials said 16 died; strikers said more than 70 died. The report also counts 1,234 (or 1 234, or "
        "1 235) arrests, turnout of 43.7% and 74.91 %, a Gini of about 0.42 (officially 0,332), some 740,000 "
        "people with disabilities, twenty thousand marchers, 243+ and at least 243 detained, 16–20 injured, "
        "and 37% in Almaty."))
    for slug, name in [("zhanaozen-2011", "Zhanaozen massacre 2011"), ("kazakhstan", "Kazakhstan"),
                       ("almaty", "Almaty"), ("january-2022-unrest", "January 2022 unrest"),
                       ("prosecutor-general", "Prosecutor General's Office"),
                       ("official-statistics", "Official statistics"),
                       ("opposition-economists", "Opposition economists")]:
        Entity.objects.create(slug=slug, name=name)
    EntityAlias.objects.create(entity=Entity.objects.get(slug="almaty"), name="Alma-Ata")
    EntityAlias.objects.create(entity=Entity.objects.get(slug="zhanaozen-2011"), name="Zhanaozen massacre")


@pytest.fixture(scope="module")
def _seed_corpus_for_module(django_db_setup, django_db_blocker):
    """The seed corpus, loaded once per module (seeding takes seconds) in a transaction rolled back after the
    module. Each test's own transaction (pytest-django's `db`) is a savepoint inside it, so what one test changes
    is gone before the next, exactly as when each test seeded for itself."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        call_command("seed", verbosity=0)
    yield  # database access stays blocked for the module's tests that do not ask for it
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def seeded(request, _seed_corpus_for_module, db):
    """The seed corpus, for tests that read it or change it in their own transaction."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker and marker.kwargs.get("transaction"))
    # A transactional test would commit inside the module's transaction, and its flush would empty the corpus.
    assert not transactional, "a transactional test seeds for itself: call_command('seed')"


@pytest.fixture
def run_worker(monkeypatch, settings, tmp_path):
    """Run every queued background job now, by the real database worker (`manage.py db_worker --batch`), in this
    process. Uploads, progress and prepared files go under a fresh MEDIA_ROOT."""
    from django_tasks_db.management.commands import db_worker

    settings.MEDIA_ROOT = tmp_path
    # The worker closes connections whose autocommit it did not expect: inside a test's transaction, that
    # would be the test's own connection.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        db_worker.Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                         max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()

    return run


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no downloads counted against its client (the export rate limit's counts), and no
    readers' page kept from another test."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["public"].clear()
