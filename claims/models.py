from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims import anchors
from claims.parsing import ParseError, parse_value_text
from sources.models import Source


class Status(models.TextChoices):
    """Where a claim or figure stands. Drafts and withdrawn entries are never public."""

    DRAFT = "draft", "Draft (not public)"
    UNVERIFIED = "unverified", "Unverified"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    UNVERIFIABLE = "unverifiable", "Unverifiable"
    WITHDRAWN = "withdrawn", "Withdrawn (not public)"


NOT_PUBLIC = [Status.DRAFT, Status.WITHDRAWN]


class EntityQuerySet(models.QuerySet):
    def named(self, reference: str):
        """Entities whose slug, name or alias is the reference (case-insensitive)."""
        reference = reference.strip()
        return self.filter(
            Q(slug__iexact=reference) | Q(name__iexact=reference) | Q(aliases__name__iexact=reference)
        ).distinct()


class Entity(models.Model):
    """A person, organisation, place or event that claims are by or about."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        PLACE = "place", "Place"
        EVENT = "event", "Event"
        GROUP = "group", "Group of people"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, db_index=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"

    def __str__(self):
        return self.name


class EntityAlias(models.Model):
    """Another name of an entity: Alma-Ata for Almaty, Nursultan for Astana."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entity aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"), name="entity_alias_unique_name",
                violation_error_message="This alias already names an entity.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        clash = Entity.objects.filter(Q(name__iexact=self.name) | Q(slug__iexact=self.name))
        if self.entity_id:
            clash = clash.exclude(pk=self.entity_id)
        if clash.exists():
            raise ValidationError({"name": f"“{self.name}” is already the name of the entity “{clash.first()}”."})


class Metric(models.Model):
    """What a figure measures, with its unit and valid range. A curated vocabulary."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, help_text="people, percent, coefficient, organisations…")
    min_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="metric_min_not_above_max",
                violation_error_message="The minimum must not be above the maximum.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    @property
    def range_display(self) -> str:
        low = "−∞" if self.min_value is None else _plain(self.min_value)
        high = "∞" if self.max_value is None else _plain(self.max_value)
        return f"{low} to {high} {self.unit}"

    def out_of_range(self, number: Decimal | None) -> bool:
        if number is None:
            return False
        return (self.min_value is not None and number < self.min_value) or (
            self.max_value is not None and number > self.max_value
        )


def _plain(number: Decimal) -> str:
    """Decimal without trailing zeros or exponent: 0.332000 → 0.332, 7E+1 → 70."""
    text = format(number.normalize(), "f")
    return text


def bounds_problem(qualifier: str, value, lower, upper) -> tuple[str, str] | None:
    """What is wrong with these bounds for this qualifier, as (field, message); None when they fit.

    The same rules as the database's check constraints, said in words a curator can act on.
    """
    needs = {
        "exact": ("value", "an exact figure needs a value and no bounds"),
        "approximate": ("value", "an approximate figure needs a value"),
        "more_than": ("lower", "“more than” is a lower bound: give lower, leave value and upper empty"),
        "at_least": ("lower", "“at least” is a lower bound: give lower, leave value and upper empty"),
        "less_than": ("upper", "“less than” is an upper bound: give upper, leave value and lower empty"),
        "at_most": ("upper", "“at most” is an upper bound: give upper, leave value and lower empty"),
        "range": ("lower", "a range needs both lower and upper"),
    }
    if qualifier not in needs:
        return "qualifier", f"unknown qualifier “{qualifier}”"
    column, message = needs[qualifier]
    present = {"value": value is not None, "lower": lower is not None, "upper": upper is not None}
    fits = {
        "exact": present == {"value": True, "lower": False, "upper": False},
        "approximate": present["value"],
        "more_than": present == {"value": False, "lower": True, "upper": False},
        "at_least": present == {"value": False, "lower": True, "upper": False},
        "less_than": present == {"value": False, "lower": False, "upper": True},
        "at_most": present == {"value": False, "lower": False, "upper": True},
        "range": present["lower"] and present["upper"],
    }[qualifier]
    if not fits:
        return column, message
    if lower is not None and upper is not None and lower > upper:
        return "lower", f"the lower bound {_plain(lower)} is above the upper bound {_plain(upper)}"
    if value is not None and lower is not None and value < lower:
        return "value", f"the value {_plain(value)} is below its lower bound {_plain(lower)}"
    if value is not None and upper is not None and value > upper:
        return "value", f"the value {_plain(value)} is above its upper bound {_plain(upper)}"
    return None


class ImportBatch(models.Model):
    """One spreadsheet import: which file, who, when and what it did."""

    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)
    model = models.CharField(max_length=50, default="figure")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    created_references = models.TextField(blank=True, help_text="Sources and subjects the import created.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"Import #{self.pk}: {self.file_name}"


class Anchored(models.Model):
    """Where a quoted text sits in its source: offsets plus a little context either side."""

    anchor_start = models.PositiveIntegerField(null=True, blank=True, editable=False)
    anchor_end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    anchor_prefix = models.CharField(max_length=anchors.CONTEXT_LENGTH, blank=True, editable=False)
    anchor_suffix = models.CharField(max_length=anchors.CONTEXT_LENGTH, blank=True, editable=False)

    class Meta:
        abstract = True

    anchored_text_field = "quote"

    @property
    def anchored_text(self) -> str:
        return getattr(self, self.anchored_text_field)

    @property
    def is_anchored(self) -> bool:
        return anchors.matches(self.source.text, self.anchored_text, self.anchor_start, self.anchor_end)

    def anchor(self, context: str = "") -> bool:
        """Find the text in the source (keeping the current occurrence if it still matches)."""
        text = self.source.text
        if not context and anchors.matches(text, self.anchored_text, self.anchor_start, self.anchor_end):
            found = anchors.anchor_at(text, self.anchor_start, self.anchor_end)
        else:
            hint = None
            if self.anchor_start is not None:
                hint = anchors.Anchor(self.anchor_start, self.anchor_end or 0, self.anchor_prefix, self.anchor_suffix)
            found = anchors.locate(text, self.anchored_text, hint=hint, context=context)
        if found is None:
            self.anchor_start = self.anchor_end = None
            self.anchor_prefix = self.anchor_suffix = ""
            return False
        self.anchor_start, self.anchor_end = found.start, found.end
        self.anchor_prefix, self.anchor_suffix = found.prefix, found.suffix
        return True


def anchor_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(anchor_start__isnull=True, anchor_end__isnull=True) | Q(anchor_start__lte=F("anchor_end")),
        name=name,
        violation_error_message="An anchor needs both offsets, start before end.",
    )


def _postgres(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english")


def _search(queryset, text: str, fallback_fields: list[str]):
    """Full-text search on PostgreSQL (the stored, GIN-indexed search_vector); on other databases
    every word must occur in one of the fallback fields. Ranking is a separate step: ranked()."""
    if _postgres(queryset):
        return queryset.filter(search_vector=search_query(text))
    matching = queryset.model.objects.all()
    for word in text.split():
        word = word.strip('"')
        if word and word.lower() not in ("or", "-"):
            condition = Q()
            for field in fallback_fields:
                condition |= Q(**{f"{field}__icontains": word})
            matching = matching.filter(condition)
    # A subquery, because joins over many-valued relations (aliases) would repeat rows.
    return queryset.filter(pk__in=matching.values("pk"))


class RankedQuerySet(models.QuerySet):
    def ranked(self, text: str):
        """Best match first (PostgreSQL; elsewhere unchanged). Ranking reads every match: bound them first."""
        if not _postgres(self):
            return self
        return self.annotate(search_rank=SearchRank(F("search_vector"), search_query(text))).order_by(
            "-search_rank", "-pk")


class ClaimQuerySet(RankedQuerySet):
    def public(self):
        return self.exclude(status__in=NOT_PUBLIC).filter(source__status=Source.Status.PUBLISHED)

    def search(self, text: str):
        return _search(self, text, ["quote", "speaker__name", "source__title", "note"])


class Claim(Anchored):
    """A statement a source makes or quotes, verbatim, anchored in the source text."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    quote = models.TextField(help_text="Verbatim, as it stands in the source text.")
    speaker = models.ForeignKey(
        Entity, on_delete=models.PROTECT, null=True, blank=True, related_name="claims_made",
        help_text="Who said it (not the outlet that printed it). Empty when the source does not say.",
    )
    about = models.ManyToManyField(Entity, blank=True, related_name="claims_about")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    note = models.TextField(blank=True)
    ref = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # History keeps what curators wrote; its copies need no indexes beyond the record's id and date.
    history = HistoricalRecords(excluded_fields=["updated_at", "search_vector"], m2m_fields=[about],
                                no_db_index=["source", "speaker", "created_by", "ref"])
    # Filled by a PostgreSQL trigger (migration 0004) from the quote, speaker and source title; NULL elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["source", "anchor_start", "id"]
        indexes = [
            models.Index(fields=["source", "anchor_start"]),
            models.Index(fields=["status", "-id"], name="claim_status_recent"),
        ]
        constraints = [anchor_constraint("claim_anchor_ordered")]

    def __str__(self):
        return f"“{self.quote[:80]}{'…' if len(self.quote) > 80 else ''}”"

    def get_absolute_url(self):
        return reverse("claims:claim-detail", args=[self.pk])

    def clean(self):
        if self.source_id and self.quote and not self.anchor():
            raise ValidationError(
                {"quote": "This quote does not occur in the source’s text. Copy it exactly as the source "
                          f"“{self.source}” has it (straight or curly quotes both match)."}
            )
        if self.anchor_start is not None:
            # Typed with straight quotes or plain dashes: keep the source's own characters.
            self.quote = self.source.text[self.anchor_start : self.anchor_end]


