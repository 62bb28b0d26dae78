from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from factbase.autocomplete import RankedSearchMixin
from factbase.curation import CuratedAdmin, StatusActionsMixin
from sources.models import Outlet, Source
from sources.resources import OutletResource, SourceResource


@admin.register(Outlet)
class OutletAdmin(RankedSearchMixin, ImportExportModelAdmin, CuratedAdmin):
    resource_classes = [OutletResource]
    ranked_fields = ("name", "slug")
    list_display = ["name", "kind", "slug", "source_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("sources"))

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, outlet):
        return outlet.source_count


@admin.register(Source)
class SourceAdmin(RankedSearchMixin, StatusActionsMixin, ImportExportModelAdmin, CuratedAdmin):
    superuser_deletes = True
    ranked_fields = ("title", "slug")
    resource_classes = [SourceResource]
    list_display = ["title", "outlet", "kind", "published_display", "status", "reliability", "claim_count",
                    "figure_count"]
    list_filter = ["status", "kind", "reliability", "language", "outlet"]
    list_select_related = ["outlet"]
    search_fields = ["title", "slug", "authors", "outlet__name"]
    ordering = ["-published_on", "title"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["outlet"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["content_hash", "text_length", "created_at", "updated_at", "public_page"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "outlet", "authors", "status", "reliability", "public_page",
                           "version_seen"]}),
        ("Publication", {"fields": [("published_on", "published_precision"), "language", "url", "archived_url"]}),
        ("Text as retrieved", {"fields": ["text", ("content_hash", "text_length")]}),
        ("Notes", {"fields": ["note", ("created_at", "updated_at")]}),
    ]

    class Media:
        css = {"all": ["factbase-admin.css"]}  # a stylesheet, not a style attribute: the CSP allows no inline styles

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            # Room to read the source, not just to paste it.
            kwargs["widget"] = forms.Textarea(attrs={"rows": 28, "class": "source-text-field"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            claim_count=Count("claims", distinct=True), figure_count=Count("figures", distinct=True)
        )

    @admin.display(description="published", ordering="published_on")
    def published_display(self, source):
        return source.published_display

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, source):
        return source.claim_count

    @admin.display(description="figures", ordering="figure_count")
    def figure_count(self, source):
        return source.figure_count

    @admin.display(description="characters")
    def text_length(self, source):
        return f"{len(source.text):,}"

    @admin.display(description="public page")
    def public_page(self, source):
        if not source.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', source.get_absolute_url(), source.get_absolute_url())
