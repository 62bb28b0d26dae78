"""What the API says about each record: public fields only, numbers exact, links absolute.

Values that need other rows (a figure's spreadsheet row, its comparison, whether its claim is public, a review's
public evidence) are gathered for a whole page at once by the views (`prepare`), so a page costs the same few
queries whatever its size; the serializers only read them.
"""

from rest_framework import serializers

from api.fields import ExactNumberField, LinkField, NullableLinkField
from claims.filters import PUBLIC_STATUSES
from claims.models import Entity, Figure, Verdict
from sources.models import Outlet, Source


class OutletLinks(serializers.Serializer):
    self = LinkField()
    sources = LinkField(help_text="This outlet's sources in the API.")


class OutletSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Outlet.Kind.choices, read_only=True)
    url = serializers.CharField(read_only=True, help_text="The outlet's own address; empty when unknown.")
    note = serializers.CharField(read_only=True)
    links = OutletLinks(read_only=True)


class EntityLinks(serializers.Serializer):
    self = LinkField()
    figures = LinkField(help_text="Figures about this entity (as their subject).")
    claims = LinkField(help_text="Claims this entity made (as their speaker).")


class EntitySerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Entity.Kind.choices, read_only=True)
    description = serializers.CharField(read_only=True)
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True, source="alias_names",
                                    help_text="Other names it goes by (Alma-Ata for Almaty).")
    links = EntityLinks(read_only=True)


class MetricLinks(serializers.Serializer):
    self = LinkField()
    figures = LinkField(help_text="Figures of this metric in the API.")
    page = LinkField(help_text="Figures of this metric on the public pages.")


class MetricSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    min_value = ExactNumberField(allow_null=True, help_text="The least valid value, or null for none.")
    max_value = ExactNumberField(allow_null=True, help_text="The greatest valid value, or null for none.")
    description = serializers.CharField(read_only=True)
    expected_dimensions = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), read_only=True,
        source="expected_dimension_values",
        help_text="What figures of this metric usually say beyond it: each key with its usual values.",
    )
    links = MetricLinks(read_only=True)


class SourceLinks(serializers.Serializer):
    self = LinkField()
    page = LinkField(help_text="Its public page, with the full text and every figure marked in it.")
    outlet = NullableLinkField(help_text="Its outlet in the API, or null when the text does not reveal one.")
    figures = LinkField(help_text="Its public figures in the API.")
    claims = LinkField(help_text="Its public claims in the API.")
    cite_csl_json = LinkField(help_text="A citation of it as CSL-JSON.")
    cite_bibtex = LinkField(help_text="A citation of it as BibTeX.")


class SourceSerializer(serializers.Serializer):
    """The columns of /sources/?format=… and more."""

    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Source.Kind.choices, read_only=True)
    outlet = serializers.CharField(read_only=True, source="outlet.slug", default="",
                                   help_text="The outlet's slug; empty when the text does not reveal one.")
    outlet_name = serializers.CharField(read_only=True, source="outlet.name", default="")
    authors = serializers.CharField(read_only=True, help_text="As the text names them; empty when unknown.")
    published_on = serializers.DateField(read_only=True, allow_null=True,
                                         help_text="Read it at `published_precision`: 2018-01-01 at year is 2018.")
    published_precision = serializers.ChoiceField(choices=Source.DatePrecision.choices, read_only=True)
    language = serializers.CharField(read_only=True, help_text="BCP 47: en, ru, kk…")
    url = serializers.CharField(read_only=True, help_text="Where it was published; empty when unknown.")
    archived_url = serializers.CharField(read_only=True, help_text="An archived copy; empty when there is none.")
    reliability = serializers.ChoiceField(choices=Source.Reliability.choices, read_only=True,
                                          help_text="The curators' grade on the Admiralty scale, A to F.")
    content_hash = serializers.CharField(read_only=True, help_text="SHA-256 of the full text, as UTF-8.")
    links = SourceLinks(read_only=True)


class SourceDetailSerializer(SourceSerializer):
    text = serializers.CharField(read_only=True, help_text="The full text exactly as retrieved; figures' and "
                                                           "claims' anchors are character offsets into it.")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The first day of the period.")
    end = serializers.DateField(help_text="The last day of the period.")
    precision = serializers.ChoiceField(choices=Figure.Precision.choices)


class MetricUnitNumbers(serializers.Serializer):
    unit = serializers.CharField(help_text="The metric's unit.")
    value = ExactNumberField(allow_null=True)
    lower = ExactNumberField(allow_null=True)
    upper = ExactNumberField(allow_null=True)


