"""Roles hold on every path: each role × every admin URL and method (changelist, add, change, delete,
history, revert, import, export, each action) × every public URL.

A refused request answers 403 (or, for anonymous visitors, the login page) and writes nothing: the
database's every row count, history included, is the same after it. An allowed one is served.
"""

from contextlib import suppress

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from tests.test_admin import form_data

ROLES = ["superuser", "curator", "reviewer", "researcher", "staff without a group", "anonymous"]
MODELS = [model for model in admin.site._registry if model._meta.app_label in ("sources", "claims")]
CURATED = {"outlet", "source", "entity", "entityalias", "metric", "claim", "figure"}


def allowed(role: str, model: str, permission: str) -> bool:
    """The permission table the project promises (README, "An admin login")."""
    if role in ("anonymous", "staff without a group"):
        return False
    if permission == "queue":
        return role in ("superuser", "curator", "reviewer")  # the reviewers' queue: who gives or awaits verdicts
    if model == "importbatch" and permission in ("add", "change", "delete"):
        return False  # imports are recorded, never edited or deleted
    if permission == "delete" and model in ("source", "claim", "figure", "review"):
        return role == "superuser"  # everyone else withdraws
    if model == "review" and permission == "change":
        return role == "reviewer"  # the review below is the reviewer's own: not even a superuser rewrites it
    if role == "superuser" or permission in ("view", "export"):
        return True
    if role == "curator":
        return model == "entityalias" if permission == "delete" else model in CURATED
    if role == "reviewer":
        return model == "review" and permission == "add"
    return False


@pytest.fixture
def world(make_figure, make_claim, make_entity, reviewer, curator, researcher):
    from claims.models import EntityAlias, ImportBatch, Review
    from sources.models import Outlet

    figure = make_figure()
    claim = make_claim(source=figure.source)
    Outlet.objects.create(slug="icp", name="International Communist Press")
    EntityAlias.objects.create(entity=make_entity("Almaty"), name="Alma-Ata")
    Review.objects.create(claim=claim, verdict="verified", reviewer=reviewer, rationale="Heard it on TV.")
    ImportBatch.objects.create(file_name="figures.csv", file_format="csv")
    users = {
        "superuser": User.objects.create_superuser("boss", password="pw-for-tests-only"),
        "curator": curator, "reviewer": reviewer, "researcher": researcher,
        "staff without a group": User.objects.create_user("staff", is_staff=True),
    }
    return users


