"""Anchoring a quote in its source text, the way W3C Web Annotation does it.

An anchor is the quote's character offsets plus a little text before and after
it (prefix and suffix), so it can be found again after small edits of the text.
Typographic variants that keep the length (curly and straight quotes, dashes,
non-breaking spaces) match each other, so a curator may type straight quotes.
"""

from dataclasses import dataclass
from functools import lru_cache

CONTEXT_LENGTH = 32

_SAME_LENGTH_VARIANTS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "«": '"', "»": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    }
)


@lru_cache(maxsize=512)
def normalise(text: str) -> str:
    """Fold typographic variants without changing the length, so offsets stay valid."""
    return text.translate(_SAME_LENGTH_VARIANTS)


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str


def anchor_at(text: str, start: int, end: int) -> Anchor:
    return Anchor(start, end, text[max(0, start - CONTEXT_LENGTH):start], text[end:end + CONTEXT_LENGTH])


def occurrences(text: str, quote: str) -> list[int]:
    haystack, needle = normalise(text), normalise(quote)
    found, position = [], haystack.find(needle)
    while needle and position != -1:
        found.append(position)
        position = haystack.find(needle, position + 1)
    return found


def locate(text: str, quote: str, *, hint: Anchor | None = None, context: str = "") -> Anchor | None:
    """Find the quote in the text; None when it does not occur.

    With several occurrences, a context (a longer excerpt that holds the quote)
    or the hint's offsets, prefix and suffix choose among them.
    """
    if hint is None and not context:  # the first occurrence is the answer: no need to find them all
        start = normalise(text).find(normalise(quote)) if quote else -1
        return None if start == -1 else anchor_at(text, start, start + len(quote))
    starts = occurrences(text, quote)
    if not starts:
        return None
    if context:
        context_starts = occurrences(text, context)
        inner = normalise(context).find(normalise(quote))
        if len(context_starts) == 1 and inner != -1:
            start = context_starts[0] + inner
            return anchor_at(text, start, start + len(quote))
    if hint is not None and len(starts) > 1:

        def score(start):
            candidate = anchor_at(text, start, start + len(quote))
            return (
                -(normalise(candidate.prefix).endswith(normalise(hint.prefix[-CONTEXT_LENGTH:]))
                  + normalise(candidate.suffix).startswith(normalise(hint.suffix[:CONTEXT_LENGTH]))),
                abs(start - hint.start),
            )

        starts.sort(key=score)
    start = starts[0]
    return anchor_at(text, start, start + len(quote))


def matches(text: str, quote: str, start: int | None, end: int | None) -> bool:
    """Whether the stored offsets still point at the quote."""
    if start is None or end is None or not 0 <= start <= end <= len(text):
        return False
    return normalise(text[start:end]) == normalise(quote)