class FigureQuerySet(RankedQuerySet):
    def public(self):
        return self.exclude(status__in=NOT_PUBLIC).filter(source__status=Source.Status.PUBLISHED)

    def comparable_with(self, figure):
        return self.filter(
            metric_id=figure.metric_id, subject_id=figure.subject_id,
            period_start=figure.period_start, period_end=figure.period_end,
        )

    def search(self, text: str):
        return _search(self, text, [
            "value_text", "metric__name", "subject__name", "subject__aliases__name", "attributed_to__name",
            "claim__quote", "source__title", "note",
        ])

    def overlapping(self, low=None, high=None):
        """Figures whose range reaches into [low, high]: a value inside it, or bounds that do.

        "more than 70" has no upper end, so it overlaps [100, 200]; it does not overlap [0, 50].
        """
        queryset = self
        if low is not None:
            queryset = queryset.filter(Q(upper__gte=low) | Q(upper__isnull=True, value__gte=low)
                                       | Q(upper__isnull=True, value__isnull=True))
        if high is not None:
            queryset = queryset.filter(Q(lower__lte=high) | Q(lower__isnull=True, value__lte=high)
                                       | Q(lower__isnull=True, value__isnull=True))
        return queryset

    def conflicting(self):
        """Figures in a comparison whose ranges do not all overlap (see Comparison and in_conflict)."""
        return self.filter(in_conflict=True)


