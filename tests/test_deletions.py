"""Deleting is for superusers, and history keeps every deletion and every link it clears."""

from django.db import models

from claims.deletions import LINKS
from claims.models import Figure, Review


def test_deleting_a_claim_clears_its_figures_link_with_a_history_entry(make_figure, make_claim):
    figure = make_figure()
    claim = make_claim(source=figure.source)
    figure.claim = claim
    figure.save()
    claim_id = claim.pk
    claim.delete()
    figure.refresh_from_db()
    assert figure.claim is None
    entry = figure.history.latest()
    assert entry.claim_id is None and f"claim #{claim_id}" in entry.history_change_reason
    assert type(claim).history.filter(id=claim_id, history_type="-").exists()


def test_deleting_a_figure_clears_the_revision_that_pointed_at_it(make_figure):
    old = make_figure(value_text="16")
    new = make_figure(value_text="more than 70", value=None, lower=70, qualifier="more_than", supersedes=old)
    old.delete()
    new.refresh_from_db()
    assert new.supersedes is None and "was deleted" in new.history.latest().history_change_reason


def test_deleting_an_entity_or_a_source_is_recorded_on_the_claims_and_reviews_that_named_them(
        make_claim, make_entity, make_figure, make_source, reviewer):
    place = make_entity("Aktau")
    claim = make_claim()
    claim.about.add(place)
    before = claim.history.count()
    place.delete()
    assert claim.about.count() == 0 and claim.history.count() == before + 1

    evidence = make_source(slug="evidence")
    review = Review.objects.create(figure=make_figure(), verdict="verified", reviewer=reviewer, rationale="see")
    review.evidence.add(evidence)
    before = review.history.count()
    evidence.delete()
    assert review.evidence.count() == 0 and review.history.count() == before + 1


def test_every_link_a_deletion_could_clear_silently_is_handled():
    # A new SET_NULL foreign key or many-to-many to a record that can be deleted must join LINKS.
    handled = {(model, name) for model, name, _, _ in LINKS}
    silent = []
    for model in (Figure, Review, Figure._meta.get_field("claim").related_model,
                  Figure._meta.get_field("subject").related_model, Figure._meta.get_field("source").related_model):
        for relation in model._meta.related_objects:
            other = relation.related_model
            tracked = hasattr(other, "history") and other._meta.app_label in ("claims", "sources")
            set_null = getattr(relation, "on_delete", None) is models.SET_NULL
            link = (model._meta.label, relation.get_accessor_name())
            if tracked and (set_null or relation.many_to_many) and link not in handled:
                silent.append(".".join(link))
    assert not silent, silent
