"""The curators' admin: every page renders, roles hold, lists stay cheap, edits can be reverted."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from claims.models import Claim, EntityAlias, Figure, ImportBatch, Review
from sources.models import Outlet


@pytest.fixture
def one_of_everything(make_figure, make_claim, make_entity, reviewer):
    figure = make_figure()
    claim = make_claim(source=figure.source)
    Outlet.objects.create(slug="icp", name="International Communist Press")
    EntityAlias.objects.create(entity=make_entity("Almaty"), name="Alma-Ata")
    Review.objects.create(claim=claim, verdict="verified", reviewer=reviewer, rationale="Heard it on TV.")
    ImportBatch.objects.create(file_name="figures.csv", file_format="csv")
    return figure


def admin_urls():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("sources", "claims"):
            yield model, model_admin


@pytest.mark.parametrize("model", [model for model, _ in admin_urls()], ids=lambda m: m._meta.model_name)
def test_every_admin_page_renders_for_a_superuser(admin_client, one_of_everything, model):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    obj = model.objects.first()
    pages = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_change", args=[obj.pk]),
             reverse(f"{prefix}_history", args=[obj.pk])]
    if admin.site._registry[model].has_add_permission(type("R", (), {"user": User(is_superuser=True)})):
        pages.append(reverse(f"{prefix}_add"))
    if (model is not Outlet or not obj.sources.exists()) and model is not ImportBatch:
        pages.append(reverse(f"{prefix}_delete", args=[obj.pk]))
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page


def test_the_source_page_shows_its_text_with_claims_and_figures_beside_it(admin_client, one_of_everything):
    source = one_of_everything.source
    page = admin_client.get(reverse("admin:sources_source_change", args=[source.pk])).content.decode()
    assert "Officials said 16 people died" in page
    assert "We will restore order" in page  # the claim inline
    assert 'name="figures-0-value_text"' in page


def test_a_researcher_can_read_but_not_change(client, researcher, one_of_everything):
    client.force_login(researcher)
    figure = one_of_everything
    change_url = reverse("admin:claims_figure_change", args=[figure.pk])
    assert client.get(reverse("admin:claims_figure_changelist")).status_code == 200
    page = client.get(change_url).content.decode()
    assert 'type="submit"' not in page or "Save" not in page
    response = client.post(change_url, {"value_text": "17"})
    assert response.status_code == 403
    assert client.get(reverse("admin:claims_figure_add")).status_code == 403
    assert client.post(reverse("admin:claims_figure_delete", args=[figure.pk]), {"post": "yes"}).status_code == 403
    figure.refresh_from_db()
    assert figure.value_text == "16"


def test_a_curator_cannot_give_verdicts(client, curator, one_of_everything):
    client.force_login(curator)
    assert client.get(reverse("admin:claims_review_add")).status_code == 403


def test_a_misquote_is_refused_in_the_admin_with_a_message(client, curator, make_source):
    client.force_login(curator)
    source = make_source()
    response = client.post(reverse("admin:claims_claim_add"), {
        "source": source.pk, "quote": "We will crush the strikers", "status": "unverified",
    })
    assert response.status_code == 200
    assert "This quote does not occur in the source’s text" in response.content.decode()
    assert not Claim.objects.exists()


def test_a_curators_new_claim_is_anchored_and_remembers_who_entered_it(client, curator, make_source):
    client.force_login(curator)
    source = make_source()
    response = client.post(reverse("admin:claims_claim_add"), {
        "source": source.pk, "quote": "We will restore order", "status": "unverified",
    })
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.created_by == curator and claim.anchor_start == source.text.index("We will restore order")


def test_an_out_of_range_value_is_refused_in_the_admin(client, curator, make_source, make_entity, gini):
    client.force_login(curator)
    response = client.post(reverse("admin:claims_figure_add"), {
        "source": make_source().pk, "metric": gini.pk, "subject": make_entity().pk, "value_text": "29",
        "qualifier": "exact", "period": "2020",
        "origin_role": "unknown", "rank": "normal", "status": "unverified",
    })
    assert "29 is outside the range of Gini coefficient: expected 0 to 1 coefficient" in response.content.decode()
    assert not Figure.objects.exists()


def test_a_reviewer_cannot_verify_their_own_figure_in_the_admin(client, make_figure, reviewer):
    figure = make_figure(created_by=reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("admin:claims_review_add"), {
        "figure": figure.pk, "verdict": "verified", "rationale": "mine", "reviewed_at_0": "2024-01-01",
        "reviewed_at_1": "10:00:00",
    })
    assert "a different reviewer must give the verdict" in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize("url_name", ["claims_figure_changelist", "claims_claim_changelist",
                                      "sources_source_changelist", "claims_review_changelist"])
def test_admin_lists_cost_the_same_queries_whatever_the_table_size(
    admin_client, make_figure, make_claim, make_source, make_entity, reviewer, django_assert_max_num_queries,
    url_name,
):
    def add_rows(n):
        source = make_source()
        for i in range(n):
            figure = make_figure(source=source, subject=make_entity(), attributed_to=make_entity())
            make_claim(source=source, speaker=make_entity())
            Review.objects.create(figure=figure, verdict="verified", reviewer=reviewer, rationale=str(i))
            make_source()

    url = reverse(f"admin:{url_name}")
    add_rows(5)
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(url).status_code == 200
    add_rows(110)
    with django_assert_max_num_queries(12) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def form_data(form) -> dict:
    """What the browser would post for this form as shown."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            continue
        data[name] = "" if value is None else value
    return data


