from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.models import HistoricalRecords

from claims import anchors, dimensions, rules
from claims.rules import plain
from factbase.dates import display_period
from factbase.search import SearchableQuerySet
from factbase.versioning import Versioned, current_user
from sources.models import Source

NUMBER = {"max_digits": rules.MAX_INTEGER_DIGITS + rules.MAX_DECIMALS, "decimal_places": rules.MAX_DECIMALS}


class Status(models.TextChoices):
    """Where a claim or figure stands. Drafts and withdrawn entries are never public; the verdicts
    (verified … unverifiable) come only from reviews."""

    DRAFT = rules.Status.DRAFT, "Draft (not public)"
    UNVERIFIED = rules.Status.UNVERIFIED, "Unverified"
    VERIFIED = rules.Status.VERIFIED, "Verified"
    DISPUTED = rules.Status.DISPUTED, "Disputed"
    FALSE = rules.Status.FALSE, "False"
    MISLEADING = rules.Status.MISLEADING, "Misleading"
    UNVERIFIABLE = rules.Status.UNVERIFIABLE, "Unverifiable"
    WITHDRAWN = rules.Status.WITHDRAWN, "Withdrawn (not public)"


class Verdict(models.TextChoices):
    VERIFIED = Status.VERIFIED.value, Status.VERIFIED.label
    DISPUTED = Status.DISPUTED.value, Status.DISPUTED.label
    FALSE = Status.FALSE.value, Status.FALSE.label
    MISLEADING = Status.MISLEADING.value, Status.MISLEADING.label
    UNVERIFIABLE = Status.UNVERIFIABLE.value, Status.UNVERIFIABLE.label


NOT_PUBLIC = [Status.DRAFT, Status.WITHDRAWN]


class EntityQuerySet(models.QuerySet):
    def named(self, reference: str):
        """Entities whose slug, name or alias is the reference (case-insensitive).

        The names and the aliases are matched in subqueries of their own, so that a filter chained with this one
        (public(), with its EXISTS probes) runs for the few entities so named, not for every entity: joined to
        the aliases under an OR, the lookup of one subject took 2.5 s at 100,000 figures."""
        reference = reference.strip()
        by_name = Entity.objects.filter(Q(slug__iexact=reference) | Q(name__iexact=reference)).values("pk")
        by_alias = EntityAlias.objects.filter(name__iexact=reference).values("entity_id")
        return self.filter(Q(pk__in=by_name) | Q(pk__in=by_alias))

    def public(self):
        """Entities a public claim or figure is by, about or attributed to: the others do not exist for readers.

        Four EXISTS probes on indexed foreign keys; meant for one entity at a time (a filter's value).
        """
        figures = Figure.objects.public()
        claims = Claim.objects.public()
        return self.filter(
            Exists(figures.filter(subject=OuterRef("pk"))) | Exists(figures.filter(attributed_to=OuterRef("pk")))
            | Exists(claims.filter(speaker=OuterRef("pk"))) | Exists(claims.filter(about=OuterRef("pk")))
        )


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
    min_value = models.DecimalField(**NUMBER, null=True, blank=True)
    max_value = models.DecimalField(**NUMBER, null=True, blank=True)
    description = models.TextField(blank=True)
    expected_dimensions = models.TextField(
        blank=True, help_text="What figures of this metric say beyond it, one per line as `key: usual value, other "
                              "value` (welfare: income, consumption). Other values stay allowed.",
    )
    other_units = models.TextField(
        blank=True, help_text="Other units its figures may be written in, one per line as `unit = factor`: "
                              "`thousand people = 1000`. Percent and coefficient convert by themselves.",
    )
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
    def range(self) -> rules.MetricRange:
        return rules.MetricRange(self.name, self.unit, self.min_value, self.max_value)

    @property
    def range_display(self) -> str:
        return self.range.display

    def unit_factor(self, written: str) -> Decimal | None:
        """How many of this metric's units one `written` unit is (percent on a coefficient: 0.01)."""
        return rules.unit_factor(written, self.unit, self.declared_units())

    def declared_units(self) -> dict[str, Decimal]:
        return rules.parse_declared_units(self.other_units)[0]  # clean() refuses lines it cannot read

    def clean(self):
        errors = {}
        if bad := rules.parse_declared_units(self.other_units)[1]:
            errors["other_units"] = f"“{bad[0]}” should read `unit = factor`, e.g. thousand people = 1000."
        try:
            dimensions.expected(self.expected_dimensions)
        except dimensions.DimensionError as error:
            errors["expected_dimensions"] = str(error)
        if errors:
            raise ValidationError(errors)

    def expected_dimension_values(self) -> dict[str, list[str]]:
        try:
            return dimensions.expected(self.expected_dimensions)
        except dimensions.DimensionError:
            return {}


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
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"Import #{self.pk}: {self.file_name}"

    @property
    def record_model(self):
        return Claim if self.model == "claim" else Figure

    def created(self, kind: str) -> list[str]:
        """Slugs of the sources or entities this import created (`kind` is "source" or "entity")."""
        return [line.split(" ", 1)[1] for line in self.created_references.splitlines()
                if line.startswith(f"{kind} ")]


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


