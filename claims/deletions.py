"""Deletions leave no silent gaps: every link a deletion clears is first cleared by a save, with history.

The database clears SET NULL links and many-to-many rows by itself, which no history sees; so before
a claim, figure, entity or source is deleted, the records pointing at it let go of it through the
ORM, each with a change reason naming what was deleted. (Deleting these is for superusers; everyone
else withdraws.) `LINKS` lists every such link; a test checks that no new one escapes it.
"""

from django.db.models.signals import pre_delete

# (deleted model, related name on it, field on the other side, kind)
LINKS = [
    ("claims.Claim", "figures", "claim", "foreign key"),
    ("claims.Figure", "superseded_by", "supersedes", "foreign key"),
    ("claims.Entity", "claims_about", "about", "many to many"),
    ("sources.Source", "evidence_for_reviews", "evidence", "many to many"),
]


def let_go(sender, instance, **kwargs):
    label = f"{sender._meta.verbose_name} #{instance.pk} ({str(instance)[:60]})"
    for model, related_name, field, kind in LINKS:
        if sender._meta.label != model:
            continue
        for other in getattr(instance, related_name).all():
            other._change_reason = f"Its {field.replace('_', ' ')} link was cleared: {label} was deleted"
            if kind == "foreign key":
                setattr(other, field, None)
                other.save(update_fields=[field])
            else:
                getattr(other, field).remove(instance)


def connect():
    from django.apps import apps

    for model, *_ in LINKS:
        pre_delete.connect(let_go, sender=apps.get_model(model), dispatch_uid=f"let-go-{model}")