class FigureLinks(serializers.Serializer):
    self = LinkField()
    page = LinkField(help_text="Its public page.")
    source = LinkField(help_text="The source that reports it, in the API.")
    source_page = LinkField(help_text="The source's public page, the figure marked in its text.")
    comparison = NullableLinkField(help_text="Its comparison with other sources' figures, or null when none.")
    claim = NullableLinkField(help_text="The public claim it appears in, or null.")
    supersedes = NullableLinkField(help_text="The public figure it revises, or null.")
    reviews = LinkField(help_text="Reviews of it.")


class FigureSerializer(serializers.Serializer):
    """The spreadsheet columns (DESIGN.md: the same values as /figures/?format=json, numbers as exact strings),
    then what a machine needs besides: the period as dates, provenance, names and links."""

    id = serializers.IntegerField(read_only=True)
    source = serializers.CharField(read_only=True, source="sheet.source", help_text="The source's slug.")
    metric = serializers.CharField(read_only=True, source="sheet.metric", help_text="The metric's slug.")
    subject = serializers.CharField(read_only=True, source="sheet.subject", help_text="The subject's slug.")
    period_start = serializers.CharField(read_only=True, source="sheet.period_start",
                                         help_text="As the spreadsheets write it, at the period's precision: "
                                                   "2011, 2011-12 or 2011-12-16.")
    period_end = serializers.CharField(read_only=True, source="sheet.period_end")
    value = ExactNumberField(allow_null=True, source="sheet.value", help_text="In `unit`.")
    lower = ExactNumberField(allow_null=True, source="sheet.lower", help_text="In `unit`.")
    upper = ExactNumberField(allow_null=True, source="sheet.upper", help_text="In `unit`.")
    qualifier = serializers.ChoiceField(choices=Figure.Qualifier.choices, read_only=True, source="sheet.qualifier")
    unit = serializers.CharField(read_only=True, source="sheet.unit",
                                 help_text="The unit the source wrote the number in.")
    value_text = serializers.CharField(read_only=True, source="sheet.value_text",
                                       help_text="The number exactly as the source writes it.")
    attributed_to = serializers.CharField(read_only=True, source="sheet.attributed_to",
                                          help_text="Slug of whose number it is; empty when it is the source's own.")
    status = serializers.ChoiceField(choices=PUBLIC_STATUSES, read_only=True, source="sheet.status")
    note = serializers.CharField(read_only=True, source="sheet.note")
    dimensions = serializers.CharField(read_only=True, source="sheet.dimensions",
                                       help_text="key=value pairs joined by `; `; empty for none.")
    period = PeriodSerializer(read_only=True, source="period_dates")
    in_metric_unit = MetricUnitNumbers(read_only=True, source="metric_numbers",
                                       help_text="The numbers in the metric's own unit, as comparisons use them.")
    found_in = serializers.ChoiceField(choices=Figure.FoundIn.choices, read_only=True)
    origin_role = serializers.ChoiceField(choices=Figure.OriginRole.choices, read_only=True)
    rank = serializers.ChoiceField(choices=Figure.Rank.choices, read_only=True)
    rank_reason = serializers.CharField(read_only=True)
    conflicting = serializers.BooleanField(read_only=True, source="in_conflict",
                                           help_text="Its comparison's figures do not all overlap.")
    source_title = serializers.CharField(read_only=True, source="source.title")
    metric_name = serializers.CharField(read_only=True, source="metric.name")
    subject_name = serializers.CharField(read_only=True, source="subject.name")
    attributed_to_name = serializers.CharField(read_only=True, source="attributed_to.name", default="")
    links = FigureLinks(read_only=True)


class ClaimLinks(serializers.Serializer):
    self = LinkField()
    page = LinkField(help_text="Its public page.")
    source = LinkField(help_text="The source that reports it, in the API.")
    source_page = LinkField(help_text="The source's public page, the quote marked in its text.")
    reviews = LinkField(help_text="Reviews of it.")
    figures = serializers.ListField(child=LinkField(), help_text="Its public figures in the API.")


class ClaimSerializer(serializers.Serializer):
    """The columns of /claims/?format=…, then names and links."""

    id = serializers.IntegerField(read_only=True)
    source = serializers.CharField(read_only=True, source="source.slug", help_text="The source's slug.")
    quote = serializers.CharField(read_only=True, help_text="Verbatim, as it stands in the source text.")
    speaker = serializers.CharField(read_only=True, source="speaker.slug", default="",
                                    help_text="Slug of who said it; empty when the source does not say.")
    status = serializers.ChoiceField(choices=PUBLIC_STATUSES, read_only=True)
    anchor_start = serializers.IntegerField(read_only=True, allow_null=True,
                                            help_text="Where the quote starts in the source's text (characters); "
                                                      "null when it is not found there.")
    anchor_end = serializers.IntegerField(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)
    speaker_name = serializers.CharField(read_only=True, source="speaker.name", default="")
    about = serializers.ListField(child=serializers.CharField(), read_only=True, source="about_slugs",
                                  help_text="Slugs of the entities it is about.")
    source_title = serializers.CharField(read_only=True, source="source.title")
    links = ClaimLinks(read_only=True)