def page_data(page) -> dict:
    """What the browser would post for an admin change page: the form and every inline's forms."""
    data = form_data(page.context["adminform"].form)
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        for form in formset.formset.forms:
            data.update({form.add_prefix(name): value for name, value in form_data(form).items()})
    return data


def test_an_edit_shows_in_the_history_and_can_be_reverted(admin_client, make_figure):
    figure = make_figure(value_text="16", value=Decimal(16))
    change_url = reverse("admin:claims_figure_change", args=[figure.pk])
    form = admin_client.get(change_url).context["adminform"].form
    data = form_data(form)
    data.update(value_text="17", value="17", found_in="table", status="unverified", period_start="2011-01-01",
                period_end="2011-12-31")
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    figure.refresh_from_db()
    assert figure.value_text == "17"

    history_page = admin_client.get(reverse("admin:claims_figure_history", args=[figure.pk])).content.decode()
    assert "admin" in history_page and "Value text" in history_page  # who, and the per-field change

    original = figure.history.earliest()
    revert_url = reverse("admin:claims_figure_simple_history", args=[figure.pk, original.history_id])
    form = admin_client.get(revert_url).context["adminform"].form
    data = form_data(form)
    data.update(period_start="2011-01-01", period_end="2011-12-31")
    response = admin_client.post(revert_url, data)
    assert response.status_code == 302
    figure.refresh_from_db()
    assert figure.value_text == "16" and figure.value == 16
    assert figure.history.count() == 3


def test_curators_publish_drafts_in_bulk_and_history_records_it(client, curator, make_figure):
    drafts = [make_figure(status="draft"), make_figure(status="draft")]
    verified = make_figure(status="verified")
    client.force_login(curator)
    response = client.post(reverse("admin:claims_figure_changelist"), {
        "action": "publish", "_selected_action": [f.pk for f in [*drafts, verified]]}, follow=True)
    assert "Published 2 figures. 1 was left alone: it already had that status." in response.content.decode()
    assert set(Figure.objects.filter(pk__in=[f.pk for f in drafts]).values_list("status", flat=True)) == {"unverified"}
    verified.refresh_from_db()
    assert verified.status == "verified"
    assert drafts[0].history.first().history_user == curator


def test_a_reviewer_cannot_rewrite_another_reviewers_verdict(client, make_figure, reviewer):
    other = User.objects.create_user("second-reviewer", is_staff=True)
    other.groups.add(*reviewer.groups.all())
    review = Review.objects.create(figure=make_figure(), verdict="verified", reviewer=other, rationale="checked")
    client.force_login(reviewer)
    url = reverse("admin:claims_review_change", args=[review.pk])
    assert client.post(url, {"verdict": "false", "rationale": "mine now"}).status_code == 403
    review.refresh_from_db()
    assert review.verdict == "verified"


def test_the_figure_admin_counts_only_up_to_a_cap(admin_client, make_figure, settings, monkeypatch):
    from claims.admin import AdminCappedPaginator

    monkeypatch.setattr(AdminCappedPaginator, "cap", 3)
    source = make_figure().source
    for _ in range(4):
        make_figure(source=source)
    page = admin_client.get(reverse("admin:claims_figure_changelist")).content.decode()
    assert "More than 3 figures match" in page


def test_the_admin_search_box_finds_figures_by_their_words(admin_client, make_figure, make_entity):
    make_figure(value_text="more than 70", value=None, lower=70, qualifier="more_than",
                subject=make_entity("Zhanaozen strike"))
    make_figure(value_text="16")
    response = admin_client.get(reverse("admin:claims_figure_changelist"), {"q": "Zhanaozen"})
    assert [f.value_text for f in response.context["cl"].result_list] == ["more than 70"]