def ref_constraint(name: str) -> models.UniqueConstraint:
    # The seed's own key, set on a few records: a partial index, so imported rows cost it nothing.
    return models.UniqueConstraint(fields=["ref"], condition=Q(ref__isnull=False), name=name)


def anchor_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(anchor_start__isnull=True, anchor_end__isnull=True) | Q(anchor_start__lte=F("anchor_end")),
        name=name,
        violation_error_message="An anchor needs both offsets, start before end.",
    )


class Reviewable(Versioned):
    """Claims and figures: a visibility the curators set and a verdict only a review gives.

    `status` is what lists filter on: draft or withdrawn (hidden), else the verdict, or unverified until there
    is one — a database constraint keeps it so on every path. A change to what the record says (its
    `substance`) clears the verdict: the review was of the old wording or number.
    """

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True, default="", editable=False,
                               help_text="The latest review's verdict on what the record says now.")
    # No indexes on who entered or changed a record: nothing lists records by user, and deleting a user is rare.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+",
        db_index=False,
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+",
        db_index=False, help_text="Who last changed what it says; like its author, they may not review it.",
    )
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    substance: tuple[str, ...] = ()
    kind = "record"

    class Meta:
        abstract = True

    @classmethod
    def status_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(status__in=NOT_PUBLIC) | Q(verdict="", status=Status.UNVERIFIED)
            | (~Q(verdict="") & Q(status=F("verdict"))),
            name=name,
            violation_error_message="A published record shows its review's verdict, or unverified when it has none.",
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Read only what was loaded: touching a deferred field here would load it, recursing into from_db. A
        # record read in part learns what it said, if it needs to, when it is saved.
        loaded = set(field_names)
        instance._substance_read = (instance.substance_values()
                                    if all(field in loaded for field in cls.substance) else None)
        return instance

    def substance_values(self) -> tuple:
        return tuple(getattr(self, field) for field in self.substance)

    @property
    def is_public(self) -> bool:
        return self.status not in NOT_PUBLIC

    @property
    def authors(self) -> set:
        return {self.created_by_id, self.edited_by_id} - {None}

    def publish(self) -> None:
        """Show it with the status it has earned: its verdict, or unverified."""
        self.status = rules.public_status(self.verdict)

    def withdraw(self) -> None:
        self.status = Status.WITHDRAWN

    def status_problem(self) -> str | None:
        return rules.status_problem(self.status, self.verdict, kind=self.kind)

    def save(self, *args, **kwargs):
        read = getattr(self, "_substance_read", None)
        if read is None and not self._state.adding and self.pk is not None:
            read = type(self).objects.filter(pk=self.pk).values_list(*self.substance).first()
        user = current_user(self)
        if self._state.adding:
            if self.created_by_id is None and user is not None:
                self.created_by = user
            if self.edited_by_id is None:
                self.edited_by_id = self.created_by_id
            self.edited_at = self.edited_at or timezone.now()
        elif read is not None and read != self.substance_values():
            self.edited_by, self.edited_at = user, timezone.now()
            if self.verdict:
                reason = f"the verdict “{self.verdict}” was on what it said before; it awaits a new review"
                self._change_reason = "; ".join(filter(None, [getattr(self, "_change_reason", None), reason]))
                self.status, self.verdict = rules.content_changed(self.status, self.verdict)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "edited_by", "edited_at", "verdict", "status"}
        super().save(*args, **kwargs)
        self._substance_read = self.substance_values()

    def take_verdict(self) -> None:
        """Set the verdict from the latest review of what it says now (reviews before its last change are of an
        earlier version), and show it if the record is public. Call inside a transaction holding the row."""
        reviews = self.reviews.order_by("-reviewed_at", "-id")
        if self.edited_at is not None:
            reviews = reviews.filter(reviewed_at__gte=self.edited_at)
        latest = reviews.first()
        self.verdict = latest.verdict if latest else ""
        if self.is_public:
            self.status = rules.public_status(self.verdict)
        self._change_reason = (f"Review #{latest.pk}: {latest.get_verdict_display()}" if latest
                               else "Its reviews were withdrawn")

    def clean_status(self, errors: dict) -> None:
        if problem := self.status_problem():
            errors.setdefault("status", problem[0].upper() + problem[1:] + ".")