class Figure(Anchored):
    """One number as one source reports it, with its bounds, wording and provenance."""

    class Qualifier(models.TextChoices):
        EXACT = "exact", "exactly"
        APPROXIMATE = "approximate", "about"
        MORE_THAN = "more_than", "more than"
        AT_LEAST = "at_least", "at least"
        LESS_THAN = "less_than", "less than"
        AT_MOST = "at_most", "at most"
        RANGE = "range", "between"

    class Precision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    class OriginRole(models.TextChoices):
        OFFICIAL = "official", "Official"
        OPPOSITION = "opposition", "Opposition"
        INDEPENDENT = "independent", "Independent expert"
        NGO = "ngo", "NGO"
        MEDIA = "media", "Media"
        AUTHOR = "author", "The author’s own figure"
        UNKNOWN = "unknown", "Unknown"

    class Rank(models.TextChoices):
        PREFERRED = "preferred", "Preferred"
        NORMAL = "normal", "Normal"
        DEPRECATED = "deprecated", "Deprecated"

    # source and metric lead composite indexes (figure_source, figure_comparison): no index of their own.
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="figures", db_index=False)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="figures",
        help_text="The quoted claim this number appears in, if any.",
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="figures", db_index=False)
    subject = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="figures")
    period_start = models.DateField()
    period_end = models.DateField()
    period_precision = models.CharField(max_length=10, choices=Precision.choices, default=Precision.YEAR)
    value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    lower = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    upper = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    qualifier = models.CharField(max_length=20, choices=Qualifier.choices, default=Qualifier.EXACT)
    value_text = models.CharField(
        max_length=300, help_text="The number exactly as the source writes it: “more than 70”, “some 740,000”."
    )
    attributed_to = models.ForeignKey(
        Entity, on_delete=models.PROTECT, null=True, blank=True, related_name="figures_attributed",
        help_text="Whose number it is (official statistics, an NGO), as distinct from the source reporting it.",
    )
    origin_role = models.CharField(max_length=20, choices=OriginRole.choices, default=OriginRole.UNKNOWN)
    rank = models.CharField(max_length=12, choices=Rank.choices, default=Rank.NORMAL)
    rank_reason = models.CharField(max_length=300, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="superseded_by",
        help_text="The earlier figure this one revises; the old one stays visible.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True)
    ref = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="figures", editable=False
    )
    import_row = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # History keeps what curators wrote (not derived search vectors or conflict flags); its copies
    # need no indexes beyond the record's id and date, which keeps bulk imports' history cheap.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_vector", "in_conflict"],
        no_db_index=["source", "claim", "metric", "subject", "attributed_to", "supersedes", "import_batch",
                     "created_by", "ref"],
    )
    # Filled by a PostgreSQL trigger (migration 0004) from the value text, metric, subject and its aliases,
    # attribution, claim quote and source title; NULL elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)
    # Copied from its Comparison by claims.comparisons, so `conflicting=1` is an indexed filter, not a join.
    in_conflict = models.BooleanField(default=False, db_default=False, editable=False)

    objects = FigureQuerySet.as_manager()

    anchored_text_field = "value_text"

    class Meta:
        ordering = ["-period_start", "metric", "id"]
        indexes = [
            models.Index(fields=["metric", "subject", "period_start", "period_end"], name="figure_comparison"),
            models.Index(fields=["source", "anchor_start"], name="figure_source"),
            models.Index(fields=["status"], name="figure_status"),
            # Metric and status together, the curators' commonest filter: a capped count stays an index scan.
            models.Index(fields=["metric", "status"], name="figure_metric_status"),
            models.Index(fields=["value"], name="figure_value"),
            models.Index(fields=["-period_start", "id"], name="figure_period"),
            # Public list: sort by the number (value, else its bound) and filter by metric in period order.
            models.Index(Coalesce("value", "lower", "upper"), "id", name="figure_sort_value"),
            models.Index(F("metric"), F("period_start").desc(), "id", name="figure_metric_period"),
            models.Index(F("period_start").desc(), "id", name="figure_in_conflict", condition=Q(in_conflict=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(lower__lte=F("upper")),
                name="figure_lower_not_above_upper",
                violation_error_message="The lower bound must not be above the upper bound.",
            ),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(value__isnull=True) | Q(lower__lte=F("value")),
                name="figure_value_not_below_lower",
                violation_error_message="The value must not be below its lower bound.",
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(value__isnull=True) | Q(value__lte=F("upper")),
                name="figure_value_not_above_upper",
                violation_error_message="The value must not be above its upper bound.",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")),
                name="figure_period_ordered",
                violation_error_message="The period must not end before it starts.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(qualifier="exact", value__isnull=False, lower__isnull=True, upper__isnull=True)
                    | Q(qualifier="approximate", value__isnull=False)
                    | Q(qualifier__in=["more_than", "at_least"], value__isnull=True, lower__isnull=False,
                        upper__isnull=True)
                    | Q(qualifier__in=["less_than", "at_most"], value__isnull=True, lower__isnull=True,
                        upper__isnull=False)
                    | Q(qualifier="range", lower__isnull=False, upper__isnull=False)
                ),
                name="figure_bounds_match_qualifier",
                violation_error_message=(
                    "The value and bounds do not fit the qualifier: exact and about need a value; more than and "
                    "at least a lower bound only; less than and at most an upper bound only; a range both bounds."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(rank="deprecated") | ~Q(rank_reason=""),
                name="figure_deprecated_has_reason",
                violation_error_message="A deprecated figure needs a reason.",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(supersedes=F("id")),
                name="figure_not_superseding_itself",
                violation_error_message="A figure cannot supersede itself.",
            ),
            anchor_constraint("figure_anchor_ordered"),
        ]

    def __str__(self):
        return f"{self.metric.name}, {self.subject}: {self.value_text}"

    def get_absolute_url(self):
        return reverse("claims:figure-detail", args=[self.pk])

    @property
    def unit(self) -> str:
        return self.metric.unit

    @property
    def sort_value(self) -> Decimal | None:
        """The number to sort and compare by: the value, else the known bound."""
        return self.value if self.value is not None else (self.lower if self.lower is not None else self.upper)

    @property
    def bounds_display(self) -> str:
        q = self.Qualifier
        if self.qualifier == q.EXACT:
            return _plain(self.value)
        if self.qualifier == q.APPROXIMATE:
            return f"≈ {_plain(self.value)}"
        if self.qualifier in (q.MORE_THAN, q.AT_LEAST):
            return f"{'>' if self.qualifier == q.MORE_THAN else '≥'} {_plain(self.lower)}"
        if self.qualifier in (q.LESS_THAN, q.AT_MOST):
            return f"{'<' if self.qualifier == q.LESS_THAN else '≤'} {_plain(self.upper)}"
        return f"{_plain(self.lower)}–{_plain(self.upper)}"

    def fill_from_value_text(self, *, decimal_comma: bool = False) -> None:
        """Derive qualifier and bounds from the value text when none are given."""
        if self.value is None and self.lower is None and self.upper is None and self.value_text:
            parsed = parse_value_text(self.value_text, decimal_comma=decimal_comma)
            self.qualifier, self.value, self.lower, self.upper = (
                parsed.qualifier, parsed.value, parsed.lower, parsed.upper
            )

    def value_text_disagreement(self, *, decimal_comma: bool = False) -> str | None:
        """Why the value text and the stored numbers disagree, or None when they agree.

        Text that is not a number ("a third of the workforce") cannot disagree.
        """
        try:
            parsed = parse_value_text(self.value_text, decimal_comma=decimal_comma)
        except ParseError:
            return None
        stored = (self.qualifier, self.value, self.lower, self.upper)
        if parsed.qualifier == self.Qualifier.EXACT and self.qualifier == self.Qualifier.APPROXIMATE:
            parsed_numbers = (parsed.value, parsed.lower, parsed.upper)
            return None if parsed_numbers[0] == self.value else _explain(self.value_text, parsed)
        if (parsed.qualifier, parsed.value, parsed.lower, parsed.upper) != stored:
            return _explain(self.value_text, parsed)
        return None

    def clean(self):
        errors = {}
        if self.value_text:
            try:
                self.fill_from_value_text()
            except ParseError as error:
                errors["value_text"] = f"{error}. Give the value and bounds by hand if the wording is unusual."
        if not errors and (problem := self.value_text_disagreement()):
            errors["qualifier"] = problem
        if not errors and (problem := bounds_problem(self.qualifier, self.value, self.lower, self.upper)):
            errors[problem[0]] = problem[1][0].upper() + problem[1][1:] + "."
        if self.metric_id:
            for field in ("value", "lower", "upper"):
                number = getattr(self, field)
                if self.metric.out_of_range(number):
                    errors.setdefault(field, (
                        f"{_plain(number)} is outside the range of {self.metric.name}: "
                        f"expected {self.metric.range_display}."
                    ))
        if self.supersedes_id and self.pk and self.supersedes_id == self.pk:
            errors["supersedes"] = "A figure cannot supersede itself."
        if self.supersedes_id and self.metric_id and self.supersedes.metric_id != self.metric_id:
            errors["supersedes"] = "A figure can only supersede a figure of the same metric."
        if self.source_id and self.value_text and self.source.text:
            # The number need not be anchored (a table, a scanned report), but when it is
            # found it is anchored, and a stale anchor is moved.
            self.anchor()
        if errors:
            raise ValidationError(errors)


