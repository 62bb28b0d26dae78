"""Extraction measured against the curated seed corpus, and its speed.

    .venv/bin/python bench/extraction.py [--show-misses] [--show-unreviewed] [--repeat-seconds 3]

No database: claims/extraction.py is pure, and the answer key is fixtures/seed/corpus.json (its
figures and claims, anchored in the texts of fixtures/seed/texts/ by their context), with the
corpus's metrics and entities as hints, as `manage.py extract` gives them from the database.

What is counted, and why:

- A figure suggestion *matches* a curated figure when their spans overlap ("up to 12" and "up to
  12 years" are one figure). A quote suggestion matches a curated claim when they overlap by at
  least half of the shorter span: a curated claim is often a whole clause around a quoted phrase
  ("villainized as relics of “communism”"), and a suggestion that points at it saves the
  curator the search, who then widens or narrows it.
- Recall: curated records matched by at least one suggestion of their kind.
- Precision, strict: suggestions that match a curated record. Every other suggestion counts
  against it, even a real number the curators chose not to record ("two kids").
- Precision, lenient: suggestions that match a curated record *or* were judged by hand to be a
  real figure or quote the text states (bench/extraction_review.json, each with a reason).
  Unreviewed ones count as wrong; --show-unreviewed lists them for review.
- Qualifier accuracy: of the matched figures, those whose qualifier is the curators'. The corpus
  records "almost half" and "almost doubled" as approximate, where DESIGN.md reads "nearly"
  and "almost" as below the number (an upper bound); the table gives accuracy against the corpus
  as recorded and with those two read by DESIGN.md's rule. Bounds accuracy: value, lower and
  upper all equal too (shares compare at the corpus's two decimals).
- Speed: characters per second of extract() on a 40,000-character text (the start of the longest
  seed text) and on a 1 MB text (the seed texts repeated, with repeated paragraphs not skipped, so
  every one is read), best of runs within --repeat-seconds. Then hostile texts of 100,000 and
  1,000,000 characters each (one "sentence" of 500,000 numbers, runs of number words, unclosed
  quotation marks…), timed once: the time must grow with the text, not faster (extract() stops
  at 10,000 suggestions of a kind, more than a curator reviews).
"""

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from claims import anchors  # noqa: E402
from claims.extraction import FIGURE, QUOTE, extract, hints_from_corpus  # noqa: E402

SEED = ROOT / "fixtures" / "seed"
REVIEW = ROOT / "bench" / "extraction_review.json"
DESIGN_RULE = {"almost", "nearly"}  # value texts DESIGN.md reads as upper bounds


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def figure_match(suggestion, key) -> bool:
    return overlap(suggestion, key) > 0


def quote_match(suggestion, key) -> bool:
    shorter = min(suggestion[1] - suggestion[0], key[1] - key[0])
    return shorter > 0 and overlap(suggestion, key) * 2 >= shorter


def located(text: str, quote: str, context: str | None) -> tuple[int, int] | None:
    anchor = anchors.locate(text, quote, context=context or "")
    return (anchor.start, anchor.end) if anchor else None


def load_review() -> dict:
    if not REVIEW.exists():
        return {}
    return {(entry["source"], entry["kind"], entry["start"], entry["text"]): entry
            for entry in json.loads(REVIEW.read_text())["suggestions"]}


def same_bounds(suggestion, figure) -> bool:
    def number(raw):
        return None if raw is None else Decimal(str(raw))

    pairs = [(suggestion.value, number(figure.get("value"))), (suggestion.lower, number(figure.get("lower"))),
             (suggestion.upper, number(figure.get("upper")))]
    return all((a is None and b is None) or (a is not None and b is not None and abs(a - b) < Decimal("0.005"))
               for a, b in pairs)


