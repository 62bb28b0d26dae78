"""Undoing an import: what it created is removed, what it changed is restored from history — all or nothing,
and recorded in history itself.

An undo is refused, with every reason, when it would lose someone's later work: a record the import wrote
has changed since (its version moved on), a created record has been reviewed or is pointed at by a record
the import did not write. Sources and subjects the import created go too, unless something else uses them now.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from claims.imports.matching import CLAIM_FIELDS, FIGURE_FIELDS, Change
from claims.imports.writing import Writer
from claims.models import COMPARISON_KEY, Claim, Entity, Figure, ImportBatch, Review
from sources.models import Source

MAX_REASONS = 20
_LOCK = 0x66616374  # the imports' advisory lock: an undo and an import never interleave


class UndoRefused(Exception):
    def __init__(self, reasons: list[str], total: int):
        self.reasons, self.total = reasons, total
        more = f" (and {total - len(reasons)} more)" if total > len(reasons) else ""
        super().__init__("; ".join(reasons) + more)


@dataclass
class UndoReport:
    removed: int = 0
    restored: int = 0
    removed_sources: list[str] = field(default_factory=list)
    removed_entities: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # created references still in use, so kept

    def summary(self, noun: str) -> str:
        text = f"removed {self.removed:,} {noun}s it created and restored {self.restored:,} it changed"
        if self.removed_sources or self.removed_entities:
            text += (f"; removed {len(self.removed_sources)} sources and {len(self.removed_entities)} subjects it "
                     "created")
        if self.kept:
            text += f"; kept {', '.join(self.kept)}, which other records now use"
        return text


def undo_import(batch: ImportBatch, user) -> UndoReport:
    """Take an import back out; raises UndoRefused (and changes nothing) when that would lose later work."""
    model = batch.record_model
    fields = FIGURE_FIELDS if model is Figure else CLAIM_FIELDS
    noun = model._meta.verbose_name
    now = timezone.now()
    reason = f"Undo of import #{batch.pk} ({batch.file_name})"[:100]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.undone_at is not None:
            raise UndoRefused([f"import #{batch.pk} was already undone on {batch.undone_at:%Y-%m-%d %H:%M}"], 1)
        # The history rows the import wrote: stamped with its batch and its moment.
        written = list(model.history.filter(import_batch_id=batch.pk, history_date=batch.created_at)
                       .order_by("history_id"))
        ids = [entry.id for entry in written]
        current = model.objects.filter(pk__in=ids)
        if connection.features.has_select_for_update:
            current = current.select_for_update()
        now_rows = {row["id"]: row for row in current.values(*fields)}
        reasons = []
        for entry in written:
            row = now_rows.get(entry.id)
            if row is None:
                if entry.history_type == "~":
                    reasons.append(f"{noun} #{entry.id}, which the import changed, has been deleted since")
            elif row["version"] != entry.version:
                reasons.append(f"{noun} #{entry.id} (row {entry.import_row}) has changed since the import")
        created = [entry.id for entry in written if entry.history_type == "+" and entry.id in now_rows]
        reviewed = Review.objects.filter(**{f"{noun}_id__in": created}).values_list(f"{noun}_id", flat=True)
        reasons += [f"{noun} #{pk} has been reviewed since the import; undoing would delete its verdict"
                    for pk in sorted(set(reviewed))]
        reasons += pointed_at(model, created)
        if reasons:
            raise UndoRefused(reasons[:MAX_REASONS], len(reasons))

        writer = Writer(model, user=user, now=now, reason=reason, numbered=False)
        gone = [Change(now_rows[pk]["import_row"] or 0, "removed", now_rows[pk]) for pk in created]
        restored = []
        for entry in written:
            if entry.history_type != "~" or entry.id not in now_rows:
                continue
            before = entry.prev_record
            values = {name: getattr(before, name) for name in fields
                      if name not in ("id", "in_conflict") and hasattr(before, name)}
            values.update(id=entry.id, version=now_rows[entry.id]["version"] + 1, updated_at=now,
                          in_conflict=now_rows[entry.id].get("in_conflict", False))
            restored.append(Change(entry.import_row or 0, "updated", values, before=now_rows[entry.id]))
        if gone:
            writer.write_history([("-", change) for change in gone])
            if model is Claim:
                Claim.about.through.objects.filter(claim_id__in=created).delete()
            # Raw: the history rows are written above, in bulk; the checks above leave nothing to cascade.
            model.objects.filter(pk__in=created)._raw_delete(model.objects.db)
        if restored:
            writer.update([change.values for change in restored])
            writer.write_history([("~", change) for change in restored])
        if model is Figure:
            writer.touched = {tuple(change.values[name] for name in COMPARISON_KEY) for change in gone + restored}
            writer.touched |= {tuple(change.before[name] for name in COMPARISON_KEY) for change in restored}
            writer.refresh_comparisons()
        report = UndoReport(removed=len(gone), restored=len(restored))
        remove_created_references(batch, report, reason, user)
        batch.undone_at, batch.undone_by = now, user if user is not None and user.pk else None
        batch.save(update_fields=["undone_at", "undone_by"])
    return report


def pointed_at(model, created: list[int]) -> list[str]:
    """Records the import did not write that point at records it created (removing those would break them)."""
    if not created:
        return []
    if model is Claim:
        links = Figure.objects.filter(claim_id__in=created).values_list("pk", "claim_id")
        return [f"figure #{pk} points at claim #{claim} the import created" for pk, claim in links]
    links = Figure.objects.filter(supersedes_id__in=created).exclude(pk__in=created).values_list("pk",
                                                                                                 "supersedes_id")
    return [f"figure #{pk} revises figure #{old} the import created" for pk, old in links]


def remove_created_references(batch: ImportBatch, report: UndoReport, reason: str, user) -> None:
    """The sources and entities the import created go too — each only if nothing uses it now."""
    for slug in batch.created("source"):
        source = Source.objects.filter(slug=slug).first()
        if source is None:
            continue
        if source.figures.exists() or source.claims.exists() or source.evidence_for_reviews.exists():
            report.kept.append(f"source {slug}")
            continue
        source._change_reason, source._history_user = reason, user
        source.delete()
        report.removed_sources.append(slug)
    for slug in batch.created("entity"):
        entity = Entity.objects.filter(slug=slug).first()
        if entity is None:
            continue
        used = (entity.figures.exists() or entity.figures_attributed.exists() or entity.claims_made.exists()
                or entity.claims_about.exists())
        if used:
            report.kept.append(f"entity {slug}")
            continue
        entity._change_reason, entity._history_user = reason, user
        entity.delete()
        report.removed_entities.append(slug)
