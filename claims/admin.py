from django.contrib import admin
from django.contrib.admin.utils import model_ngettext
from django.db import connection
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import bulk_update_with_history

from claims.admin_spreadsheets import FigureSpreadsheetMixin
from claims.models import Claim, Entity, EntityAlias, Figure, ImportBatch, Metric, Review, Status
from claims.paginators import CappedPaginator
from claims.resources import ClaimResource, EntityResource, MetricResource


class StatusActionsMixin:
    """Publish or withdraw many entries at once; each change lands in their history."""

    actions = ["publish", "withdraw"]

    def _set_status(self, request, queryset, status, allowed_from, verb):
        # Counted before the change: a list filtered on the old status no longer finds them after it.
        selected = queryset.count()
        entries = list(queryset.filter(status__in=allowed_from))
        for entry in entries:
            entry.status = status
        bulk_update_with_history(entries, self.model, ["status"], default_user=request.user,
                                 default_change_reason=f"{verb} from the admin list")
        skipped = selected - len(entries)
        message = f"{verb} {len(entries)} {model_ngettext(self.opts, len(entries))}."
        if skipped:
            message += " " + ngettext(
                "%(count)d left alone: it has a reviewer's verdict or already had that status.",
                "%(count)d left alone: they have a reviewer's verdict or already had that status.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, message)
        if entries and self.model is Figure:
            from claims import comparisons

            comparisons.refresh({(e.metric_id, e.subject_id, e.period_start, e.period_end) for e in entries})

    @admin.action(description="Publish selected drafts (as unverified)", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.UNVERIFIED, [Status.DRAFT, Status.WITHDRAWN], "Published")

    @admin.action(description="Withdraw selected (hide from the public pages)", permissions=["change"])
    def withdraw(self, request, queryset):
        self._set_status(request, queryset, Status.WITHDRAWN, [s for s in Status if s != Status.WITHDRAWN],
                         "Withdrew")


class AdminCappedPaginator(CappedPaginator):
    # A curator's page needs to know "more than a thousand", not the exact size of a million-row table.
    cap = 1000


class FullTextSearchMixin:
    """The admin search box uses the stored, indexed search vector (PostgreSQL), or words elsewhere."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        if connection.vendor == "postgresql" and not _has_search_words(search_term):
            # Only stop words ("more than"): full text would find nothing, so match the words as typed.
            return super().get_search_results(request, queryset, search_term)
        return queryset.search(search_term), False


def _has_search_words(term: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery('english', %s)) > 0", [term])
        return cursor.fetchone()[0]


class CreatedByMixin:
    """Record who entered a claim or figure: nobody may later verify their own entry."""

    def save_model(self, request, obj, form, change):
        if not obj.pk and hasattr(obj, "created_by_id") and not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if not instance.pk and hasattr(instance, "created_by_id") and not instance.created_by_id:
                instance.created_by = request.user
        super().save_formset(request, form, formset, change)


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    fields = [("quote", "speaker", "status"), "anchor"]
    readonly_fields = ["anchor"]
    autocomplete_fields = ["speaker"]
    show_change_link = True

    @admin.display(description="anchor")
    def anchor(self, claim):
        if claim.anchor_start is None:
            return "not found in the text"
        return f"characters {claim.anchor_start:,}–{claim.anchor_end:,}"


class FigureInline(admin.TabularInline):
    model = Figure
    fk_name = "source"
    extra = 0
    fields = ["value_text", "metric", "subject", "period_start", "period_end", "period_precision", "qualifier",
              "value", "lower", "upper", "attributed_to", "origin_role", "status"]
    autocomplete_fields = ["metric", "subject", "attributed_to"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("metric", "subject", "attributed_to")


class AliasInline(admin.TabularInline):
    model = EntityAlias
    extra = 1


@admin.register(Entity)
class EntityAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [EntityResource]
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
class EntityAliasAdmin(SimpleHistoryAdmin):
    list_display = ["name", "entity"]
    list_select_related = ["entity"]
    search_fields = ["name", "entity__name"]
    autocomplete_fields = ["entity"]


@admin.register(Metric)
class MetricAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [MetricResource]
    list_display = ["name", "slug", "unit", "min_value", "max_value"]
    search_fields = ["name", "slug", "unit"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]


@admin.register(Claim)
class ClaimAdmin(FullTextSearchMixin, StatusActionsMixin, CreatedByMixin, ImportExportModelAdmin,
                 SimpleHistoryAdmin):
    resource_classes = [ClaimResource]
    list_display = ["short_quote", "speaker", "source", "status", "anchored"]
    list_filter = ["status", "source__outlet"]
    list_select_related = ["speaker", "source"]
    list_per_page = 100
    show_full_result_count = False
    paginator = AdminCappedPaginator
    search_fields = ["quote", "source__title", "source__slug", "speaker__name"]
    autocomplete_fields = ["source", "speaker", "about"]
    readonly_fields = ["anchor_start", "anchor_end", "anchor_prefix", "anchor_suffix", "created_by", "created_at",
                       "updated_at"]
    fieldsets = [
        (None, {"fields": ["source", "quote", "speaker", "about", "status", "note"]}),
        ("Anchor in the source text", {"fields": [("anchor_start", "anchor_end"), ("anchor_prefix", "anchor_suffix")]}),
        ("Entry", {"fields": [("created_by", "created_at", "updated_at")]}),
    ]

    @admin.display(description="quote", ordering="quote")
    def short_quote(self, claim):
        return str(claim)

    @admin.display(description="anchored", boolean=True)
    def anchored(self, claim):
        return claim.anchor_start is not None


@admin.register(Figure)
class FigureAdmin(FullTextSearchMixin, FigureSpreadsheetMixin, StatusActionsMixin, CreatedByMixin,
                  SimpleHistoryAdmin):
    list_display = ["value_text", "bounds", "metric", "subject", "period", "source", "attributed_to", "status",
                    "rank"]
    list_filter = ["status", "metric", "qualifier", "origin_role", "rank", "period_precision"]
    list_select_related = ["metric", "subject", "source", "attributed_to"]
    list_per_page = 50  # rendering, not the database, is most of an admin page's time
    show_full_result_count = False
    paginator = AdminCappedPaginator
    ordering = ["-period_start", "id"]  # served by an index; Meta.ordering's metric name is not
    search_fields = ["value_text", "source__title", "source__slug", "subject__name", "metric__name"]
    autocomplete_fields = ["source", "claim", "metric", "subject", "attributed_to", "supersedes"]
    readonly_fields = ["anchor_start", "anchor_end", "anchor_prefix", "anchor_suffix", "import_batch", "import_row",
                       "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["source", "claim", "value_text", "metric", "subject"]}),
        ("Value and bounds", {
            "fields": ["qualifier", ("value", "lower", "upper")],
            "description": "Leave value and bounds empty to read them from the value text "
                           "(“more than 70” is a lower bound of 70).",
        }),
        ("Period", {"fields": [("period_start", "period_end", "period_precision")]}),
        ("Provenance", {"fields": [("attributed_to", "origin_role"), ("rank", "rank_reason"), "supersedes"]}),
        ("Status", {"fields": ["status", "note"]}),
        ("Anchor and entry", {"classes": ["collapse"], "fields": [
            ("anchor_start", "anchor_end"), ("anchor_prefix", "anchor_suffix"), ("import_batch", "import_row"),
            ("created_by", "created_at", "updated_at"),
        ]}),
    ]

    @admin.display(description="bounds", ordering=Coalesce("value", "lower", "upper"))
    def bounds(self, figure):
        return figure.bounds_display

    @admin.display(description="period", ordering="period_start")
    def period(self, figure):
        from claims.parsing import format_period

        return format_period(figure.period_start, figure.period_end, figure.period_precision)


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["verdict", "target_display", "reviewer", "reviewed_at"]
    list_filter = ["verdict", "reviewer"]
    list_select_related = ["claim", "figure__metric", "figure__subject", "reviewer"]
    search_fields = ["rationale", "claim__quote", "figure__value_text"]
    autocomplete_fields = ["claim", "figure", "evidence"]
    readonly_fields = ["reviewer"]
    date_hierarchy = "reviewed_at"

    def has_change_permission(self, request, obj=None):
        # A verdict is its reviewer's own: others may read it, not rewrite it.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or request.user.is_superuser or obj.reviewer_id == request.user.pk)

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

    @admin.display(description="of")
    def target_display(self, review):
        target = review.target
        return format_html("{} {}", "claim" if review.claim_id else "figure", target)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "file_format", "created_by", "created_at", "rows_new", "rows_updated", "rows_unchanged"]
    list_select_related = ["created_by"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields]
    search_fields = ["file_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
