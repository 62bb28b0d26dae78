"""The three roles: Curator enters and edits, Reviewer gives verdicts, Researcher reads and exports."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ENTRY_MODELS = ["sources.outlet", "sources.source", "claims.entity", "claims.entityalias", "claims.claim",
                "claims.figure", "claims.metric"]
ALL_MODELS = ENTRY_MODELS + ["claims.review", "claims.importbatch"]



def permissions(actions, models):
    return [(model.split(".")[0], f"{action}_{model.split('.')[1]}") for model in models for action in actions]


ROLES = {
    "Curator": permissions(["add", "change", "view"], ENTRY_MODELS)
    + permissions(["delete"], ["claims.claim", "claims.figure", "claims.entityalias"])
    + permissions(["view"], ["claims.review", "claims.importbatch"])
    + permissions(["add"], ["claims.importbatch"]),
    "Reviewer": permissions(["view"], ALL_MODELS) + permissions(["add", "change"], ["claims.review"]),
    "Researcher": permissions(["view"], ALL_MODELS),
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in names]
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
