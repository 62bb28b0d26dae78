"""Claims in bulk, on the figures' pipeline: matched by source and quote, unchanged rows a no-op, errors naming
row, column and value, verdicts refused (tests/test_verdicts.py)."""

import io

from django.urls import reverse

from claims.imports import import_claims
from claims.models import Claim, EntityAlias

FILE = ("source,quote,speaker,status,note\n"
        "zhanaozen-report,Officials said 16 died,prosecutor-general,unverified,\n"
        "zhanaozen-report,\"strikers said more than 70 died\",,draft,The strikers' count\n")


def run(text, **options):
    return import_claims(io.BytesIO(text.encode()), file_name="claims.csv", **options)


def test_claims_import_anchored_and_the_same_file_twice_changes_nothing(reference_data):
    first = run(FILE)
    assert first.ok and first.new == 2, first.error_lines()
    claim = Claim.objects.get(quote="Officials said 16 died")
    assert claim.anchor_start == 0 and claim.speaker.slug == "prosecutor-general"
    history = Claim.history.count()
    second = run(FILE)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    assert Claim.history.count() == history and Claim.objects.count() == 2


def test_an_edited_note_updates_the_claim_in_place(reference_data):
    assert run(FILE).ok
    edited = run(FILE.replace("The strikers' count", "The strikers' own count"))
    assert (edited.new, edited.updated) == (0, 1)
    assert Claim.objects.get(status="draft").note == "The strikers' own count"


def test_errors_name_the_row_the_column_and_the_value(reference_data):
    report = run("source,quote,speaker\nno-such-source,Officials said 16 died,\n"
                 "zhanaozen-report,We will crush them,\nzhanaozen-report,Officials said 16 died,nobody-at-all\n")
    assert report.error_lines() == [
        "Row 2, column source: unknown source “no-such-source”; name an existing source by its slug, or import "
        "with create-missing to add it",
        "Row 3, column quote: this quote does not occur in the source's text; copy it exactly (straight or curly "
        "quotes both match)",
        "Row 4, column speaker: unknown speaker “nobody-at-all”; use an entity's slug, name or alias, or import "
        "with create-missing to add it",
    ]
    assert not Claim.objects.exists()


def test_a_speaker_may_be_named_by_an_alias(reference_data):
    EntityAlias.objects.create(entity_id=reference_data_entity("prosecutor-general"), name="The prosecutor")
    assert run("source,quote,speaker\nzhanaozen-report,Officials said 16 died,The prosecutor\n").ok
    assert Claim.objects.get().speaker.slug == "prosecutor-general"


def reference_data_entity(slug):
    from claims.models import Entity

    return Entity.objects.get(slug=slug).pk


def test_the_admin_imports_claims_through_the_same_pipeline(reference_data, admin_client, run_worker):
    upload = io.BytesIO(FILE.encode())
    upload.name = "claims.csv"
    started = admin_client.post(reverse("admin:claims_claim_import"), {"file": upload})
    run_worker()
    preview = admin_client.get(started["Location"])
    assert preview.status_code == 200 and "Confirm the import" in preview.content.decode()
    confirmed = admin_client.post(reverse("admin:jobs_job_confirm", args=[preview.context["job"].pk]))
    run_worker()
    assert "Import #" in admin_client.get(confirmed["Location"]).content.decode() and Claim.objects.count() == 2
