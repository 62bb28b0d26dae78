"""Undo an import: what it created is removed, what it changed restored from history — all or nothing, recorded
in history itself, and refused when it would lose later work."""

import io

import pytest
from django.urls import reverse

from claims.imports import import_claims, import_figures
from claims.imports.undo import UndoRefused, undo_import
from claims.models import Claim, Entity, Figure, ImportBatch, Review
from sources.models import Source

HEADER = "source,metric,subject,period_start,value_text,note,found_in\n"


def run(text, **options):
    report = import_figures(io.BytesIO(text.encode()), file_name="figures.csv", **options)
    assert report.ok, report.error_lines()
    return report.batch


@pytest.fixture
def imported(reference_data, curator):
    first = run(HEADER + "zhanaozen-report,death-toll,kazakhstan,2011,16,official,\n", user=curator)
    second = run(HEADER + "zhanaozen-report,death-toll,kazakhstan,2011,16,official (Prosecutor General),\n"
                          "zhanaozen-report,death-toll,kazakhstan,2012,more than 70,,\n"
                          "new-report,death-toll,Aktau oil workers,2011,17,,table\n",
                 user=curator, create_missing=True)
    return first, second


def test_undo_removes_what_the_import_created_and_restores_what_it_changed(imported, curator):
    first, second = imported
    report = undo_import(second, curator)
    assert (report.removed, report.restored) == (2, 1)
    assert report.removed_sources == ["new-report"] and report.removed_entities == ["aktau-oil-workers"]
    figure = Figure.objects.get()
    assert (figure.note, figure.import_batch) == ("official", first)
    assert not Source.objects.filter(slug="new-report").exists()
    assert not Entity.objects.filter(slug="aktau-oil-workers").exists()
    second.refresh_from_db()
    assert second.undone_by == curator and second.undone_at is not None


def test_undo_is_recorded_in_history(imported, curator):
    _, second = imported
    created = list(Figure.objects.filter(import_batch=second, value_text="more than 70").values_list("pk", flat=True))
    undo_import(second, curator)
    removal = Figure.history.get(id=created[0], history_type="-")
    restore = Figure.history.filter(history_type="~").latest("history_id")
    assert removal.history_change_reason == restore.history_change_reason == \
        f"Undo of import #{second.pk} (figures.csv)"
    assert removal.history_user == curator


def test_undo_is_refused_when_a_figure_changed_since_and_then_changes_nothing(imported, curator):
    _, second = imported
    figure = Figure.objects.get(value_text="more than 70")
    figure.note = "a curator's later work"
    figure.save()
    with pytest.raises(UndoRefused, match=r"has changed since the import"):
        undo_import(second, curator)
    assert Figure.objects.count() == 3 and Source.objects.filter(slug="new-report").exists()
    second.refresh_from_db()
    assert second.undone_at is None


def test_undo_is_refused_when_a_created_figure_was_reviewed(imported, curator, reviewer):
    _, second = imported
    Review.objects.create(figure=Figure.objects.get(value_text="17"), verdict="verified", reviewer=reviewer,
                          rationale="checked")
    with pytest.raises(UndoRefused, match="has been reviewed since"):
        undo_import(second, curator)


def test_an_import_is_undone_once(imported, curator):
    _, second = imported
    undo_import(second, curator)
    with pytest.raises(UndoRefused, match="already undone"):
        undo_import(second, curator)


def test_its_importer_or_a_superuser_may_undo_it_from_its_page_others_may_not(client, imported, curator,
                                                                             other_curator):
    _, second = imported
    page = reverse("admin:claims_importbatch_change", args=[second.pk])
    client.force_login(other_curator)
    assert 'id="undo-import"' not in client.get(page).content.decode()
    assert client.post(reverse("admin:claims_importbatch_undo", args=[second.pk])).status_code == 403
    client.force_login(curator)
    shown = client.get(page).content.decode()
    assert 'id="undo-import"' in shown and "3 figures it wrote" in shown
    response = client.post(reverse("admin:claims_importbatch_undo", args=[second.pk]), follow=True)
    assert "Undid import" in response.content.decode()
    assert Figure.objects.count() == 1


def test_figures_filter_by_their_import(admin_client, imported):
    _, second = imported
    listed = admin_client.get(reverse("admin:claims_figure_changelist"), {"import_batch": second.pk})
    assert {figure.import_batch_id for figure in listed.context["cl"].result_list} == {second.pk}
    assert len(listed.context["cl"].result_list) == 3


def test_a_claim_import_is_undone_too(reference_data, curator):
    report = import_claims(io.BytesIO(b"source,quote\nzhanaozen-report,Officials said 16 died\n"),
                           file_name="claims.csv", user=curator)
    assert report.ok and Claim.objects.count() == 1
    undo_import(ImportBatch.objects.get(), curator)
    assert not Claim.objects.exists()
