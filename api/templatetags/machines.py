"""Template tags for what machines read on the public pages: ClaimReview JSON-LD and citations."""

from django import template

from api import citations, jsonld

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_review_json_ld(context, record) -> str:
    """The record's ClaimReview as a JSON-LD block, or nothing when it has no current verdict (one query)."""
    review = jsonld.current_review(record)
    if review is None:
        return ""
    return jsonld.json_ld_script(jsonld.claim_review(context["request"], record, review))


@register.simple_tag
def citation(source) -> dict:
    return {"text": citations.citation_text(source), "bibtex": citations.bibtex_entry(source)}
