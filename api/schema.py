"""The OpenAPI schema at /api/schema/ (drf-spectacular): JSON by default, YAML for `Accept: application/yaml`."""

from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.views import SpectacularAPIView

from api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

DESCRIPTION = f"""\
factbase's public records, read only: sources, the claims they quote and the figures they report, the comparisons
of figures across sources, the reviews that give verdicts, and the entities, outlets and metrics they name.

- **Public only.** Exactly what the public pages show: nothing of a draft or withdrawn record, or of a source that
  is not published, appears here, not even as a link or a name. A hidden record's id or slug answers 404, and a
  filter that names one 400, exactly as for one that never existed.
- **Filters** are the public pages' query parameters, with the same names and rules: `/api/figures/` takes what
  `/figures/` takes, `/api/claims/` what `/claims/` takes, `/api/sources/` what `/sources/` takes and
  `/api/comparisons/` what `/compare/` takes. Parameters combine with AND; a repeated `source` widens the choice.
  `sort` orders the list as on the page (never by search relevance).
- **Numbers are JSON strings** holding exact decimals in plain notation (`"41.4146018709"`, `"-5"`, `"0.332"`):
  most JSON parsers, JavaScript's among them, read a JSON number as binary floating point, which holds most
  decimals only approximately. Read them with a decimal type. (`disagreement`, a score to sort comparisons by, is
  a JSON number.)
- **Pages by cursor.** A list answers `{{next, previous, results}}`; follow `next` until it is null. `page_size`
  is 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}). A cursor holds the sort values of the row it starts
  after, so a walk through a list meets every row that was there once, even while rows are added. There is no
  total count; for every row at once, the public pages' downloads (`/figures/?format=csv|xlsx|ods|json`).
- **Figures** carry the spreadsheet columns of those downloads with the same values (numbers in the unit the
  source wrote them in), then the numbers in the metric's own unit, the period as dates, provenance and links.
- **Errors**: 400 for any unknown or malformed parameter, with `detail` and, under `errors`, each parameter and
  what is wrong with it; 404 for no such public record; 405 for any method but GET, HEAD and OPTIONS.
- Also for machines: citations of each source as CSL-JSON (`/sources/{{slug}}/cite.json`) and BibTeX
  (`/sources/{{slug}}/cite.bib`); an Atom feed of newly published figures and reviews (`/feed.atom`); schema.org
  ClaimReview JSON-LD on the page of every reviewed claim and figure.
"""


def describe(result, generator, request, public):
    """drf-spectacular post-processing hook: the API's description."""
    result["info"]["description"] = DESCRIPTION
    return result


class SchemaView(SpectacularAPIView):
    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer, OpenApiYamlRenderer2]


TEXT = {"type": "string"}
REPEATABLE_TEXT = {"type": "array", "items": {"type": "string"}}
DATE_TEXT = {"type": "string", "description": "A date, a month or a year: 2011, 2011-12, December 2011, 2011-12-16."}
ENTITY_TEXT = {"type": "string", "description": "An entity's slug, name or alias (Alma-Ata finds Almaty)."}


def describe_filters() -> None:
    """Tell the schema what the pages' filters take where it cannot read it off the model: slugs, not ids; text
    dates; entities by any of their names. (The FilterSets stay free of the API's libraries.)"""
    from api.filters import ReviewFilter
    from claims.filters import ClaimFilter, ComparisonFilter, FigureFilter
    from sources.filters import SourceFilter

    for filterset, name, schema in [
        (FigureFilter, "source", TEXT), (FigureFilter, "subject", ENTITY_TEXT),
        (FigureFilter, "period_after", DATE_TEXT), (FigureFilter, "period_before", DATE_TEXT),
        (FigureFilter, "dimension", REPEATABLE_TEXT),
        (ClaimFilter, "source", TEXT), (ClaimFilter, "speaker", ENTITY_TEXT), (ClaimFilter, "about", ENTITY_TEXT),
        (SourceFilter, "outlet", TEXT), (SourceFilter, "published_after", DATE_TEXT),
        (SourceFilter, "published_before", DATE_TEXT),
        (ComparisonFilter, "subject", ENTITY_TEXT),
        (ReviewFilter, "source", TEXT),
    ]:
        extend_schema_field(schema)(filterset.base_filters[name])
