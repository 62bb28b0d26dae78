from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from import_export.admin import ImportExportModelAdmin

from factbase.autocomplete import RankedSearchMixin
from factbase.curation import CuratedAdmin, StatusActionsMixin, VersionedForm
from sources.ingest import IngestError, ingest_file, ingest_text, repeated_paragraphs
from sources.models import Outlet, Source
from sources.resources import OutletResource, SourceResource

# Repeated paragraphs named on a source's page; the count says how many more there are.
_REPEATS_SHOWN = 5


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


class SourceForm(VersionedForm):
    """A source's text pasted, or read from an uploaded .txt, .html or .pdf (sources.ingest): the file's title,
    author and date fill the fields the curator left empty, and its slug follows from the title."""

    upload = forms.FileField(
        required=False, label="Or read the text from a file",
        help_text="A .txt, .html or .pdf file; its text replaces the text above. Its title, author and date fill "
                  "the fields left empty. The text is kept exactly as extracted.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "slug"):
            if name in self.fields:
                self.fields[name].required = False  # a file may give them; clean() says so when nothing does
        if "text" in self.fields:
            self.fields["text"].strip = False  # the text as retrieved, its first and last line breaks included

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            try:
                ingested = ingest_file(upload, upload.name)
            except IngestError as error:
                self.add_error("upload", str(error))
                return cleaned
            cleaned["text"] = ingested.text
            self.fill_blank(cleaned, "title", ingested.title[:500])
            self.fill_blank(cleaned, "authors", ingested.author[:500])
            self.fill_blank(cleaned, "language", ingested.language[:12])
            if ingested.published_on and not cleaned.get("published_on") and "published_on" in self.fields:
                cleaned["published_on"] = ingested.published_on
                cleaned["published_precision"] = ingested.published_precision
        elif cleaned.get("text"):
            cleaned["text"] = self.as_pasted(cleaned["text"])
            try:
                ingest_text(cleaned["text"])
            except IngestError as error:
                self.add_error("text", str(error)[:1].upper() + str(error)[1:] + ".")
        if "title" in self.fields and not cleaned.get("title"):
            self.add_error("title", "This field is required (or upload a file that names its title).")
        elif "slug" in self.fields and not cleaned.get("slug"):
            cleaned["slug"] = self.free_slug(cleaned["title"])
        return cleaned

    def as_pasted(self, text: str) -> str:
        """Browsers send a textarea's line breaks as CRLF: an unchanged text stays as stored (its anchors' offsets
        with it), and a pasted one keeps the line breaks it was pasted with."""
        if self.instance.pk and text.replace("\r\n", "\n") == self.instance.text.replace("\r\n", "\n"):
            return self.instance.text
        return text.replace("\r\n", "\n")

    def fill_blank(self, cleaned: dict, name: str, value: str) -> None:
        if value and name in self.fields and not cleaned.get(name):
            cleaned[name] = value

    @staticmethod
    def free_slug(title: str) -> str:
        base = slugify(title)[:100].strip("-") or "source"
        slug, n = base, 1
        while Source.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug


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
    form = SourceForm
    readonly_fields = ["content_hash", "text_length", "created_at", "updated_at", "public_page", "repeats"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "outlet", "authors", "status", "reliability", "public_page",
                           "version_seen"]}),
        ("Publication", {"fields": [("published_on", "published_precision"), "language", "url", "archived_url"]}),
        ("Text as retrieved", {"fields": ["text", "upload", "repeats", ("content_hash", "text_length")]}),
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

    @admin.display(description="repeated paragraphs")
    def repeats(self, source):
        """One seed repeats half its text: the curator should know before anchoring anything in it."""
        found = repeated_paragraphs(source.text) if source.pk else []
        if not found:
            return "none"
        characters = sum(repeat.end - repeat.start for repeat in found)
        shown = format_html_join("", "<li>characters {}–{}: “{}” (first at {})</li>", (
            (f"{r.start:,}", f"{r.end:,}", _excerpt(source.text[r.start:r.end]), f"{r.first_start:,}")
            for r in found[:_REPEATS_SHOWN]))
        more = f" and {len(found) - _REPEATS_SHOWN} more" if len(found) > _REPEATS_SHOWN else ""
        return format_html(
            '<p class="repeat-warning">Warning: {} paragraphs ({} of {} characters) repeat an earlier one word '
            "for word; they give no suggestions of their own.</p><ul>{}</ul>{}",
            len(found), f"{characters:,}", f"{len(source.text):,}", shown, more,
        )


def _excerpt(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
