"""schema.org ClaimReview for a reviewed claim's or figure's public page, as JSON-LD.

One ClaimReview per page, for the record's current verdict: the latest review of what it says now (a review of an
earlier wording or number, since changed, is shown on the page but gives no verdict, so it is not published here).

The claim's author is who made it: a claim's speaker, a figure's origin (whom it is attributed to), else the
outlet that published the source, else the source's authors. Its appearance is the source, with its address (the
factbase copy when the source has none online) and date.

Rating scale (reviewRating.ratingValue, worstRating 1 to bestRating 4; the closer to 4, the truer):
1 false, 2 misleading, 3 disputed, 4 verified. "Unverifiable" has no place on a scale of truth: it carries its
name (alternateName) and no number.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from api.citations import author_names, iso_date
from claims.models import Claim, Figure, Verdict

RATING = {Verdict.FALSE: 1, Verdict.MISLEADING: 2, Verdict.DISPUTED: 3, Verdict.VERIFIED: 4}
WORST_RATING, BEST_RATING = 1, 4
CLAIM_REVIEWED_LENGTH = 75  # Google: keep claimReviewed under 75 characters so it does not wrap on a phone


def current_review(record):
    """The review that gave the record its verdict, or None (a query)."""
    if not record.verdict:
        return None
    reviews = record.reviews.filter(verdict=record.verdict).order_by("-reviewed_at", "-id")
    if record.edited_at is not None:
        reviews = reviews.filter(reviewed_at__gte=record.edited_at)
    return reviews.first()


def shorten(text: str, limit: int = CLAIM_REVIEWED_LENGTH) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:–—") + "…"


def _party(entity) -> dict:
    return {"@type": "Person" if entity.kind == entity.Kind.PERSON else "Organization", "name": entity.name}


def claim_reviewed(record) -> str:
    if isinstance(record, Claim):
        return shorten(record.quote)
    # The number first: if anything is cut, it is the context.
    return shorten(f"“{record.value_text}”: {record.metric.name}, {record.subject.name}, {record.period_display}")


def claimant(record) -> dict | list | None:
    """Who made the claim: the speaker (a figure: whom it is attributed to), else the outlet that published the
    source, else the source's authors; None when the source names nobody."""
    who = record.speaker if isinstance(record, Claim) else record.attributed_to
    if who is not None:
        return _party(who)
    if record.source.outlet is not None:
        return {"@type": "Organization", "name": record.source.outlet.name}
    people = [{"@type": "Person", "name": name} for name in author_names(record.source)]
    return (people[0] if len(people) == 1 else people) or None


def appearance(request, source) -> dict:
    work = {"@type": "CreativeWork", "name": source.title,
            "url": source.url or source.archived_url or request.build_absolute_uri(source.get_absolute_url())}
    if published := iso_date(source):
        work["datePublished"] = published
    if source.outlet is not None:
        work["publisher"] = {"@type": "Organization", "name": source.outlet.name}
    return work


def claim_review(request, record: Claim | Figure, review) -> dict:
    rating = {"@type": "Rating", "alternateName": review.get_verdict_display()}
    if review.verdict in RATING:
        rating.update(ratingValue=RATING[review.verdict], worstRating=WORST_RATING, bestRating=BEST_RATING)
    if review.rationale:
        rating["ratingExplanation"] = review.rationale
    claim = {"@type": "Claim", "appearance": appearance(request, record.source)}
    if author := claimant(record):
        claim["author"] = author
    if published := iso_date(record.source):
        claim["datePublished"] = published
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": request.build_absolute_uri(record.get_absolute_url()),
        "claimReviewed": claim_reviewed(record),
        "itemReviewed": claim,
        "reviewRating": rating,
        "author": {"@type": "Organization", "name": settings.REVIEWING_ORGANISATION,
                   "url": request.build_absolute_uri(reverse("claims:home"))},
        "datePublished": review.reviewed_at.date().isoformat(),
    }


# What may not stand inside a <script> element's text; the same escapes as Django's json_script.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    """A JSON-LD data block. Browsers do not run it, so the Content-Security-Policy (no inline script) lets it be."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped
