"""Deletions leave no silent gaps: every link a deletion clears is first cleared by a save, with history;
a deleted review takes its verdict with it.

The database clears SET NULL links and many-to-many rows by itself, which no history sees; so before
a claim, figure, entity or source is deleted, the records pointing at it let go of it through the
ORM, each with a change reason naming what was deleted. (Deleting these is for superusers; everyone
else withdraws.) `LINKS` lists every such link; a test checks that no new one escapes it.
"""

from django.db.models.signals import post_delete, pre_delete

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


def review_deleted(sender, instance, origin=None, **kwargs):
    """A deleted review takes its verdict with it: the record shows the verdict of the reviews left."""
    from claims.models import refresh_verdict

    target_field = "claim" if instance.claim_id else "figure"
    target_id = getattr(instance, f"{target_field}_id")
    target_model = sender._meta.get_field(target_field).related_model
    if isinstance(origin, target_model) and origin.pk == target_id:
        return  # the record itself is being deleted
    target = target_model.objects.filter(pk=target_id).first()
    if target is not None:
        refresh_verdict(target)


def connect():
    from django.apps import apps

    for model, *_ in LINKS:
        pre_delete.connect(let_go, sender=apps.get_model(model), dispatch_uid=f"let-go-{model}")
    post_delete.connect(review_deleted, sender=apps.get_model("claims.Review"), dispatch_uid="review-deleted")
