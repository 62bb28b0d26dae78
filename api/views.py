"""The read-only JSON API: public records only, the public pages' filters, cursor pages, every bad parameter a 400.

What is public is the pages' rule (claims.views): querysets start from `.public()`, and every link or name that
leads to another record is given only when that record is public too (a public figure's draft claim is not named).
"""

from urllib.parse import urlencode

from django.db.models import Prefetch, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from api import serializers
from api.filters import ReviewFilter
from api.schema import describe_filters
from claims.exports import FIGURE_COLUMNS, figure_rows
from claims.filters import ClaimFilter, ComparisonFilter, FigureFilter
from claims.models import COMPARISON_KEY, Claim, Comparison, Entity, EntityAlias, Figure, Metric, Review
from factbase.public_cache import public_page
from sources.filters import SourceFilter
from sources.models import Outlet, Source

MAX_QUERY_STRING = 4096  # characters; what a proxy's request line allows anyway
PAGING_PARAMETERS = ("cursor", "page_size")

describe_filters()


def exception_handler(exc, context):
    """DRF's answers, with a 400 saying in one sentence which parameters are wrong, and each one's reason."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"parameters": response.data}
        errors = {name: [str(message) for message in (messages if isinstance(messages, list) else [messages])]
                  for name, messages in errors.items()}
        response.data = {"detail": "Bad parameters: " + "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in errors.items()), "errors": errors}
    return response


def link(request, name: str, *args, query: dict | None = None) -> str:
    """The absolute address of one of this app's views (`api:<name>`), with a query."""
    path = reverse(f"api:{name}", args=args)
    return request.build_absolute_uri(path + (f"?{urlencode(query)}" if query else ""))


ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="A parameter is unknown or wrong: `errors` "
                                                                   "names each, with what is wrong."),
    404: OpenApiResponse(serializers.ErrorSerializer, description="No public record has this id or slug (a "
                                                                   "hidden one answers the same)."),
}


def documented(name: str, description: str, list_serializer, detail_serializer=None, lookup="id"):
    """The schema of a resource's list and detail, with their error answers."""
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}", description=description,
                           responses={200: list_serializer, 400: ERRORS[400]}),
        retrieve=extend_schema(summary=f"One of the {name}, by {lookup}", description=description,
                               responses={200: detail_serializer or list_serializer, **ERRORS}),
    )


class PublicViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details, read only (other methods answer 405). Unknown or malformed parameters answer 400.

    `prepare(objects)` gathers what a page's records need from other rows, in a fixed number of queries.
    """

    detail_serializer_class = None
    filterset_class = None
    lookup_value_regex = "[^/]+"  # any id or slug reaches the view, which answers 404 in JSON for a bad one

    # The same for every reader: kept for the data's generation (by Accept too: another is refused with a 406).
    @method_decorator(public_page(vary_on=("Accept",)))
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self.check_parameters(request)

    def check_parameters(self, request) -> None:
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            raise ValidationError({"parameters": [f"The query is longer than {MAX_QUERY_STRING} characters."]})
        if any("\x00" in str(value) for value in self.kwargs.values()):
            # No id or slug holds a NUL, and PostgreSQL refuses one in a query: no such record.
            raise NotFound("No public record has this id or slug.")
        known = set()
        if self.action == "list":
            known = {*PAGING_PARAMETERS, *(self.filterset_class.base_filters if self.filterset_class else ())}
        errors = {}
        for name, values in request.query_params.lists():
            if name not in known:
                understood = ", ".join(sorted(known)) or "none"
                errors[name] = [f"Unknown parameter; this {'list' if self.action == 'list' else 'record'} "
                                f"understands: {understood}."]
            elif any("\x00" in value for value in values):
                errors[name] = ["Null characters are not allowed."]
            elif name in PAGING_PARAMETERS and len(values) > 1:
                errors[name] = ["Give it once."]
        if errors:
            raise ValidationError(errors)

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.prepare(page)
        return page

    def get_object(self):
        record = super().get_object()
        self.prepare([record])
        return record

    def prepare(self, objects) -> None:
        pass


@documented("sources", "Published sources: documents, each with its full text (in the detail) and a "
            "citation. Filters: those of /sources/.", serializers.SourceSerializer,
            serializers.SourceDetailSerializer, lookup="slug")
class SourceViewSet(PublicViewSet):
    serializer_class = serializers.SourceSerializer
    detail_serializer_class = serializers.SourceDetailSerializer
    filterset_class = SourceFilter
    lookup_field = "slug"

    def get_queryset(self):
        sources = Source.objects.public().select_related("outlet").defer("search_vector")
        return sources.defer("text") if self.action == "list" else sources

    def prepare(self, sources) -> None:
        request = self.request
        for source in sources:
            by_slug = {"source": source.slug}
            source.links = {
                "self": link(request, "source-detail", source.slug),
                "page": request.build_absolute_uri(source.get_absolute_url()),
                "outlet": link(request, "outlet-detail", source.outlet.slug) if source.outlet else None,
                "figures": link(request, "figure-list", query=by_slug),
                "claims": link(request, "claim-list", query=by_slug),
                "cite_csl_json": link(request, "cite-csl-json", source.slug),
                "cite_bibtex": link(request, "cite-bibtex", source.slug),
            }


@documented("claims", "Public claims: statements a source makes or quotes, verbatim, with who said them "
            "and where they stand in the source's text. Filters: those of /claims/.", serializers.ClaimSerializer)
class ClaimViewSet(PublicViewSet):
    serializer_class = serializers.ClaimSerializer
    filterset_class = ClaimFilter

    def get_queryset(self):
        return (Claim.objects.public().select_related("source", "speaker")
                .defer("search_vector", "source__text", "source__search_vector")
                .prefetch_related(Prefetch("about", queryset=Entity.objects.only("id", "slug"))))

    def prepare(self, claims) -> None:
        request = self.request
        # Ids only: a claim's or figure's row read in part would read the rest one query at a time (its substance).
        figures = {}
        for claim_id, pk in (Figure.objects.public().filter(claim__in=[claim.pk for claim in claims])
                             .order_by("id").values_list("claim_id", "id")):
            figures.setdefault(claim_id, []).append(pk)
        for claim in claims:
            claim.about_slugs = [entity.slug for entity in claim.about.all()]
            claim.links = {
                "self": link(request, "claim-detail", claim.pk),
                "page": request.build_absolute_uri(claim.get_absolute_url()),
                "source": link(request, "source-detail", claim.source.slug),
                "source_page": request.build_absolute_uri(claim.source.get_absolute_url()) + f"#claim-{claim.pk}",
                "reviews": link(request, "review-list", query={"claim": claim.pk}),
                "figures": [link(request, "figure-detail", pk) for pk in figures.get(claim.pk, [])],
            }


def comparison_keys(records) -> Q:
    """One condition matching the comparison key (COMPARISON_KEY) of any of the records."""
    condition = Q()
    for key in {tuple(getattr(record, field) for field in COMPARISON_KEY) for record in records}:
        condition |= Q(**dict(zip(COMPARISON_KEY, key, strict=True)))
    return condition


@documented("figures", "Public figures: each number as one source reports it, with the spreadsheet "
            "columns of /figures/?format=…, its provenance and links. Filters: those of /figures/.",
            serializers.FigureSerializer)
class FigureViewSet(PublicViewSet):
    serializer_class = serializers.FigureSerializer
    filterset_class = FigureFilter

    def get_queryset(self):
        return (Figure.objects.public().select_related("source", "metric", "subject", "attributed_to")
                .defer("search_vector", "source__text", "source__search_vector"))

    def prepare(self, figures) -> None:
        if not figures:
            return
        request = self.request
        # The spreadsheet columns come from the exports' own rows, so they cannot drift apart.
        sheets = {row[0]: dict(zip(FIGURE_COLUMNS, row, strict=True))
                  for row in figure_rows(Figure.objects.filter(pk__in=[figure.pk for figure in figures]))}
        compared = {tuple(row[1:]): row[0] for row in
                    Comparison.objects.filter(comparison_keys(figures)).values_list("id", *COMPARISON_KEY)}
        claim_ids = {figure.claim_id for figure in figures} - {None}
        public_claims = set(Claim.objects.public().filter(pk__in=claim_ids).values_list("pk", flat=True)) \
            if claim_ids else set()
        earlier_ids = {figure.supersedes_id for figure in figures} - {None}
        public_earlier = set(Figure.objects.public().filter(pk__in=earlier_ids).values_list("pk", flat=True)) \
            if earlier_ids else set()
        for figure in figures:
            figure.sheet = sheets[figure.pk]
            figure.period_dates = {"start": figure.period_start, "end": figure.period_end,
                                   "precision": figure.period_precision}
            figure.metric_numbers = {"unit": figure.metric.unit, "value": figure.value, "lower": figure.lower,
                                     "upper": figure.upper}
            comparison = compared.get(tuple(getattr(figure, field) for field in COMPARISON_KEY))
            figure.links = {
                "self": link(request, "figure-detail", figure.pk),
                "page": request.build_absolute_uri(figure.get_absolute_url()),
                "source": link(request, "source-detail", figure.source.slug),
                "source_page": request.build_absolute_uri(figure.source.get_absolute_url()) + f"#figure-{figure.pk}",
                "comparison": link(request, "comparison-detail", comparison) if comparison else None,
                "claim": link(request, "claim-detail", figure.claim_id) if figure.claim_id in public_claims else None,
                "supersedes": link(request, "figure-detail", figure.supersedes_id)
                if figure.supersedes_id in public_earlier else None,
                "reviews": link(request, "review-list", query={"figure": figure.pk}),
            }


@documented("comparisons", "Figures of one metric, subject, period and definition from two or more "
            "sources or origins, the most disagreeing first, each with its figures. Filters: those of /compare/.",
            serializers.ComparisonSerializer)
class ComparisonViewSet(PublicViewSet):
    serializer_class = serializers.ComparisonSerializer
    filterset_class = ComparisonFilter

    def get_queryset(self):
        return Comparison.objects.select_related("metric", "subject").order_by("-disagreement", "id")

    def prepare(self, comparisons) -> None:
        if not comparisons:
            return
        request = self.request
        figures = (Figure.objects.public().filter(comparison_keys(comparisons))
                   .select_related("source", "attributed_to")
                   .defer("search_vector", "source__text", "source__search_vector").order_by("id"))
        by_key = {}
        for figure in figures:
            by_key.setdefault(tuple(getattr(figure, field) for field in COMPARISON_KEY), []).append(figure)
            figure.links = {"self": link(request, "figure-detail", figure.pk),
                            "page": request.build_absolute_uri(figure.get_absolute_url())}
        for comparison in comparisons:
            comparison.figure_list = by_key.get(comparison.key, [])
            comparison.links = {
                "self": link(request, "comparison-detail", comparison.pk),
                "page": request.build_absolute_uri(reverse("claims:compare") + "?" + urlencode(
                    {"metric": comparison.metric.slug, "subject": comparison.subject.slug})),
                "metric": link(request, "metric-detail", comparison.metric.slug),
                "subject": link(request, "entity-detail", comparison.subject.slug),
            }


@documented("reviews", "Reviewers' verdicts on public claims and figures, with their rationale and the "
            "public sources given as evidence.", serializers.ReviewSerializer)
class ReviewViewSet(PublicViewSet):
    serializer_class = serializers.ReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        return (Review.objects.public()
                .annotate(target_edited_at=Coalesce("claim__edited_at", "figure__edited_at"))
                .prefetch_related(Prefetch("evidence", queryset=Source.objects.public().only("id", "slug"),
                                           to_attr="public_evidence")))

    def prepare(self, reviews) -> None:
        request = self.request
        for review in reviews:
            review.target_kind = "claim" if review.claim_id else "figure"
            review.target_id = review.claim_id or review.figure_id
            review.current = review.target_edited_at is None or review.reviewed_at >= review.target_edited_at
            review.evidence_slugs = [source.slug for source in review.public_evidence]
            page = reverse(f"claims:{review.target_kind}-detail", args=[review.target_id])
            review.links = {
                "self": link(request, "review-detail", review.pk),
                "target": link(request, f"{review.target_kind}-detail", review.target_id),
                "target_page": request.build_absolute_uri(page),
                "evidence": [link(request, "source-detail", source.slug) for source in review.public_evidence],
            }


@documented("entities", "People, organisations, places and events that a public claim or figure is by, "
            "about or attributed to.", serializers.EntitySerializer, lookup="slug")
class EntityViewSet(PublicViewSet):
    serializer_class = serializers.EntitySerializer
    lookup_field = "slug"

    def get_queryset(self):
        return (Entity.objects.public().order_by("name", "id")
                .prefetch_related(Prefetch("aliases", queryset=EntityAlias.objects.only("id", "entity_id", "name"))))

    def prepare(self, entities) -> None:
        request = self.request
        for entity in entities:
            entity.alias_names = [alias.name for alias in entity.aliases.all()]
            entity.links = {"self": link(request, "entity-detail", entity.slug),
                            "figures": link(request, "figure-list", query={"subject": entity.slug}),
                            "claims": link(request, "claim-list", query={"speaker": entity.slug})}


@documented("outlets", "Publishers of at least one published source.", serializers.OutletSerializer,
            lookup="slug")
class OutletViewSet(PublicViewSet):
    serializer_class = serializers.OutletSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Outlet.objects.public().order_by("name", "id")

    def prepare(self, outlets) -> None:
        request = self.request
        for outlet in outlets:
            outlet.links = {"self": link(request, "outlet-detail", outlet.slug),
                            "sources": link(request, "source-list", query={"outlet": outlet.slug})}


@documented("metrics", "What figures measure, with unit and valid range: a curated vocabulary.",
            serializers.MetricSerializer, lookup="slug")
class MetricViewSet(PublicViewSet):
    serializer_class = serializers.MetricSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Metric.objects.order_by("name", "id")

    def prepare(self, metrics) -> None:
        request = self.request
        for metric in metrics:
            metric.links = {"self": link(request, "metric-detail", metric.slug),
                            "figures": link(request, "figure-list", query={"metric": metric.slug}),
                            "page": request.build_absolute_uri(reverse("claims:figure-list") + "?"
                                                               + urlencode({"metric": metric.slug}))}