def measure(corpus: dict, review: dict, show_misses: bool, show_unreviewed: bool) -> tuple[list[dict], list[str]]:
    metrics, entities = hints_from_corpus(corpus)
    rows, notes = [], []
    for source in corpus["sources"]:
        slug = source["slug"]
        text = (SEED / source["text_file"]).read_text(encoding="utf-8")
        suggestions = extract(text, language=source.get("language") or None, metrics=metrics, entities=entities)
        keys = {FIGURE: [], QUOTE: []}
        for figure in (f for f in corpus["figures"] if f["source"] == slug):
            span = located(text, figure["value_text"], figure.get("context"))
            if span is None:
                notes.append(f"{slug}: figure {figure['ref']} not found in its text")
                continue
            keys[FIGURE].append((span, figure))
        for claim in (c for c in corpus["claims"] if c["source"] == slug):
            span = located(text, claim["quote"], claim.get("context"))
            if span is None:
                notes.append(f"{slug}: claim {claim['ref']} not found in its text")
                continue
            keys[QUOTE].append((span, claim))
        row = {"source": slug}
        for kind, matches in ((FIGURE, figure_match), (QUOTE, quote_match)):
            made = [s for s in suggestions if s.kind == kind]
            spans = [(s.start, s.end) for s in made]
            correct = [any(matches(span, key) for key, _ in keys[kind]) for span in spans]
            real = 0
            for suggestion, ok in zip(made, correct, strict=True):
                if ok:
                    continue
                verdict = review.get((slug, kind, suggestion.start, suggestion.text))
                if verdict and verdict["verdict"] == "real":
                    real += 1
                elif show_unreviewed and not verdict:
                    notes.append(f"unreviewed {kind} in {slug} at {suggestion.start}: {suggestion.text[:100]!r}")
                elif verdict is None or verdict["verdict"] != "real":
                    notes.append(f"wrong {kind} in {slug} at {suggestion.start}: {suggestion.text[:100]!r}"
                                 + (f" ({verdict['why']})" if verdict else " (unreviewed)"))
            found = qualifier_ok = qualifier_design = bounds_ok = speaker_ok = 0
            for key_span, record in keys[kind]:
                candidates = [(overlap(span, key_span), s) for span, s in zip(spans, made, strict=True)
                              if matches(span, key_span)]
                if not candidates:
                    if show_misses:
                        shown = record.get("value_text") or record.get("quote")
                        notes.append(f"missed {kind} in {slug} at {key_span[0]}: {shown[:100]!r}")
                    continue
                found += 1
                best = max(candidates, key=lambda pair: pair[0])[1]
                if kind == FIGURE:
                    qualifier_ok += best.qualifier == record["qualifier"]
                    words = record["value_text"].lower().split()
                    design = "less_than" if words and words[0] in DESIGN_RULE else record["qualifier"]
                    qualifier_design += best.qualifier == design
                    bounds_ok += same_bounds(best, record) or (design != record["qualifier"]
                                                              and best.qualifier == design)
                    if best.qualifier != record["qualifier"] and show_misses:
                        notes.append(f"qualifier {slug} {record['value_text']!r}: suggested {best.qualifier}, "
                                     f"recorded {record['qualifier']}")
                else:
                    speaker_ok += best.speaker_entity == record.get("speaker")
            row[kind] = {"key": len(keys[kind]), "found": found, "suggested": len(made), "correct": sum(correct),
                         "real": real, "qualifier": qualifier_ok, "qualifier_design": qualifier_design,
                         "bounds": bounds_ok, "speaker": speaker_ok}
        rows.append(row)
    return rows, notes


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    –"


