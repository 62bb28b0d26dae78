"""The API keeps the contract its OpenAPI schema states, checked by schemathesis against the schema itself.

Schemathesis reads /api/schema/ from the running application (in process, over WSGI) and sends every operation
requests generated from it — valid ones, and invalid ones (wrong types, out-of-range numbers, strings where the
schema wants something else) — then checks that no answer is a 5xx and that every answer has a status, content
type and body the schema documents. Bounded: a fixed number of examples per operation, derandomised, so the run is
the same each time and takes seconds.
"""

import json

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims.models import EntityAlias, Review
from sources.models import Outlet

EXAMPLES_PER_OPERATION = 25


def served_schema():
    """The schema exactly as /api/schema/ serves it (generated here: the test database does not exist yet)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = get_wsgi_application()
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                max_examples=EXAMPLES_PER_OPERATION, deterministic=True, database="none")


@pytest.fixture
def records(make_source, make_entity, make_figure, make_claim, reviewer):
    """One of each kind, so every answer has records to check: two sources, an outlet, two conflicting figures
    (a comparison), a claim, a review with evidence, an entity with an alias."""
    outlet = Outlet.objects.create(slug="icp", name="ICP")
    first, second = make_source(slug="first", outlet=outlet), make_source(slug="second")
    place = make_entity("Zhanaozen", slug="zhanaozen")
    EntityAlias.objects.create(entity=place, name="Zhanaozen massacre")
    figure = make_figure(source=first, subject=place, value_text="16")
    make_figure(source=second, subject=place, value_text="more than 70", value=None, lower=70,
                qualifier="more_than")
    claim = make_claim(source=first, speaker=place)
    Review.objects.create(figure=figure, verdict="disputed", reviewer=reviewer, rationale="Counts differ.")
    Review.objects.create(claim=claim, verdict="verified", reviewer=reviewer, rationale="Broadcast.").evidence.add(
        second)


@pytest.fixture
def in_this_transaction():
    """Requests answered in this test's transaction, where the corpus is: a WSGI server would close the
    connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_schema_documents_and_none_is_a_server_error(case, records, in_this_transaction):
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])


def test_the_schema_is_valid_openapi_and_describes_every_filter_without_guessing(db):
    # --fail-on-warn: drf-spectacular warns when it has to guess a parameter's or a field's type.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    document = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(document)
    assert set(document["paths"]) >= {"/api/figures/", "/api/figures/{id}/", "/api/sources/{slug}/",
                                      "/api/comparisons/", "/api/reviews/"}


def test_the_schema_is_served_as_json_and_says_numbers_are_exact_strings(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "Numbers are JSON strings" in document["info"]["description"]
    value = document["components"]["schemas"]["Figure"]["properties"]["value"]
    assert (value["type"], value["format"], value["nullable"]) == ("string", "decimal", True)
    assert client.get("/api/schema/", HTTP_ACCEPT="application/yaml")["Content-Type"].startswith(
        "application/yaml")