class ReviewLinks(serializers.Serializer):
    self = LinkField()
    target = LinkField(help_text="The claim or figure reviewed, in the API.")
    target_page = LinkField(help_text="Its public page.")
    evidence = serializers.ListField(child=LinkField(), help_text="The public sources given as evidence.")


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    verdict = serializers.ChoiceField(choices=Verdict.choices, read_only=True)
    verdict_label = serializers.CharField(read_only=True, source="get_verdict_display")
    reviewed_at = serializers.DateTimeField(read_only=True)
    rationale = serializers.CharField(read_only=True)
    target_kind = serializers.ChoiceField(choices=[("claim", "claim"), ("figure", "figure")], read_only=True)
    target = serializers.IntegerField(read_only=True, source="target_id", help_text="The id of the claim or figure.")
    current = serializers.BooleanField(read_only=True, help_text="It judged what the record says now (false: an "
                                                                 "earlier wording or number, since changed).")
    evidence = serializers.ListField(child=serializers.CharField(), read_only=True, source="evidence_slugs",
                                     help_text="Slugs of the public sources given as evidence.")
    links = ReviewLinks(read_only=True)


class ComparedFigureLinks(serializers.Serializer):
    self = LinkField()
    page = LinkField()


class ComparedFigureSerializer(serializers.Serializer):
    """One figure in a comparison, its numbers in the metric's unit like the comparison's."""

    id = serializers.IntegerField(read_only=True)
    source = serializers.CharField(read_only=True, source="source.slug")
    value_text = serializers.CharField(read_only=True)
    qualifier = serializers.ChoiceField(choices=Figure.Qualifier.choices, read_only=True)
    value = ExactNumberField(allow_null=True)
    lower = ExactNumberField(allow_null=True)
    upper = ExactNumberField(allow_null=True)
    attributed_to = serializers.CharField(read_only=True, source="attributed_to.slug", default="")
    origin_role = serializers.ChoiceField(choices=Figure.OriginRole.choices, read_only=True)
    rank = serializers.ChoiceField(choices=Figure.Rank.choices, read_only=True)
    status = serializers.ChoiceField(choices=PUBLIC_STATUSES, read_only=True)
    links = ComparedFigureLinks(read_only=True)


class ComparisonLinks(serializers.Serializer):
    self = LinkField()
    page = LinkField(help_text="The comparison on the public compare page.")
    metric = LinkField()
    subject = LinkField()


class ComparisonSerializer(serializers.Serializer):
    """Figures of one metric, subject, period and definition from two or more sources or origins. Derived from
    the figures, never typed in: its id lasts until the next rebuild of the comparisons, so keep the key
    (metric, subject, period, dimensions), not the id."""

    id = serializers.IntegerField(read_only=True)
    metric = serializers.CharField(read_only=True, source="metric.slug")
    metric_name = serializers.CharField(read_only=True, source="metric.name")
    unit = serializers.CharField(read_only=True, source="metric.unit", help_text="Of lowest, highest and figures.")
    subject = serializers.CharField(read_only=True, source="subject.slug")
    subject_name = serializers.CharField(read_only=True, source="subject.name")
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True)
    dimensions = serializers.CharField(read_only=True)
    figure_count = serializers.IntegerField(read_only=True)
    source_count = serializers.IntegerField(read_only=True)
    origin_count = serializers.IntegerField(read_only=True, help_text="Independent origins: ten outlets repeating "
                                                                      "one ministry's number are one.")
    lowest = ExactNumberField(help_text="The lowest number stated.")
    highest = ExactNumberField(help_text="The highest number stated.")
    conflicting = serializers.BooleanField(read_only=True, help_text="The figures' ranges do not all overlap "
                                                                     "(rounding is not disagreement).")
    disagreement = serializers.FloatField(read_only=True, help_text="A score to sort by, not a measurement: above "
                                                                    "1 a conflict, by the relative gap between the "
                                                                    "ranges; up to 1 the relative spread.")
    figures = ComparedFigureSerializer(many=True, read_only=True, source="figure_list")
    links = ComparisonLinks(read_only=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="For a 400: each bad parameter with what is wrong with it.")