def snapshot() -> tuple:
    """Every table's row count and its rows' versions, history included: any write changes one of them.
    One query, so the matrix stays quick."""
    parts = []
    for model in apps.get_models():
        if model._meta.app_label in ("sources", "claims", "auth", "admin"):
            table = connection.ops.quote_name(model._meta.db_table)
            parts.append(f"(SELECT COUNT(*) FROM {table})")
            if any(f.name == "version" for f in model._meta.concrete_fields):
                parts.append(f"(SELECT SUM(version) FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return cursor.fetchone()


def operations(model, model_admin, obj, superuser):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    tracked = hasattr(obj, "history")  # simple-history's views exist for tracked models only
    ops = [
        ("changelist", "get", reverse(f"{prefix}_changelist"), "view"),
        ("add form", "get", reverse(f"{prefix}_add"), "add"),
        ("add", "post", reverse(f"{prefix}_add"), "add"),
        ("change form", "get", reverse(f"{prefix}_change", args=[obj.pk]), "view"),
        ("change", "post", reverse(f"{prefix}_change", args=[obj.pk]), "change"),
        ("history", "get", reverse(f"{prefix}_history", args=[obj.pk]), "view"),
        ("delete form", "get", reverse(f"{prefix}_delete", args=[obj.pk]), "delete"),
    ]
    if tracked:
        revert = reverse(f"{prefix}_simple_history", args=[obj.pk, obj.history.earliest().history_id])
        ops += [("revert form", "get", revert, "view"), ("revert", "post", revert, "change")]
    if model._meta.model_name == "review":
        from claims.models import Claim, Figure

        queue, add = reverse("admin:claims_review_queue"), reverse("admin:claims_review_add")
        figure, claim = Figure.objects.order_by("pk").first(), Claim.objects.order_by("pk").first()
        ops += [("review queue", "get", queue, "queue"), ("review queue filtered", "get", f"{queue}?kind=figure",
                                                          "queue"),
                ("review this figure", "get", f"{add}?figure={figure.pk}&_queue=kind%3Dfigure", "add"),
                ("review this claim", "get", f"{add}?claim={claim.pk}", "add")]
    for kind, permission in (("import", "add"), ("export", "export")):
        with suppress(NoReverseMatch):  # an admin without such a page
            ops.append((kind, "get", reverse(f"{prefix}_{kind}"), permission))
    request = RequestFactory().get("/")
    request.user = superuser
    for name, (function, _, _) in model_admin.get_actions(request).items():
        needed = getattr(function, "allowed_permissions", ("delete",) if name == "delete_selected" else ("view",))
        ops.append((f"action {name}", "post", reverse(f"{prefix}_changelist"), needed[0],
                    {"action": name, "_selected_action": [obj.pk]}))
    if model._meta.model_name == "source":
        # The suggestions page: read by whoever may view the source; accepting or rejecting adds records.
        suggestions = reverse(f"{prefix}_suggestions", args=[obj.pk])
        ops += [("suggestions", "get", suggestions, "view"),
                ("suggestions selection", "get", suggestions + "?select=0-20&kind=figure", "view"),
                ("suggestion reject", "post", suggestions, "add", suggestion_post(obj, "reject")),
                ("suggestion accept", "post", suggestions, "add", suggestion_post(obj, "accept")),
                ("suggestions accept checked", "post", suggestions, "add", suggestion_post(obj, "accept_checked"))]
    ops.append(("delete", "post", reverse(f"{prefix}_delete", args=[obj.pk]), "delete", {"post": "yes"}))
    return ops


def suggestion_post(source, action: str) -> dict:
    """What the suggestions page posts to accept or reject its first figure suggestion, its fields filled."""
    from claims.models import Entity, Metric
    from claims.suggestions import offered

    first = next(s for s in offered(source) if s.kind == "figure")
    fields = {"kind": "figure", "start": first.start, "end": first.end, "span": first.text, "value_text": first.text,
              "metric": Metric.objects.get(slug="death-toll").pk, "subject": Entity.objects.order_by("pk").first().pk,
              "period": "2011", "checked": "on"}
    return {"form_count": 1, **{f"s0-{name}": value for name, value in fields.items()}, action: "s0"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_every_role_on_every_admin_url_and_method(client, world, role, model):
    model_admin = admin.site._registry[model]
    obj = model.objects.order_by("pk").first()
    if role != "anonymous":
        client.force_login(world[role])
    failures = []
    for op in operations(model, model_admin, obj, world["superuser"]):
        name, method, url, permission = op[:4]
        data = op[4] if len(op) > 4 else None
        may = allowed(role, model._meta.model_name, permission)
        if data is None and method == "post":
            # What the form on that page would post, for whoever may see it.
            page = client.get(url)
            form = page.context.get("adminform") if page.status_code == 200 and page.context else None
            data = form_data(form.form) if form else {}
        before = snapshot() if method == "post" else None
        response = getattr(client, method)(url, data or {})
        code = response.status_code
        if role == "anonymous":
            ok = code == 302 and "/login/" in response["Location"]
        elif may:
            ok = code in (200, 302)
        else:
            refused_quietly = name.startswith("action ") and code in (200, 302)  # Django offers no such action
            ok = code == 403 or refused_quietly
        if method == "post" and not may and snapshot() != before:
            ok = False
            name += " (and it wrote to the database)"
        if not ok:
            failures.append(f"{name} {method.upper()} {url}: {code}, expected {'allowed' if may else 'refused'}")
    assert not failures, "\n".join(failures)


PUBLIC = ["/", "/sources/", "/claims/", "/figures/", "/compare/", "/figures/?format=csv", "/figures/?format=json",
          "/figures/?format=xlsx", "/figures/?format=ods", "/claims/?format=csv", "/sources/?format=json"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_public_page_and_nothing_more(client, world, role):
    from claims.models import Claim, Figure
    from sources.models import Source

    if role != "anonymous":
        client.force_login(world[role])
    figure, claim = Figure.objects.first(), Claim.objects.first()
    urls = [*PUBLIC, figure.get_absolute_url(), claim.get_absolute_url(), Source.objects.first().get_absolute_url()]
    for url in urls:
        assert client.get(url).status_code == 200, url
    before = snapshot()
    for url in urls:
        assert client.post(url, {"status": "verified"}).status_code == 405, url  # public pages take no writes
    assert snapshot() == before


JOB_OWNERS = ("superuser", "curator")  # the check below is the curator's; a superuser sees every import


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_the_background_job_pages(client, world, role, settings, tmp_path):
    """A job's pages (jobs.admin) are its starter's and a superuser's: anyone else is told there is no such job,
    and Confirm writes nothing for them. An export's page is public by its unguessable id."""
    from jobs.models import Job

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "jobs" / "uploads").mkdir(parents=True)
    (tmp_path / "jobs" / "uploads" / "a.csv").write_text("source\n")
    check = Job.objects.create(kind=Job.Kind.IMPORT_CHECK, model="figure", user=world["curator"],
                               file_name="a.csv", file="jobs/uploads/a.csv", state=Job.State.DONE,
                               result={"ok": True, "rows_read": 1, "error_count": 0})
    export = Job.objects.create(kind=Job.Kind.EXPORT, model="figures", file_name="figures.xlsx",
                                options={"path": "/figures/", "query": "", "format": "xlsx"})
    (tmp_path / "jobs" / "exports").mkdir(parents=True)
    (tmp_path / "jobs" / "exports" / "b.xlsx").write_bytes(b"PK")
    admin_export = Job.objects.create(kind=Job.Kind.EXPORT, model="claims.figure", user=world["curator"],
                                      file_name="figures.xlsx", file="jobs/exports/b.xlsx", state=Job.State.DONE,
                                      options={"admin": True, "query": "", "format": "xlsx"})
    if role != "anonymous":
        client.force_login(world[role])
    ops = [
        ("My imports", "get", reverse("admin:jobs_job_changelist"), "list"),
        ("job page", "get", reverse("admin:jobs_job_page", args=[check.pk]), "own"),
        ("job status", "get", reverse("admin:jobs_job_status", args=[check.pk]), "own"),
        ("confirm", "post", reverse("admin:jobs_job_confirm", args=[check.pk]), "own"),
        ("admin export page", "get", reverse("admin:jobs_job_page", args=[admin_export.pk]), "own"),
        ("admin export download", "get", reverse("admin:jobs_job_download", args=[admin_export.pk]), "own"),
        ("export page", "get", reverse("jobs:export", args=[export.pk]), "public"),
        ("export status", "get", reverse("jobs:export_status", args=[export.pk]), "public"),
    ]
    failures = []
    for name, method, url, rule in ops:
        jobs_before = Job.objects.count()
        response = getattr(client, method)(url)
        code = response.status_code
        if rule == "public":
            ok = code == 200
        elif role == "anonymous":
            ok = code == 302 and "/login/" in response["Location"]
        elif rule == "list":
            ok = code == 200 if role != "anonymous" else code == 302
        elif role in JOB_OWNERS:
            ok = code in (200, 302)
        else:
            ok = code == 404 and Job.objects.count() == jobs_before  # not theirs: not even said to exist
        if not ok:
            failures.append(f"{name} {method.upper()} {url}: {code}")
    assert not failures, "\n".join(failures)
    assert Job.objects.filter(kind=Job.Kind.IMPORT).count() == (1 if role in JOB_OWNERS else 0)
