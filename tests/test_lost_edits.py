"""No lost edits: of two saves of one record from forms opened on the same version, the second is refused
with what the other changed — in change forms, inlines and reverts — and two imports of the same rows at
once give one set."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from claims.models import Figure
from tests.test_admin import page_data

ROOT = Path(__file__).resolve().parent.parent


def opened(client, url) -> dict:
    return page_data(client.get(url))


@pytest.fixture
def two_curators(curator, other_curator):
    first, second = Client(), Client()
    first.force_login(curator)
    second.force_login(other_curator)
    return first, second


@pytest.mark.parametrize("kind", ["figure", "claim", "source"])
def test_the_second_of_two_saves_is_refused_with_what_the_first_changed(two_curators, make_figure, make_claim,
                                                                       kind):
    first, second = two_curators
    figure = make_figure(status="unverified")
    record = {"figure": figure, "claim": make_claim(source=figure.source), "source": figure.source}[kind]
    url = reverse(f"admin:{record._meta.app_label}_{kind}_change", args=[record.pk])
    mine, theirs = opened(first, url), opened(second, url)

    mine["note"] = "Checked against the prosecutor's report."
    assert first.post(url, mine).status_code == 302
    theirs["status"] = "draft" if kind != "source" else "withdrawn"
    response = second.post(url, theirs)

    assert response.status_code == 200
    message = str(response.context["adminform"].form.non_field_errors())
    assert "Someone else saved this" in message and "other-curator" not in message and "curator" in message
    assert "Checked against the prosecutor" in message  # what the other one changed
    record.refresh_from_db()
    assert record.note == "Checked against the prosecutor's report." and record.status != theirs["status"]
    # Their input is kept; saving again, having read the message, is a deliberate choice and goes through.
    again = page_data(response)
    assert again["status"] == theirs["status"]
    assert second.post(url, again).status_code == 302


def test_a_stale_figure_inline_on_the_source_page_is_refused(two_curators, make_figure):
    first, second = two_curators
    figure = make_figure(status="unverified")
    figure_url = reverse("admin:claims_figure_change", args=[figure.pk])
    source_url = reverse("admin:sources_source_change", args=[figure.source.pk])

    theirs = opened(second, source_url)

    mine = opened(first, figure_url)
    mine["status"] = "withdrawn"
    assert first.post(figure_url, mine).status_code == 302
    theirs["figures-0-status"] = "draft"
    response = second.post(source_url, theirs)
    assert response.status_code == 200 and "Someone else saved this figure" in response.content.decode()
    figure.refresh_from_db()
    assert figure.status == "withdrawn"


def test_a_revert_from_a_stale_page_is_refused(two_curators, make_figure):
    first, second = two_curators
    figure = make_figure(status="unverified")
    figure.note = "second version"
    figure.save()
    revert_url = reverse("admin:claims_figure_simple_history", args=[figure.pk, figure.history.earliest().history_id])
    theirs = opened(second, revert_url)
    change_url = reverse("admin:claims_figure_change", args=[figure.pk])
    mine = opened(first, change_url)
    mine["note"] = "third version"
    assert first.post(change_url, mine).status_code == 302
    response = second.post(revert_url, theirs)
    assert response.status_code == 200 and "Someone else saved this figure" in response.content.decode()
    figure.refresh_from_db()
    assert figure.note == "third version"


def test_a_stale_object_saved_in_code_raises_instead_of_overwriting(make_figure):
    from factbase.versioning import EditConflict

    figure = make_figure()
    stale = Figure.objects.get(pk=figure.pk)
    figure.note = "first"
    figure.save()
    stale.note = "second"
    with pytest.raises(EditConflict):
        stale.save()
    figure.refresh_from_db()
    assert figure.note == "first" and stale.version == figure.version - 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two processes need a database server")
def test_two_imports_of_the_same_rows_at_once_write_one_set(transactional_db, reference_data, tmp_path):
    rows = "".join(f"zhanaozen-report,death-toll,kazakhstan,{year},16,table\n" for year in range(1000, 4000))
    path = tmp_path / "figures.csv"
    path.write_text("source,metric,subject,period_start,value_text,found_in\n" + rows)
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
           f"{settings['NAME']}")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "factbase.settings"}
    imports = [subprocess.Popen([sys.executable, "manage.py", "import_figures", str(path)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in imports]
    assert [process.returncode for process in imports] == [0, 0], outputs
    # One import waited for the other's lock, then found every row already there.
    new = sorted(int(re.search(r"([\d,]+) new", out).group(1).replace(",", "")) for out, _ in outputs)
    assert new == [0, 3000], outputs
    assert Figure.objects.count() == 3000
