"""Resolving references: the sources, subjects and speakers a file names, found in a few queries per chunk.

Sources are named by slug; entities by slug, name or alias (Alma-Ata finds Almaty). With
create-missing, what is not found is created — sources from the row's source_* columns, as
drafts unless the import publishes — and listed; metrics are never created.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from claims.imports.checks import SLUG_LENGTH, SourceDetails
from claims.imports.report import ImportReport
from claims.models import Entity, EntityAlias
from sources.models import Outlet, Source


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: int
    text: str

    @property
    def has_text(self) -> bool:
        return bool(self.text)


class References:
    def __init__(self, report: ImportReport, *, create_missing: bool, publish: bool, user,
                 reason: Callable[[int], str], before_query: Callable[[], None] = lambda: None):
        self.report = report
        self.create_missing = create_missing
        self.publish = publish
        self.user = user
        self.reason = reason
        self.sources: dict[str, SourceRef | None] = {}
        self.entities: dict[str, int | list[int] | None] = {}  # lowercased reference → id, or ids when ambiguous
        self.details: dict[str, tuple[int, SourceDetails]] = {}  # created source slug → (row, details)
        self.before_query = before_query  # called before each query (the importer's waits for the connection)

    def load(self, source_slugs: set[str], entity_references: set[str]) -> None:
        """Look up what a chunk names and the caches lack: one query for sources, two for entities."""
        wanted = {slug for slug in source_slugs if slug and slug not in self.sources}
        if wanted:
            self.before_query()
            for pk, slug, text in Source.objects.filter(slug__in=wanted).values_list("pk", "slug", "text"):
                self.sources[slug] = SourceRef(pk, text)
            for slug in wanted - self.sources.keys():
                self.sources[slug] = None
        wanted = {ref.lower() for ref in entity_references if ref and ref.lower() not in self.entities}
        if not wanted:
            return
        self.before_query()
        found: dict[str, set[int]] = {}
        rows = (Entity.objects.annotate(lower_slug=Lower("slug"), lower_name=Lower("name"))
                .filter(Q(lower_slug__in=wanted) | Q(lower_name__in=wanted))
                .values_list("pk", "lower_slug", "lower_name"))
        for pk, lower_slug, lower_name in rows:
            for key in (lower_slug, lower_name):
                if key in wanted:
                    found.setdefault(key, set()).add(pk)
        aliases = EntityAlias.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted)
        for entity_id, lower_name in aliases.values_list("entity_id", "lower_name"):
            found.setdefault(lower_name, set()).add(entity_id)
        for key in wanted:
            ids = sorted(found.get(key, ()))
            self.entities[key] = None if not ids else ids[0] if len(ids) == 1 else ids

    def source(self, row: int, slug: str, details: SourceDetails | None, *, create: bool = True) -> SourceRef | None:
        """The source named; with create-missing, created — unless `create` is off (a row with other errors:
        what it would create is unknown until it is fixed)."""
        found = self.sources.get(slug)
        if found is None and self.create_missing:
            if not create:
                return None
            found = self.create_source(row, slug, details or SourceDetails())
        elif found is not None and details and slug in self.details and self.details[slug][1] != details:
            first_row = self.details[slug][0]
            self.report.add_error(row, "source_title", f"the details of the new source “{slug}” differ from those "
                                                       f"row {first_row} gave; give them once, the same in every row")
        if found is None and not self.create_missing:
            self.report.add_error(row, "source", f"unknown source “{slug}”; name an existing source by its slug, or "
                                                 f"import with create-missing to add it")
        return found

    def create_source(self, row: int, slug: str, details: SourceDetails) -> SourceRef | None:
        if slugify(slug) != slug or len(slug) > SLUG_LENGTH:
            suggestion = slugify(slug)[:SLUG_LENGTH]
            self.report.add_error(row, "source", f"cannot create a source from “{slug[:SLUG_LENGTH]}”: a slug is "
                                                 f"at most {SLUG_LENGTH} lowercase letters, digits and hyphens "
                                                 f"(e.g. “{suggestion}”)")
            self.sources[slug] = None
            return None
        self.before_query()
        outlet = None
        if details.outlet:
            outlet = Outlet.objects.filter(slug=details.outlet).first()
            if outlet is None:
                self.report.add_error(row, "source_outlet", f"unknown outlet “{details.outlet[:SLUG_LENGTH]}”; an "
                                                            "import creates sources, not outlets: add it first")
                return None
        source = Source(
            slug=slug, title=details.title or slug, kind=details.kind or Source.Kind.DATASET, url=details.url,
            published_on=details.published_on, published_precision=details.published_precision, outlet=outlet,
            status=Source.Status.PUBLISHED if self.publish else Source.Status.DRAFT,
            note=f"Created by the import of {self.report.file_name}"
                 + ("." if details.title else "; fill in its details."),
        )
        try:
            source.full_clean(validate_unique=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.report.add_error(row, f"source_{field}" if field != "slug" else "source", " ".join(messages))
            return None
        source._change_reason = self.reason(row)
        source._history_user = self.user
        source.save()
        self.sources[slug] = found = SourceRef(source.pk, "")
        self.details[slug] = (row, details)
        self.report.created_sources.append(slug)
        return found

    def entity(self, row: int, column: str, reference: str, *, create: bool = True) -> int | None:
        found = self.entities.get(reference.lower())
        if isinstance(found, list):
            self.before_query()
            slugs = ", ".join(Entity.objects.filter(pk__in=found).values_list("slug", flat=True))
            self.report.add_error(row, column, f"“{reference}” names several entities ({slugs}); use a slug")
            return None
        if found is None and self.create_missing:
            if not create:
                return None
            self.before_query()
            slug = base = slugify(reference)[:110] or "entity"
            suffix = 2
            while Entity.objects.filter(slug=slug).exists():
                slug, suffix = f"{base}-{suffix}", suffix + 1
            entity = Entity(slug=slug, name=reference.strip())
            entity._change_reason = self.reason(row)
            entity._history_user = self.user
            entity.save()
            self.entities[reference.lower()] = self.entities[slug] = found = entity.pk
            self.report.created_entities.append(slug)
        if found is None:
            self.report.add_error(row, column, f"unknown {column.replace('_', ' ')} “{reference}”; use an entity's "
                                               f"slug, name or alias, or import with create-missing to add it")
        return found
