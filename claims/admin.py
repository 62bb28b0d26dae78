from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from claims import review_queue, rules
from claims.admin_spreadsheets import SpreadsheetMixin, UndoImportMixin
from claims.admin_suggestions import SuggestionsMixin
from claims.exports import CLAIM_COLUMNS, FIGURE_COLUMNS, claim_rows, figure_rows
from claims.forms import FigureForm, InlineFigureForm, ReviewableForm, ReviewForm
from claims.imports import import_claims, import_figures
from claims.models import Claim, Entity, EntityAlias, Figure, ImportBatch, Metric, Review
from claims.resources import EntityResource, MetricResource
from claims.views import excerpt
from factbase.autocomplete import RankedSearchMixin
from factbase.curation import BoundedSearchMixin, CuratedAdmin, StatusActionsMixin
from factbase.listing import CappedPaginator
from sources.admin import SourceAdmin
from sources.models import Source


class ImportBatchFilter(admin.SimpleListFilter):
    """Records an import wrote: the latest imports offered, any one reachable by ?import_batch=N."""

    title = "import"
    parameter_name = "import_batch"

    def lookups(self, request, model_admin):
        batches = ImportBatch.objects.filter(model=model_admin.model._meta.model_name).order_by("-pk")[:10]
        return [(str(batch.pk), str(batch)) for batch in batches]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(import_batch=int(value)) if value.isascii() and value.isdigit() else queryset.none()


class AdminCappedPaginator(CappedPaginator):
    # A curator's page needs to know "more than a thousand", not the exact size of a million-row table.
    cap = 1000


class FullTextSearchMixin(BoundedSearchMixin):
    """The admin search box uses the stored, indexed search vector (PostgreSQL), or words elsewhere."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        if refused := self.refuse_search(request, queryset, search_term):
            return refused
        if connection.vendor == "postgresql" and not _has_search_words(search_term):
            # Only stop words ("more than"): full text would find nothing, so match the words as typed.
            return super().get_search_results(request, queryset, search_term)
        return queryset.search(search_term), False


def _has_search_words(term: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery('english', %s)) > 0", [term])
        return cursor.fetchone()[0]


class ClaimInline(admin.StackedInline):
    model = Claim
    form = ReviewableForm
    extra = 0
    fields = [("quote", "speaker", "status"), "anchor", "version_seen"]
    readonly_fields = ["anchor"]
    autocomplete_fields = ["speaker"]
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description="anchor")
    def anchor(self, claim):
        if claim.anchor_start is None:
            return "not found in the text"
        return f"characters {claim.anchor_start:,}–{claim.anchor_end:,}"


class FigureInline(admin.TabularInline):
    """The source's figures at a glance, narrow enough for a 1280-pixel screen: what it says, of what, when and
    its status; bounds, provenance and the rest are on the figure's own form (its change link)."""

    model = Figure
    form = InlineFigureForm
    fk_name = "source"
    extra = 0
    fields = ["value_text", "metric", "subject", "period", "status", "version_seen"]
    autocomplete_fields = ["metric", "subject"]
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(getattr(field, "widget", None), RelatedFieldWidgetWrapper):
            # No add/change/view icons beside each row's metric and subject: the row's own form has them.
            field.widget.can_add_related = field.widget.can_change_related = field.widget.can_view_related = False
        return field

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("metric", "subject")


class AliasInline(admin.TabularInline):
    model = EntityAlias
    extra = 1


@admin.register(Entity)
class EntityAdmin(RankedSearchMixin, ImportExportModelAdmin, CuratedAdmin):
    resource_classes = [EntityResource]
    ranked_fields = ("name", "slug", "aliases__name")
    list_display = ["name", "kind", "slug", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, entity):
        return ", ".join(alias.name for alias in entity.aliases.all())


@admin.register(EntityAlias)
class EntityAliasAdmin(CuratedAdmin):
    list_display = ["name", "entity"]
    list_select_related = ["entity"]
    search_fields = ["name", "entity__name"]
    autocomplete_fields = ["entity"]


@admin.register(Metric)
class MetricAdmin(RankedSearchMixin, ImportExportModelAdmin, CuratedAdmin):
    resource_classes = [MetricResource]
    ranked_fields = ("name", "slug")
    list_display = ["name", "slug", "unit", "min_value", "max_value"]
    search_fields = ["name", "slug", "unit"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]


@admin.register(Claim)
class ClaimAdmin(FullTextSearchMixin, SpreadsheetMixin, StatusActionsMixin, CuratedAdmin):
    form = ReviewableForm
    superuser_deletes = True
    spreadsheet_columns = CLAIM_COLUMNS
    list_display = ["short_quote", "speaker", "source", "status", "anchored"]
    list_filter = ["status", "source__outlet", ImportBatchFilter]
    list_select_related = ["speaker", "source"]
    list_per_page = 100
    show_full_result_count = False
    paginator = AdminCappedPaginator
    search_fields = ["quote", "source__title", "source__slug", "speaker__name"]
    autocomplete_fields = ["source", "speaker", "about"]
    readonly_fields = ["verdict", "anchor_start", "anchor_end", "anchor_prefix", "anchor_suffix", "import_batch",
                       "import_row", "created_by", "created_at", "edited_by", "edited_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["source", "quote", "speaker", "about", ("status", "verdict"), "note", "version_seen"]}),
        ("Anchor in the source text", {"fields": [("anchor_start", "anchor_end"), ("anchor_prefix", "anchor_suffix")]}),
        ("Entry", {"fields": [("import_batch", "import_row"), ("created_by", "created_at"),
                              ("edited_by", "edited_at", "updated_at")]}),
    ]

    def spreadsheet_import(self, stream, **options):
        return import_claims(stream, **options)

    def spreadsheet_table(self, queryset):
        return claim_rows(queryset), CLAIM_COLUMNS, "claims"

    @admin.display(description="quote", ordering="quote")
    def short_quote(self, claim):
        return str(claim)

    @admin.display(description="anchored", boolean=True)
    def anchored(self, claim):
        return claim.anchor_start is not None


@admin.register(Figure)
class FigureAdmin(FullTextSearchMixin, SpreadsheetMixin, StatusActionsMixin, CuratedAdmin):
    form = FigureForm
    superuser_deletes = True
    spreadsheet_columns = FIGURE_COLUMNS
    list_display = ["value_text", "bounds", "metric", "subject", "dimensions", "period", "source", "attributed_to",
                    "status", "found_in"]
    list_filter = ["status", "metric", "qualifier", "found_in", "origin_role", "rank", "period_precision",
                   ImportBatchFilter]
    list_select_related = ["metric", "subject", "source", "attributed_to"]
    list_per_page = 50  # rendering, not the database, is most of an admin page's time
    show_full_result_count = False
    paginator = AdminCappedPaginator
    ordering = ["-period_start", "id"]  # served by an index; Meta.ordering's metric name is not
    search_fields = ["value_text", "source__title", "source__slug", "subject__name", "metric__name"]
    autocomplete_fields = ["source", "claim", "metric", "subject", "attributed_to", "supersedes"]
    readonly_fields = ["verdict", "anchor_start", "anchor_end", "anchor_prefix", "anchor_suffix", "import_batch",
                       "import_row", "created_by", "created_at", "edited_by", "edited_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["source", "claim", "value_text", "found_in", "metric", "subject", "dimensions",
                           "version_seen"]}),
        ("Value and bounds", {
            "fields": ["qualifier", ("value", "lower", "upper"), "written_unit"],
            "description": "Leave value and bounds empty to read them from the value text "
                           "(“more than 70” is a lower bound of 70).",
        }),
        ("Period", {"fields": ["period"]}),
        ("Provenance", {"fields": [("attributed_to", "origin_role"), ("rank", "rank_reason"), "supersedes"]}),
        ("Status", {"fields": [("status", "verdict"), "note"]}),
        ("Anchor and entry", {"classes": ["collapse"], "fields": [
            ("anchor_start", "anchor_end"), ("anchor_prefix", "anchor_suffix"), ("import_batch", "import_row"),
            ("created_by", "created_at"), ("edited_by", "edited_at", "updated_at"),
        ]}),
    ]

    def spreadsheet_import(self, stream, **options):
        return import_figures(stream, **options)

    def spreadsheet_table(self, queryset):
        return figure_rows(queryset), FIGURE_COLUMNS, "figures"

    @admin.display(description="bounds", ordering=Coalesce("value", "lower", "upper"))
    def bounds(self, figure):
        return figure.bounds_display

    @admin.display(description="period", ordering="period_start")
    def period(self, figure):
        return figure.period_display