class ClaimQuerySet(SearchableQuerySet):
    search_fields = ["quote", "speaker__name", "source__title", "note"]

    def public(self):
        return self.exclude(status__in=NOT_PUBLIC).filter(source__status=Source.Status.PUBLISHED)


class Claim(Anchored, Reviewable):
    """A statement a source makes or quotes, verbatim, anchored in the source text."""

    MAX_QUOTE_LENGTH = 10_000

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    quote = models.TextField(help_text="Verbatim, as it stands in the source text.")
    speaker = models.ForeignKey(
        Entity, on_delete=models.PROTECT, null=True, blank=True, related_name="claims_made",
        help_text="Who said it (not the outlet that printed it). Empty when the source does not say.",
    )
    about = models.ManyToManyField(Entity, blank=True, related_name="claims_about")
    note = models.TextField(blank=True)
    # NULL rather than "": only refs that are set take part in the partial unique index (ref_constraint).
    ref = models.CharField(max_length=100, null=True, blank=True, editable=False,  # noqa: DJ001
                           help_text="The seed corpus's name for it (unique where set).")
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", editable=False
    )
    import_row = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # History keeps what curators wrote; its copies need no indexes beyond the record's id and date.
    history = HistoricalRecords(excluded_fields=["updated_at", "search_vector"], m2m_fields=[about],
                                no_db_index=["source", "speaker", "created_by", "edited_by", "ref", "import_batch"])
    # Filled by a PostgreSQL trigger (migration 0004) from the quote, speaker and source title; NULL elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ClaimQuerySet.as_manager()

    substance = ("source_id", "quote", "speaker_id")
    kind = "claim"

    class Meta:
        ordering = ["source", "anchor_start", "id"]
        indexes = [
            # A source's page lists its first claims in text order (anchor_start, id).
            models.Index(fields=["source", "anchor_start", "id"], name="claim_source"),
            models.Index(fields=["status", "-id"], name="claim_status_recent"),
            # The reviewers' queue, oldest first (claims.review_queue); partial: only what awaits a verdict.
            models.Index(fields=["edited_at", "created_at", "id"], name="claim_awaiting_review",
                         condition=Q(status="unverified")),
        ]
        constraints = [anchor_constraint("claim_anchor_ordered"), Reviewable.status_constraint("claim_status_verdict"),
                       ref_constraint("claim_ref")]

    def __str__(self):
        return f"“{self.quote[:80]}{'…' if len(self.quote) > 80 else ''}”"

    def get_absolute_url(self):
        return reverse("claims:claim-detail", args=[self.pk])

    def clean(self):
        errors = {}
        if problem := rules.text_problem("quote", self.quote, self.MAX_QUOTE_LENGTH):
            errors["quote"] = problem[0].upper() + problem[1:] + "."
        elif self.source_id and self.quote and not self.anchor():
            errors["quote"] = ("This quote does not occur in the source’s text. Copy it exactly as the source "
                               f"“{self.source}” has it (straight or curly quotes both match).")
        elif self.anchor_start is not None:
            # Typed with straight quotes or plain dashes: keep the source's own characters.
            self.quote = self.source.text[self.anchor_start : self.anchor_end]
        self.clean_status(errors)
        if errors:
            raise ValidationError(errors)


