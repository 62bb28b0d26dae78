"""django-import-export resources for entities and metrics (sources and outlets: sources.resources).

Figures and claims have their own pipeline (claims.imports and claims.exports): the
same columns in and out, but validated and written in bulk, which a
row-at-a-time resource cannot do at the speed curators need.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from import_export import fields

from claims.models import Entity, EntityAlias, Metric
from factbase.resources import SafeResource


class EntityResource(SafeResource):
    """Entities with their aliases, in and out: `aliases` holds other names joined by "; ", so a second
    dataset's "Czech Republic" lands on the first one's "Czechia". An import adds aliases; it removes none."""

    aliases = fields.Field(column_name="aliases")

    class Meta:
        model = Entity
        import_id_fields = ["slug"]
        fields = ["slug", "name", "kind", "description", "aliases"]
        skip_unchanged = True
        report_skipped = True

    def dehydrate_aliases(self, entity):
        return "; ".join(alias.name for alias in entity.aliases.all())

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return super().skip_row(instance, original, row, import_validation_errors) and not self.new_aliases(
            original, row)

    def new_aliases(self, entity, row) -> list[str]:
        names = [" ".join(name.split()) for name in str(row.get("aliases") or "").split(";") if name.strip()]
        known = {alias.name.lower() for alias in entity.aliases.all()} if entity and entity.pk else set()
        known.add((entity.name if entity and entity.pk else str(row.get("name") or "")).lower())
        return [name for name in dict.fromkeys(names) if name.lower() not in known]

    def after_save_instance(self, instance, row, **kwargs):
        for name in self.new_aliases(instance, row):
            if len(name) > 200:
                raise ValidationError(f"the alias “{name[:40]}…” has {len(name)} characters; at most 200")
            clash = Entity.objects.filter(Q(name__iexact=name) | Q(slug__iexact=name) | Q(aliases__name__iexact=name))
            clash = clash.exclude(pk=instance.pk).first()
            if clash is not None:
                raise ValidationError(f"the alias “{name}” already names the entity “{clash}” ({clash.slug})")
            if not kwargs.get("dry_run"):
                EntityAlias.objects.create(entity=instance, name=name)


class MetricResource(SafeResource):
    class Meta:
        model = Metric
        import_id_fields = ["slug"]
        fields = ["slug", "name", "unit", "min_value", "max_value", "description"]
        skip_unchanged = True
        report_skipped = True