@admin.register(Review)
class ReviewAdmin(CuratedAdmin):
    form = ReviewForm
    change_form_template = "admin/claims/review/change_form.html"
    change_list_template = "admin/claims/review/change_list.html"

    class Media:
        css = {"all": ["factbase-admin.css"]}
    list_display = ["verdict", "target_display", "reviewer", "reviewed_at"]
    list_filter = ["verdict", "reviewer"]
    list_select_related = ["claim", "figure__metric", "figure__subject", "reviewer"]
    search_fields = ["rationale", "claim__quote", "figure__value_text"]
    autocomplete_fields = ["claim", "figure", "evidence"]
    readonly_fields = ["reviewer", "reviewed_at"]
    date_hierarchy = "reviewed_at"
    superuser_deletes = True

    def has_change_permission(self, request, obj=None):
        # A verdict is its reviewer's own: others — superusers included — may read it, not rewrite it.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.reviewer_id == request.user.pk)

    def get_readonly_fields(self, request, obj=None):
        # A verdict stays on what it judged: its target is fixed once given.
        return [*self.readonly_fields, "claim", "figure"] if obj is not None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class ReviewForm(form_class):
            # The reviewer is whoever is logged in; set before validation so the
            # self-review rule is checked on the form, not after it.
            def _post_clean(self):
                if not self.instance.reviewer_id:
                    self.instance.reviewer = request.user
                super()._post_clean()

        return ReviewForm

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"may_see_queue": review_queue.may_see(request.user),
                                                 **(extra_context or {})})

    def get_urls(self):
        return [path("queue/", self.admin_site.admin_view(self.queue_view), name="claims_review_queue"),
                *super().get_urls()]

    def queue_view(self, request):
        """What awaits review, oldest first (claims.review_queue)."""
        if not review_queue.may_see(request.user):
            raise PermissionDenied
        queue = review_queue.build(request.user, request.GET)
        here = review_queue.queue_query(request.GET.urlencode())
        rows = [(row, review_queue.review_url(row.record, here)) for row in queue.rows]
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": "Awaiting review",
                   "queue": queue, "rows": rows, "may_review": review_queue.may_review(request.user),
                   "here": here, "kinds": [("", "Figures and claims"), ("figure", "Figures"), ("claim", "Claims")],
                   "source_filter": review_queue.SourceFilter(initial={"source": queue.values["source"]},
                                                              admin_site=self.admin_site)}
        return TemplateResponse(request, "admin/claims/review/queue.html", context, status=400 if queue.errors
                                else 200)

    def add_view(self, request, form_url="", extra_context=None):
        # "Review this": the record's anchor in its source text beside the verdict form.
        context = {"queue_url": reverse("admin:claims_review_queue")}
        target = self._target_of(request)
        if target is not None:
            context.update(target=target, excerpt=excerpt(target, width=review_queue.CONTEXT_CHARACTERS),
                           self_review=rules.self_review_problem(request.user.pk, target.authors, kind=target.kind))
        return super().add_view(request, form_url, {**context, **(extra_context or {})})

    @staticmethod
    def _target_of(request):
        for model, related in ((Figure, ("source", "metric", "subject", "attributed_to")),
                               (Claim, ("source", "speaker"))):
            raw = request.GET.get(model._meta.model_name, "")
            if raw.isascii() and raw.isdigit() and len(raw) <= 18:
                return model.objects.select_related(*related).filter(pk=int(raw)).first()
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if self._target_of(request) is None or any(key in request.POST for key in ("_continue", "_addanother")):
            return super().response_add(request, obj, post_url_continue)
        # Reviewed from the queue (or from the record's page): back to the queue, as it was filtered.
        self.message_user(request, format_html("{} {}: {}.", obj.target.kind.capitalize(), obj.target,
                                               obj.get_verdict_display()), messages.SUCCESS)
        query = review_queue.queue_query(request.GET.get("_queue", ""))
        return redirect(reverse("admin:claims_review_queue") + (f"?{query}" if query else ""))

    @admin.display(description="of")
    def target_display(self, review):
        target = review.target
        return format_html("{} {}", "claim" if review.claim_id else "figure", target)


@admin.register(ImportBatch)
class ImportBatchAdmin(UndoImportMixin, BoundedSearchMixin, admin.ModelAdmin):
    list_display = ["__str__", "model", "file_format", "created_by", "created_at", "rows_new", "rows_updated",
                    "rows_unchanged", "undone_at"]
    list_select_related = ["created_by"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields]
    search_fields = ["file_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # its figures point at it; an import is taken back by undoing it, not by deleting its record


# The source page lists the claims and figures of its text: claims adds them to the sources' admin.
admin.site.unregister(Source)


@admin.register(Source)
class SourceWithRecordsAdmin(SuggestionsMixin, SourceAdmin):
    inlines = [ClaimInline, FigureInline]