class FigureQuerySet(SearchableQuerySet):
    search_fields = ["value_text", "metric__name", "subject__name", "subject__aliases__name", "attributed_to__name",
                     "source__title", "note"]

    def public(self):
        return self.exclude(status__in=NOT_PUBLIC).filter(source__status=Source.Status.PUBLISHED)

    def comparable_with(self, figure):
        return self.filter(**{field: getattr(figure, field) for field in COMPARISON_KEY})

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

    def with_dimension(self, key: str, value: str):
        """Figures that say `key=value` among their dimensions (stored sorted, joined by "; ")."""
        pair = f"{key}={value}"
        return self.filter(Q(dimensions=pair) | Q(dimensions__startswith=f"{pair}; ")
                           | Q(dimensions__endswith=f"; {pair}") | Q(dimensions__contains=f"; {pair}; "))


# What makes figures comparable: the same metric, subject, period and definition (dimensions).
COMPARISON_KEY = ("metric_id", "subject_id", "period_start", "period_end", "dimensions")
# What makes two figures the same: comparable, from one source, with one wording and one origin.
IDENTITY = (*COMPARISON_KEY, "source_id", "value_text", "attributed_to_id")


class Figure(Anchored, Reviewable):
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

    class FoundIn(models.TextChoices):
        TEXT = "text", "The source's text"
        TABLE = "table", "A table in the source"
        CHART = "chart", "A chart in the source"
        DATA = "data", "The source's data file"

    VALUE_TEXT_LENGTH = 300

    # source and metric lead composite indexes (figure_source, figure_identity): no index of their own.
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="figures", db_index=False)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="figures", db_index=False,
        help_text="The quoted claim this number appears in, if any.",
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="figures", db_index=False)
    subject = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="figures")
    dimensions = models.CharField(
        max_length=dimensions.MAX_LENGTH, blank=True, default="",
        help_text="What exactly it measures beyond its metric, as key=value pairs joined by “; ” "
                  "(welfare=consumption; area=urban). Only figures with the same dimensions are compared.",
    )
    period_start = models.DateField()
    period_end = models.DateField()
    period_precision = models.CharField(max_length=10, choices=Precision.choices, default=Precision.YEAR)
    value = models.DecimalField(**NUMBER, null=True, blank=True)
    lower = models.DecimalField(**NUMBER, null=True, blank=True)
    upper = models.DecimalField(**NUMBER, null=True, blank=True)
    qualifier = models.CharField(max_length=20, choices=Qualifier.choices, default=Qualifier.EXACT)
    value_text = models.CharField(
        max_length=VALUE_TEXT_LENGTH,
        help_text="The number exactly as the source writes it: “more than 70”, “some 740,000”.",
    )
    written_unit = models.CharField(
        max_length=50, blank=True,
        help_text="The unit the source writes the number in, when it is not the metric's (percent for a Gini "
                  "written 27.01). Value and bounds are stored in the metric's unit.",
    )
    found_in = models.CharField(
        max_length=10, choices=FoundIn.choices, default=FoundIn.TEXT,
        help_text="Where the number stands in the source. A figure said to be in the text must occur in it.",
    )
    attributed_to = models.ForeignKey(
        Entity, on_delete=models.PROTECT, null=True, blank=True, related_name="figures_attributed", db_index=False,
        help_text="Whose number it is (official statistics, an NGO), as distinct from the source reporting it.",
    )
    origin_role = models.CharField(max_length=20, choices=OriginRole.choices, default=OriginRole.UNKNOWN)
    rank = models.CharField(max_length=12, choices=Rank.choices, default=Rank.NORMAL)
    rank_reason = models.CharField(max_length=300, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="superseded_by", db_index=False,
        help_text="The earlier figure this one revises; the old one stays visible.",
    )
    note = models.TextField(blank=True)
    # NULL rather than "": only refs that are set take part in the partial unique index (ref_constraint).
    ref = models.CharField(max_length=100, null=True, blank=True, editable=False,  # noqa: DJ001
                           help_text="The seed corpus's name for it (unique where set).")
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="figures", editable=False
    )
    import_row = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # History keeps what curators wrote (not derived search vectors or conflict flags); its copies
    # need no indexes beyond the record's id and date, which keeps bulk imports' history cheap.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_vector", "in_conflict"],
        no_db_index=["source", "claim", "metric", "subject", "attributed_to", "supersedes", "import_batch",
                     "created_by", "edited_by", "ref"],
    )
    # Filled by a PostgreSQL trigger (migration 0004) from the value text, metric, subject and its aliases,
    # attribution and source title; NULL elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)
    # Copied from its Comparison by claims.comparisons, so `conflicting=1` is an indexed filter, not a join.
    in_conflict = models.BooleanField(default=False, db_default=False, editable=False)

    objects = FigureQuerySet.as_manager()

    anchored_text_field = "value_text"
    substance = ("source_id", "metric_id", "subject_id", "dimensions", "period_start", "period_end",
                 "period_precision", "value", "lower", "upper", "qualifier", "value_text", "written_unit",
                 "attributed_to_id")
    kind = "figure"

    class Meta:
        ordering = ["-period_start", "metric", "id"]
        # Every index is written on every insert, so each one here names the page or rule that needs it. The
        # primary key, figure_identity (a constraint below), the GIN search index (migration 0004), subject and
        # import_batch (foreign keys: a subject filter, an import's records) are the others.
        indexes = [
            # A source's page lists its first figures in text order (anchor_start, id): with id in the index the
            # first 100 of 10,000 are read in order, not sorted; deleting a source checks it has none.
            models.Index(fields=["source", "anchor_start", "id"], name="figure_source"),
            # Admin figure list filtered by metric and status: a capped count stays an index scan.
            models.Index(fields=["metric", "status"], name="figure_metric_status"),
            # /figures/ in its default order (latest period first) and the admin's.
            models.Index(fields=["-period_start", "id"], name="figure_period"),
            # /figures/?sort=value: by the number stated (value, else its bound).
            models.Index(Coalesce("value", "lower", "upper"), "id", name="figure_sort_value"),
            # /figures/?metric=…, in period order.
            models.Index(F("metric"), F("period_start").desc(), "id", name="figure_metric_period"),
            # /figures/?conflicting=1.
            models.Index(F("period_start").desc(), "id", name="figure_in_conflict", condition=Q(in_conflict=True)),
            # Partial: most figures have none of these. A claim's page lists its figures; a figure's page its
            # revisions; an entity is public when a public figure is attributed to it.
            models.Index(fields=["claim"], name="figure_claim", condition=Q(claim__isnull=False)),
            models.Index(fields=["supersedes"], name="figure_supersedes", condition=Q(supersedes__isnull=False)),
            models.Index(fields=["attributed_to"], name="figure_attributed_to",
                         condition=Q(attributed_to__isnull=False)),
            # The reviewers' queue, oldest first (claims.review_queue); partial: only what awaits a verdict.
            models.Index(fields=["edited_at", "created_at", "id"], name="figure_awaiting_review",
                         condition=Q(status="unverified")),
        ]
        constraints = [
            # Comparisons look figures up by its leading columns; imports match rows by all of them; the admin
            # refuses a duplicate by it.
            models.UniqueConstraint(
                "metric", "subject", "period_start", "period_end", "dimensions", "source", "value_text",
                Coalesce("attributed_to", Value(0)), name="figure_identity",
                violation_error_message="An identical figure (same source, metric, subject, period, dimensions, "
                                        "wording and attribution) already exists.",
            ),
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
            Reviewable.status_constraint("figure_status_verdict"),
            ref_constraint("figure_ref"),
        ]

    def __str__(self):
        return f"{self.metric.name}, {self.subject}: {self.value_text}"

    def get_absolute_url(self):
        return reverse("claims:figure-detail", args=[self.pk])

    @property
    def period_display(self) -> str:
        return display_period(self.period_start, self.period_end, self.period_precision)

    @property
    def bounds_display(self) -> str:
        q = self.Qualifier
        if self.qualifier == q.EXACT:
            return plain(self.value)
        if self.qualifier == q.APPROXIMATE:
            return f"≈ {plain(self.value)}"
        if self.qualifier in (q.MORE_THAN, q.AT_LEAST):
            return f"{'>' if self.qualifier == q.MORE_THAN else '≥'} {plain(self.lower)}"
        if self.qualifier in (q.LESS_THAN, q.AT_MOST):
            return f"{'<' if self.qualifier == q.LESS_THAN else '≤'} {plain(self.upper)}"
        return f"{plain(self.lower)}–{plain(self.upper)}"

    @property
    def dimension_pairs(self) -> dict[str, str]:
        return dimensions.parse(self.dimensions)

    def identical(self):
        """Other figures with this figure's identity (a query)."""
        return Figure.objects.filter(**{field: getattr(self, field) for field in IDENTITY}).exclude(pk=self.pk)

    def clean(self):
        errors = {}
        if problem := rules.text_problem("value text", self.value_text, self.VALUE_TEXT_LENGTH):
            errors["value_text"] = problem
        try:
            self.dimensions = dimensions.normalise(self.dimensions)
        except dimensions.DimensionError as error:
            errors["dimensions"] = str(error)
        factor = Decimal(1)
        if self.metric_id:
            factor = self.metric.unit_factor(self.written_unit)
            if factor is None:
                errors["written_unit"] = (f"{self.metric.name} is measured in {self.metric.unit}; “{self.written_unit}”"
                                          f" is not one of its units ({self.metric.name} lists: "
                                          f"{', '.join(['percent', *self.metric.declared_units()]) or 'none'})")
                factor = Decimal(1)
        if not errors:
            self.settle_numbers(factor, errors)
        if self.metric_id and not errors:
            for field in ("value", "lower", "upper"):
                if problem := self.metric.range.problem(getattr(self, field)):
                    errors.setdefault(field, problem + ".")
        if self.supersedes_id and self.pk and self.supersedes_id == self.pk:
            errors["supersedes"] = "A figure cannot supersede itself."
        if self.supersedes_id and self.metric_id and self.supersedes.metric_id != self.metric_id:
            errors["supersedes"] = "A figure can only supersede a figure of the same metric."
        if self.source_id and self.value_text and "value_text" not in errors:
            self.check_found_in(errors)
        if not errors and self.metric_id and self.subject_id and self.source_id and (twin := self.identical().first()):
            errors[NON_FIELD_ERRORS] = format_html(
                "This figure is identical to <a href=\"{}\">figure #{}</a> ({}, {}): edit that one instead, or say "
                "what sets this one apart (its dimensions, its attribution).",
                reverse("admin:claims_figure_change", args=[twin.pk]), twin.pk, twin.value_text, twin.source,
            )
        self.clean_status(errors)
        if errors:
            raise ValidationError(errors)

    def settle_numbers(self, factor: Decimal, errors: dict) -> None:
        """Qualifier and bounds from the value text when none are given; checked against it when they are.
        The text is in the written unit, the numbers in the metric's: `factor` converts."""
        if all(getattr(self, field) is None for field in ("value", "lower", "upper")):
            reading, problems = rules.settle_numbers(self.value_text)
            if reading is not None:
                self.qualifier = reading.qualifier
                self.value, self.lower, self.upper = (None if n is None else n * factor
                                                      for n in (reading.value, reading.lower, reading.upper))
                problems = [(field, problem) for field in ("value", "lower", "upper")
                            if (number := getattr(self, field)) is not None
                            and (problem := rules.number_problem(number))]
            elif problems and problems[0][0] == "value_text":
                problems = [("value_text", problems[0][1] + ", when the wording is unusual")]
        else:
            unscaled = {field: None if getattr(self, field) is None else getattr(self, field) / factor
                        for field in ("value", "lower", "upper")}
            reading, problems = rules.settle_numbers(self.value_text, qualifier=self.qualifier, **unscaled)
            if reading is not None:
                self.qualifier = reading.qualifier
        for field, problem in problems:
            errors.setdefault(field, problem[0].upper() + problem[1:] + ".")

    def check_found_in(self, errors: dict) -> None:
        """A figure said to stand in the text must occur in it; one from a table, a chart or a data file need not
        (and is anchored when its wording does occur)."""
        found = bool(self.source.text) and self.anchor()
        if self.found_in == self.FoundIn.TEXT and not found:
            where = "the text of" if self.source.text else "any text in (it has none)"
            errors["found_in"] = (f"“{self.value_text}” does not occur in {where} “{self.source}”. Copy the wording "
                                  "exactly as the source writes it, or say where the number comes from: a table, a "
                                  "chart or the source's data file.")


