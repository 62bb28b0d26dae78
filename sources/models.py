import hashlib

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from factbase.dates import display_date
from factbase.search import SearchableQuerySet
from factbase.versioning import Versioned


class OutletQuerySet(models.QuerySet):
    def public(self):
        """Outlets with a published source: the others do not exist for readers."""
        return self.filter(models.Exists(Source.objects.public().filter(outlet=models.OuterRef("pk"))))


class Outlet(models.Model):
    """Who publishes sources: a party, a union, a newspaper, a government body, an NGO."""

    class Kind(models.TextChoices):
        PARTY = "party", "Political party or movement"
        UNION = "union", "Trade union"
        NEWSPAPER = "newspaper", "Newspaper or news site"
        GOVERNMENT = "government", "Government body"
        NGO = "ngo", "NGO"
        INTERNATIONAL = "international", "International organisation"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    url = models.URLField(blank=True)
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SourceQuerySet(SearchableQuerySet):
    search_fields = ["title", "authors", "text"]

    def public(self):
        return self.filter(status=Source.Status.PUBLISHED)


class Source(Versioned):
    """One document, with its full text exactly as retrieved."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        STATEMENT = "statement", "Statement"
        SPEECH = "speech", "Speech or address"
        REPORT = "report", "Report"
        DATASET = "dataset", "Dataset"
        INTERVIEW = "interview", "Interview"
        OTHER = "other", "Other"

    class DatePrecision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"
        UNKNOWN = "unknown", "Unknown"

    class Reliability(models.TextChoices):
        # The Admiralty scale's source grades, as intelligence and OSINT analysts use them.
        A = "A", "A – completely reliable"
        B = "B", "B – usually reliable"
        C = "C", "C – fairly reliable"
        D = "D", "D – not usually reliable"
        E = "E", "E – unreliable"
        F = "F", "F – reliability cannot be judged"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not public)"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn (not public)"

    slug = models.SlugField(max_length=120, unique=True, help_text="Names the source in URLs and spreadsheets.")
    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, null=True, blank=True, related_name="sources",
        help_text="Leave empty when the text does not reveal its publisher.",
    )
    authors = models.CharField(max_length=500, blank=True, help_text="As the text names them; empty when unknown.")
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN,
        help_text="How much of the publication date is known: 2018-01-01 with precision 'year' means 2018.",
    )
    language = models.CharField(max_length=12, default="en", help_text="BCP 47 code: en, ru, kk…")
    url = models.URLField(max_length=1000, blank=True)
    archived_url = models.URLField(max_length=1000, blank=True)
    text = models.TextField(blank=True, help_text="The full text exactly as retrieved. Quotes are anchored in it; "
                                                  "a dataset may have none.")
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    reliability = models.CharField(
        max_length=1, choices=Reliability.choices, default=Reliability.F,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_vector"],
                                no_db_index=["outlet", "slug"])
    # Filled by a PostgreSQL trigger (sources migration 0002) from title, authors and text; NULL elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        indexes = [
            models.Index(fields=["outlet", "-published_on"]),
            models.Index(fields=["-published_on", "title"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_on__isnull=False) | models.Q(published_precision="unknown"),
                name="source_date_precision_needs_a_date",
                violation_error_message="A publication date precision needs a publication date.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("claims:source-detail", args=[self.slug])

    @staticmethod
    def hash_text(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    MAX_TEXT_LENGTH = 5_000_000  # characters: a long report; longer texts are split into several sources

    def save(self, *args, **kwargs):
        self.content_hash = self.hash_text(self.text)
        super().save(*args, **kwargs)

    def clean(self):
        if "\x00" in self.text:
            raise ValidationError({"text": "The text contains a NUL character; remove it."})
        if len(self.text) > self.MAX_TEXT_LENGTH:
            raise ValidationError({"text": f"The text has {len(self.text):,} characters; at most "
                                           f"{self.MAX_TEXT_LENGTH:,} are allowed (nothing is cut)."})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def publish(self) -> None:
        self.status = self.Status.PUBLISHED

    def withdraw(self) -> None:
        self.status = self.Status.WITHDRAWN

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def published_display(self) -> str:
        if not self.published_on:
            return "date unknown"
        return display_date(self.published_on, self.published_precision)


def language_name(code: str) -> str:
    """A language's English name from its BCP 47 code ("ru" → "Russian"); the code itself when Django does not
    know it."""
    from django.utils.translation import get_language_info

    try:
        return get_language_info(code.lower())["name"]
    except KeyError:
        primary = code.lower().split("-")[0]
        try:
            return get_language_info(primary)["name"] if primary != code.lower() else code
        except KeyError:
            return code