def _explain(value_text: str, parsed) -> str:
    reading = {
        "exact": lambda: f"exactly {_plain(parsed.value)}",
        "approximate": lambda: f"about {_plain(parsed.value)}",
        "more_than": lambda: f"more than {_plain(parsed.lower)} (a lower bound, no value)",
        "at_least": lambda: f"at least {_plain(parsed.lower)} (a lower bound, no value)",
        "less_than": lambda: f"less than {_plain(parsed.upper)} (an upper bound, no value)",
        "at_most": lambda: f"at most {_plain(parsed.upper)} (an upper bound, no value)",
        "range": lambda: f"between {_plain(parsed.lower)} and {_plain(parsed.upper)} (both bounds, no value)",
    }[parsed.qualifier]()
    return f"The value text “{value_text}” reads as {reading}; the qualifier, value and bounds given say otherwise."


class Review(models.Model):
    """A reviewer's verdict on a claim or a figure. Nobody verifies their own entry."""

    class Verdict(models.TextChoices):
        VERIFIED = Status.VERIFIED.value, Status.VERIFIED.label
        DISPUTED = Status.DISPUTED.value, Status.DISPUTED.label
        FALSE = Status.FALSE.value, Status.FALSE.label
        MISLEADING = Status.MISLEADING.value, Status.MISLEADING.label
        UNVERIFIABLE = Status.UNVERIFIABLE.value, Status.UNVERIFIABLE.label

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews")
    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    reviewed_at = models.DateTimeField(default=timezone.now)
    rationale = models.TextField()
    evidence = models.ManyToManyField(Source, blank=True, related_name="evidence_for_reviews")
    history = HistoricalRecords(m2m_fields=[evidence], no_db_index=["claim", "figure", "reviewer"])

    class Meta:
        ordering = ["-reviewed_at"]
        indexes = [models.Index(fields=["-reviewed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=False, figure__isnull=True) | Q(claim__isnull=True, figure__isnull=False),
                name="review_has_one_target",
                violation_error_message="A review is of exactly one claim or one figure.",
            ),
        ]

    def __str__(self):
        return f"{self.get_verdict_display()}: {self.target}"

    @property
    def target(self):
        return self.claim if self.claim_id else self.figure

    def clean(self):
        target = self.target
        if target is not None and self.reviewer_id and target.created_by_id == self.reviewer_id:
            kind = "claim" if self.claim_id else "figure"
            raise ValidationError(
                f"{self.reviewer} entered this {kind}; a different reviewer must give the verdict.",
                code="self_review",
            )

    def save(self, *args, **kwargs):
        # The latest verdict is the target's status, so lists can filter on it without a join.
        with transaction.atomic():
            super().save(*args, **kwargs)
            target = self.target
            latest = target.reviews.order_by("-reviewed_at", "-id").first()
            if latest is not None and target.status != latest.verdict:
                target.status = latest.verdict
                target._change_reason = f"Review #{latest.pk}: {latest.get_verdict_display()}"
                target.save(update_fields=["status", "updated_at"])


class ComparisonQuerySet(models.QuerySet):
    def by_disagreement(self):
        return self.order_by("-disagreement", "id")


class Comparison(models.Model):
    """Public figures of one metric, subject and period from two or more sources or origins.

    Derived, never typed in: claims.comparisons keeps it up to date whenever a figure
    or a source is saved or deleted, and rebuilds it in bulk after a bulk load. It is a
    table so that /compare/ and `conflicting=1` need no GROUP BY over every figure.
    """

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    figure_count = models.PositiveIntegerField()
    source_count = models.PositiveIntegerField()
    origin_count = models.PositiveIntegerField(help_text="Independent origins: ten outlets repeating one "
                                                         "ministry's number are one origin.")
    lowest = models.DecimalField(max_digits=24, decimal_places=6, help_text="The lowest number stated.")
    highest = models.DecimalField(max_digits=24, decimal_places=6, help_text="The highest number stated.")
    conflicting = models.BooleanField(help_text="The ranges of the figures do not all overlap.")
    disagreement = models.FloatField(help_text="Above 1: a conflict, by the relative gap between the ranges; "
                                               "up to 1: the spread relative to the largest number.")

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-disagreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "subject", "period_start", "period_end"],
                                    name="comparison_unique_key"),
        ]
        indexes = [
            models.Index(F("disagreement").desc(), "id", name="comparison_disagreement"),
            models.Index(F("metric"), F("disagreement").desc(), name="comparison_metric"),
            models.Index(F("subject"), F("disagreement").desc(), name="comparison_subject"),
        ]

    def __str__(self):
        return f"{self.metric.name}, {self.subject}, {self.period_display}"

    @property
    def period_display(self) -> str:
        from claims.parsing import format_period

        precision = "year" if (self.period_start.month, self.period_start.day) == (1, 1) and (
            self.period_end.month, self.period_end.day) == (12, 31) else "day"
        return format_period(self.period_start, self.period_end, precision)

    @property
    def spread(self) -> Decimal:
        return self.highest - self.lowest

    def figures(self):
        """The public figures compared (a query)."""
        return Figure.objects.public().filter(
            metric_id=self.metric_id, subject_id=self.subject_id,
            period_start=self.period_start, period_end=self.period_end,
        )
