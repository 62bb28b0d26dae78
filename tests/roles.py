"""The roles as migration 0003 makes them, for tests that run after a transactional test flushed them away."""

from importlib import import_module

from django.contrib.auth.models import Group, Permission


def role(name: str) -> Group:
    """The group `name` (Curator, Reviewer, Researcher) with exactly the permissions migration 0003 gives it."""
    group, _ = Group.objects.get_or_create(name=name)
    for app, codename in import_module("claims.migrations.0003_roles").ROLES[name]:
        group.permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return group
