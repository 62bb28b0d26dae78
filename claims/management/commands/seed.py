"""Load the curated seed corpus (fixtures/seed/) idempotently.

Records are matched by slug (outlets, sources, entities, metrics) or by their
corpus ref (claims, figures). Missing records are created; a record a curator
has since edited is left alone and counted (`--update` resets it to the
corpus), so a second run changes nothing and adds no history.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.models import Claim, Entity, EntityAlias, Figure, Metric
from sources.models import Outlet, Source

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "fixtures" / "seed" / "corpus.json"
CHANGE_REASON = "Seed corpus"
# Kept by the database or by comparisons, not by the corpus.
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "created_by", "in_conflict", "search_vector", "version", "verdict",
                  "edited_by", "edited_at"}


class Command(BaseCommand):
    help = "Load the seed corpus from fixtures/seed/ (safe to run again: unchanged records are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
        parser.add_argument("--update", action="store_true",
                            help="Reset records that differ from the corpus (curators' edits to them are lost).")

    def handle(self, *args, corpus, update, **options):
        self.update = update
        path = Path(corpus)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the corpus {path}: {error}") from None
        except RecursionError:
            raise CommandError(f"Cannot read the corpus {path}: it is nested too deeply.") from None
        if problem := _shape_problem(data):
            raise CommandError(f"The corpus {path} is not a seed corpus: {problem}.")
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
        try:
            with transaction.atomic():
                self.load(data, path.parent)
        except ValidationError as error:
            raise CommandError(f"The corpus is inconsistent, nothing was loaded: {error}") from None
        except KeyError as error:
            # a field a record needs, or a slug or ref it names that the corpus does not hold
            raise CommandError(f"The corpus is inconsistent, nothing was loaded: {error} is missing.") from None
        except (ValueError, ArithmeticError, OSError) as error:  # a date, a number or a text file it cannot read
            raise CommandError(f"The corpus is inconsistent, nothing was loaded: {error}") from None
        self.stdout.write(
            "Seed corpus: {created} created, {updated} updated, {unchanged} unchanged.".format(**self.counts)
        )
        if self.counts["kept"]:
            self.stdout.write(
                f"{self.counts['kept']} records differ from the corpus (edited since) and were left as they are; "
                "`manage.py seed --update` resets them."
            )

    def load(self, data, folder: Path):
        outlets = {row["slug"]: self.upsert(Outlet(
            slug=row["slug"], name=row["name"], kind=row.get("kind") or Outlet.Kind.OTHER,
            url=row.get("url") or "", note=row.get("note") or "",
        ), slug=row["slug"]) for row in data.get("outlets", [])}

        entities = {}
        for row in data.get("entities", []):
            entity = self.upsert(Entity(
                slug=row["slug"], name=row["name"], kind=row.get("kind") or Entity.Kind.OTHER,
                description=row.get("description") or "",
            ), slug=row["slug"])
            entities[row["slug"]] = entity
            for alias in row.get("aliases", []):
                self.upsert(EntityAlias(entity=entity, name=alias), name__iexact=alias)

        metrics = {row["slug"]: self.upsert(Metric(
            slug=row["slug"], name=row["name"], unit=row["unit"], description=row.get("description") or "",
            min_value=_decimal(row.get("min_value")), max_value=_decimal(row.get("max_value")),
        ), slug=row["slug"]) for row in data.get("metrics", [])}

        sources = {}
        for row in data.get("sources", []):
            text = (folder / row["text_file"]).read_bytes().decode("utf-8")
            sources[row["slug"]] = self.upsert(Source(
                slug=row["slug"], title=row["title"], kind=row.get("kind") or Source.Kind.ARTICLE,
                outlet=outlets.get(row.get("outlet")), authors=row.get("authors") or "",
                published_on=_date(row.get("published_on")),
                published_precision=row.get("published_precision") or Source.DatePrecision.UNKNOWN,
                language=row.get("language") or "en", url=row.get("url") or "",
                archived_url=row.get("archived_url") or "", text=text, content_hash=Source.hash_text(text),
                status=Source.Status.PUBLISHED, note=row.get("note") or "",
            ), slug=row["slug"])

        claims = {}
        for row in data.get("claims", []):
            claim = Claim(
                ref=row["ref"], source=sources[row["source"]], quote=row["quote"],
                speaker=entities.get(row.get("speaker")), status=row.get("status") or "unverified",
                note=row.get("note") or "",
            )
            claims[row["ref"]] = claim = self.upsert(claim, context=row.get("context") or "", ref=row["ref"])
            about = {entities[slug].pk for slug in row.get("about", [])}
            if set(claim.about.values_list("pk", flat=True)) != about:
                claim._change_reason = CHANGE_REASON
                claim.about.set(about)

        figures = {}
        for row in data.get("figures", []):
            figure = Figure(
                ref=row["ref"], source=sources[row["source"]], claim=claims.get(row.get("claim")),
                metric=metrics[row["metric"]], subject=entities[row["subject"]],
                period_start=_date(row["period_start"]), period_end=_date(row["period_end"]),
                period_precision=row["period_precision"], value_text=row["value_text"],
                value=_decimal(row.get("value")), lower=_decimal(row.get("lower")),
                upper=_decimal(row.get("upper")), qualifier=row.get("qualifier") or Figure.Qualifier.EXACT,
                attributed_to=entities.get(row.get("attributed_to")),
                origin_role=row.get("origin_role") or Figure.OriginRole.UNKNOWN,
                rank=row.get("rank") or Figure.Rank.NORMAL, rank_reason=row.get("rank_reason") or "",
                status=row.get("status") or "unverified", note=row.get("note") or "",
            )
            figures[row["ref"]] = self.upsert(figure, context=row.get("context") or "", ref=row["ref"])
        for row in data.get("figures", []):
            if row.get("supersedes"):
                figure = figures[row["ref"]]
                figure.supersedes = figures[row["supersedes"]]
                self.upsert(figure, ref=row["ref"])

    def upsert(self, candidate, context: str = "", **lookup):
        """Create the record, update the fields that differ, or leave it alone."""
        model = type(candidate)
        existing = model.objects.filter(**lookup).first()
        if existing is not None:
            candidate.pk = existing.pk
            candidate._state.adding = False
            for field in SKIPPED_FIELDS - {"id"}:
                if hasattr(existing, field):
                    setattr(candidate, field, getattr(existing, field))
            if hasattr(existing, "substance_values"):
                candidate._substance_read = existing.substance_values()  # a reset of what it says lapses its verdict
        try:
            candidate.full_clean()
        except ValidationError as error:
            raise ValidationError(f"{model.__name__} {lookup}: {error}") from None
        if context and hasattr(candidate, "anchor"):
            candidate.anchor(context=context)
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in SKIPPED_FIELDS]
        if existing is None:
            self.counts["created"] += 1
        elif all(getattr(existing, name) == getattr(candidate, name) for name in fields):
            self.counts["unchanged"] += 1
            return existing
        elif not self.update:
            self.counts["kept"] += 1
            return existing
        else:
            self.counts["updated"] += 1
        candidate._change_reason = CHANGE_REASON
        candidate.save()
        return candidate


SECTIONS = ("outlets", "entities", "metrics", "sources", "claims", "figures")


def _shape_problem(data) -> str | None:
    """What keeps `data` from being a corpus: an object of lists of objects, one list per section."""
    if not isinstance(data, dict):
        return f"it holds a JSON {type(data).__name__}, not an object of {', '.join(SECTIONS)}"
    for section in SECTIONS:
        rows = data.get(section, [])
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            return f"“{section}” is not a list of objects"
    return None


def _decimal(raw):
    return None if raw in (None, "") else Decimal(str(raw))


def _date(raw):
    return None if not raw else date.fromisoformat(raw)
