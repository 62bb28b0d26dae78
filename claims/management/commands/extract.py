import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from claims.extraction import MAX_SUGGESTIONS, EntityHint, MetricHint, TextTooLong, extract
from sources.ingest import KINDS, IngestError, ingest_path

_MAX_SLUG_LENGTH = 120  # Source.slug's max_length


class Command(BaseCommand):
    help = (
        "Suggest the figures and quotes in a source's text. SOURCE is a source's slug, or the path of a .txt, "
        ".html or .pdf file. With --json: one JSON list of suggestions with the keys DESIGN.md fixes."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="a source's slug, or the path of a .txt, .html or .pdf file")
        parser.add_argument("--json", action="store_true", help="print one JSON list of suggestions")
        parser.add_argument("--language", choices=["en", "ru"],
                            help="the text's language (default: the source's, else guessed from its letters)")

    def handle(self, *args, source, json: bool, language: str | None, **options):
        text, source_language, notes = self.text_of(source)
        metrics, entities = self.hints()
        try:
            suggestions = extract(text, language=language or source_language, metrics=metrics, entities=entities)
        except TextTooLong as error:
            raise CommandError(str(error)) from None
        for kind in ("figure", "quote"):
            if sum(1 for suggestion in suggestions if suggestion.kind == kind) >= MAX_SUGGESTIONS:
                notes.append(f"only the first {MAX_SUGGESTIONS:,} {kind} suggestions are listed")
        try:
            if json:
                self.stdout.write(_json([suggestion.as_json() for suggestion in suggestions]))
            else:
                for suggestion in suggestions:
                    self.stdout.write(_line(suggestion))
                self.stdout.write(f"{sum(s.kind == 'figure' for s in suggestions)} figures, "
                                  f"{sum(s.kind == 'quote' for s in suggestions)} quotes suggested.")
            for note in notes:
                self.stderr.write(note)
        except BrokenPipeError:
            # The reader stopped listening (`extract … | head`): nothing more to say, and no traceback.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def text_of(self, source: str) -> tuple[str, str | None, list[str]]:
        """The text to read, its language if known, and notes for the curator."""
        extension = os.path.splitext(source.lower())[1]
        if os.path.exists(source) or extension in KINDS:
            try:
                ingested = ingest_path(source)
            except IngestError as error:
                raise CommandError(str(error)) from None
            notes = []
            if ingested.repeats:
                notes.append(f"{len(ingested.repeats)} paragraphs repeat an earlier one word for word; they give no "
                             "suggestions of their own")
            return ingested.text, ingested.language[:2] or None, notes
        if len(source) > _MAX_SLUG_LENGTH:
            raise CommandError(f"“{source[:40]}…” is neither a file nor a source's slug (slugs are at most "
                               f"{_MAX_SLUG_LENGTH} characters)")
        from sources.models import Source

        try:
            found = Source.objects.filter(slug=source).values_list("text", "language").first()
        except DatabaseError as error:
            raise CommandError(f"cannot read the sources from the database ({error}); has it been migrated?") from None
        if found is None:
            raise CommandError(f"No source has the slug “{source}”, and there is no file of that name.")
        text, language = found
        return text, (language or "")[:2] or None, [] if text.strip() else [f"the source “{source}” has no text"]

    def hints(self) -> tuple[list[MetricHint], list[EntityHint]]:
        """The known metrics and entities, for guessing metrics, subjects and speakers."""
        from claims.suggestions import hints_from_database

        try:
            return hints_from_database()
        except DatabaseError:
            self.stderr.write("The database cannot be read: metrics, subjects and speakers are not guessed.")
            return [], []


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def _plain(number) -> str:
    return "" if number is None else format(number, "f")


def _line(suggestion) -> str:
    where = f"{suggestion.start}–{suggestion.end}"
    shown = suggestion.text if len(suggestion.text) <= 100 else suggestion.text[:99] + "…"
    shown = " ".join(shown.split())
    if suggestion.kind == "figure":
        reading = {
            "exact": lambda: _plain(suggestion.value), "approximate": lambda: f"about {_plain(suggestion.value)}",
            "more_than": lambda: f"> {_plain(suggestion.lower)}", "at_least": lambda: f"≥ {_plain(suggestion.lower)}",
            "less_than": lambda: f"< {_plain(suggestion.upper)}", "at_most": lambda: f"≤ {_plain(suggestion.upper)}",
            "range": lambda: f"{_plain(suggestion.lower)}–{_plain(suggestion.upper)}",
        }[suggestion.qualifier]()
        extras = [f"unit {suggestion.unit}" if suggestion.unit else "",
                  f"metric {suggestion.metric}" if suggestion.metric else "",
                  f"subject {suggestion.subject}" if suggestion.subject else ""]
        return f"figure  {where:>13}  “{shown}”  {reading}  " + "  ".join(extra for extra in extras if extra)
    speaker = f"  speaker {suggestion.speaker}" if suggestion.speaker else ""
    return f"quote   {where:>13}  “{shown}”{speaker}"
