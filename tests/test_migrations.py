from io import StringIO

from django.core.management import call_command


def test_no_migration_is_missing(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_three_roles_exist_with_their_permissions(db):
    from django.contrib.auth.models import Group

    perms = {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}
    assert {"add_figure", "change_figure", "change_source"} <= perms["Curator"]
    assert "add_review" not in perms["Curator"]
    assert {"add_review", "view_figure"} <= perms["Reviewer"] and "change_figure" not in perms["Reviewer"]
    assert all(codename.startswith("view_") for codename in perms["Researcher"])