def table(rows: list[dict]) -> str:
    lines = []
    header = (f"{'source':38} {'kind':6} {'key':>4} {'found':>5} {'sugg':>5} {'recall':>7} {'prec.':>7} "
              f"{'lenient':>7} {'qualif.':>7} {'DESIGN':>7} {'bounds':>7} {'speaker':>7}")
    lines.append(header)
    lines.append("-" * len(header))
    totals = {FIGURE: {}, QUOTE: {}}
    for row in rows + [None]:
        for kind in (FIGURE, QUOTE):
            if row is None:
                stats, name = totals[kind], "ALL"
            else:
                stats, name = row[kind], row["source"]
                for field, number in stats.items():
                    totals[kind][field] = totals[kind].get(field, 0) + number
            qualifier = (percent(stats["qualifier"], stats["found"]), percent(stats["qualifier_design"],
                                                                              stats["found"]),
                         percent(stats["bounds"], stats["found"]), "") if kind == FIGURE else (
                "", "", "", percent(stats["speaker"], stats["found"]))
            lines.append(
                f"{name:38} {kind:6} {stats['key']:>4} {stats['found']:>5} {stats['suggested']:>5} "
                f"{percent(stats['found'], stats['key']):>7} {percent(stats['correct'], stats['suggested']):>7} "
                f"{percent(stats['correct'] + stats['real'], stats['suggested']):>7} "
                f"{qualifier[0]:>7} {qualifier[1]:>7} {qualifier[2]:>7} {qualifier[3]:>7}")
        if row is None:
            continue
    return "\n".join(lines)


def speed(corpus: dict, seconds: float) -> list[tuple[str, int, float]]:
    metrics, entities = hints_from_corpus(corpus)
    texts = [(SEED / s["text_file"]).read_text(encoding="utf-8") for s in corpus["sources"]]
    longest = max(texts, key=len)
    forty = longest[:40_000]
    megabyte = ("\n".join(texts) + "\n") * (1_000_000 // sum(len(t) + 1 for t in texts) + 1)
    megabyte = megabyte[:1_000_000]
    results = []
    for name, text in (("40,000 characters", forty), ("1,000,000 characters", megabyte)):
        best = float("inf")
        started = time.perf_counter()
        while time.perf_counter() - started < seconds or best == float("inf"):
            began = time.perf_counter()
            extract(text, metrics=metrics, entities=entities, skip_repeated=False)
            best = min(best, time.perf_counter() - began)
        results.append((name, len(text), len(text) / best))
    return results


HOSTILE = {
    "numbers in one sentence": "1 ",
    "number words": "one ",
    "thousands groups": "1,000,",
    "decimal points": "1.1.",
    "dashes": "1-",
    "qualifiers without numbers": "more than ",
    "unclosed quotation marks": "“a ",
    "straight quotation marks": '"a" ',
    "percent signs": "5% ",
    "reported speech": "Tokayev said that ",
    "one long word": "a",
    "one long number": "9",
}


def hostile(corpus: dict) -> list[tuple[str, float, float]]:
    metrics, entities = hints_from_corpus(corpus)
    results = []
    for name, piece in HOSTILE.items():
        rates = []
        for size in (100_000, 1_000_000):
            text = (piece * (size // len(piece) + 1))[:size]
            began = time.perf_counter()
            extract(text, metrics=metrics, entities=entities, skip_repeated=False)
            rates.append(size / (time.perf_counter() - began))
        results.append((name, rates[0], rates[1]))
    return results


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--show-misses", action="store_true", help="list curated records no suggestion matches")
    options.add_argument("--show-unreviewed", action="store_true", help="list suggestions the review file lacks")
    options.add_argument("--repeat-seconds", type=float, default=3.0, help="time spent on each speed measurement")
    args = options.parse_args()
    corpus = json.loads((SEED / "corpus.json").read_text(encoding="utf-8"))
    rows, notes = measure(corpus, load_review(), args.show_misses, args.show_unreviewed)
    print(table(rows))
    print()
    for name, length, rate in speed(corpus, args.repeat_seconds):
        print(f"speed on {name} ({length:,}): {rate / 1e6:.2f} MB/s ({rate:,.0f} characters per second)")
    print()
    print(f"{'hostile text':30} {'100 KB':>10} {'1 MB':>10}")
    for name, small, large in hostile(corpus):
        print(f"{name:30} {small / 1e6:>6.2f} MB/s {large / 1e6:>6.2f} MB/s")
    if notes:
        print()
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