class ReviewQuerySet(models.QuerySet):
    def public(self):
        """Reviews of public claims and figures, each target looked up by its primary key. (An IN over every public
        figure made PostgreSQL expect a million rows it never read, and compile the query to machine code — JIT,
        ~50 ms a source page at 1,000,000 figures.)"""
        return self.filter(Exists(Claim.objects.public().filter(pk=OuterRef("claim_id")))
                           | Exists(Figure.objects.public().filter(pk=OuterRef("figure_id"))))


class Review(models.Model):
    """A reviewer's verdict on a claim or a figure. Nobody verifies what they entered or last changed."""

    Verdict = Verdict

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews")
    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    # Not editable: a verdict counts for what the record said when it was given, so it cannot be backdated.
    reviewed_at = models.DateTimeField(default=timezone.now, editable=False)
    rationale = models.TextField()
    evidence = models.ManyToManyField(Source, blank=True, related_name="evidence_for_reviews")
    history = HistoricalRecords(m2m_fields=[evidence], no_db_index=["claim", "figure", "reviewer"])

    objects = ReviewQuerySet.as_manager()

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

    @property
    def is_current(self) -> bool:
        """Whether it judged what the record says now (not an earlier wording or number)."""
        edited_at = self.target.edited_at
        return edited_at is None or self.reviewed_at >= edited_at

    def clean(self):
        target = self.target
        if target is not None and self.reviewer_id:
            kind = "claim" if self.claim_id else "figure"
            if problem := rules.self_review_problem(self.reviewer_id, target.authors, kind=kind):
                raise ValidationError(problem[0].upper() + problem[1:] + ".", code="self_review")

    def save(self, *args, **kwargs):
        # The latest verdict is the target's, so lists can filter on its status without a join.
        with transaction.atomic():
            super().save(*args, **kwargs)
            refresh_verdict(self.target)


def refresh_verdict(target) -> None:
    """Give a claim or figure the verdict of its reviews, reading and writing its row under a lock."""
    current = type(target).objects.select_for_update().get(pk=target.pk)
    before = (current.verdict, current.status)
    current.take_verdict()
    if (current.verdict, current.status) != before:
        current.save(update_fields=["verdict", "status", "updated_at"])
    target.verdict, target.status, target.version = current.verdict, current.status, current.version


class ComparisonQuerySet(models.QuerySet):
    def by_disagreement(self):
        return self.order_by("-disagreement", "id")


class Comparison(models.Model):
    """Public figures of one metric, subject, period and definition from two or more sources or origins.

    Derived, never typed in: claims.comparisons keeps it up to date whenever a figure
    or a source is saved or deleted, and rebuilds it in bulk after a bulk load. It is a
    table so that /compare/ and `conflicting=1` need no GROUP BY over every figure.
    """

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    dimensions = models.CharField(max_length=dimensions.MAX_LENGTH, blank=True, default="")
    figure_count = models.PositiveIntegerField()
    source_count = models.PositiveIntegerField()
    origin_count = models.PositiveIntegerField(help_text="Independent origins: ten outlets repeating one "
                                                         "ministry's number are one origin.")
    lowest = models.DecimalField(**NUMBER, help_text="The lowest number stated.")
    highest = models.DecimalField(**NUMBER, help_text="The highest number stated.")
    conflicting = models.BooleanField(help_text="The ranges of the figures do not all overlap.")
    disagreement = models.FloatField(help_text="Above 1: a conflict, by the relative gap between the ranges; "
                                               "up to 1: the spread relative to the largest number.")

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-disagreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "subject", "period_start", "period_end", "dimensions"],
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
    def key(self) -> tuple:
        return tuple(getattr(self, field) for field in COMPARISON_KEY)

    @property
    def dimension_pairs(self) -> list[str]:
        return [f"{key}={value}" for key, value in dimensions.parse(self.dimensions).items()]

    @property
    def period_display(self) -> str:
        return display_period(self.period_start, self.period_end)


class RejectedSuggestion(models.Model):
    """A suggestion from a source's text (claims.extraction) that a curator rejected: it is not offered again.

    Known by its source, kind and span; the span's text is kept so that, should the source's text change under
    the offsets, a different text there is offered afresh.
    """

    class Kind(models.TextChoices):
        FIGURE = "figure", "Figure"
        QUOTE = "quote", "Quote"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="rejected_suggestions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="The span's text when it was rejected.")
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", db_index=False)
    rejected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "start", "end"], name="rejected_suggestion_unique"),
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="rejected_suggestion_ordered"),
        ]

    def __str__(self):
        return f"{self.kind} “{self.text[:60]}” in {self.source_id} (rejected)"
