"""Citations of a published source: CSL-JSON (Zotero, Mendeley, pandoc, citeproc) and BibTeX, and a line to read.

The date keeps the source's precision: a source known to the year is issued `[[2018]]` in CSL and has no month in
BibTeX. Authors are the names the source gives (the `authors` text, split at commas, semicolons and "and"), as
literal names: we do not guess which part of a name is the family name. The outlet is the publisher.
"""

import json
import re
import unicodedata

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from sources.models import Outlet, Source

CSL_TYPES = {
    Source.Kind.STATEMENT: "document", Source.Kind.SPEECH: "speech", Source.Kind.REPORT: "report",
    Source.Kind.DATASET: "dataset", Source.Kind.INTERVIEW: "interview", Source.Kind.OTHER: "document",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:;|,|&|\band\b)\s*")


def author_names(source: Source) -> list[str]:
    return [name for name in _AUTHOR_SEPARATORS.split(" ".join(source.authors.split())) if name]


def date_parts(source: Source) -> list[int]:
    """The publication date at its precision: [2018], [2022, 1] or [2018, 6, 27]; [] when unknown."""
    day, precision = source.published_on, source.published_precision
    if day is None or precision == Source.DatePrecision.UNKNOWN:
        return []
    return {"year": [day.year], "month": [day.year, day.month]}.get(precision, [day.year, day.month, day.day])


def iso_date(source: Source) -> str:
    """The publication date in ISO 8601 at its precision: 2018, 2022-01, 2018-06-27; empty when unknown."""
    parts = date_parts(source)
    return "-".join([f"{parts[0]:04d}", *(f"{part:02d}" for part in parts[1:])]) if parts else ""


def csl_type(source: Source) -> str:
    if source.kind == Source.Kind.ARTICLE:
        newspaper = source.outlet is not None and source.outlet.kind == Outlet.Kind.NEWSPAPER
        return "article-newspaper" if newspaper else "article"
    return CSL_TYPES.get(source.kind, "document")


def csl_item(source: Source) -> dict:
    item = {"id": source.slug, "type": csl_type(source), "title": source.title}
    if names := author_names(source):
        item["author"] = [{"literal": name} for name in names]
    if parts := date_parts(source):
        item["issued"] = {"date-parts": [parts]}
    if source.outlet is not None:
        item["publisher"] = source.outlet.name
        if item["type"] == "article-newspaper":
            item["container-title"] = source.outlet.name
    if source.url:
        item["URL"] = source.url
    if source.archived_url:
        item["note"] = f"Archived at {source.archived_url}"
    item["language"] = source.language
    return item


# BibTeX -----------------------------------------------------------------------------------------------------

# Characters TeX reads as commands, and the braces BibTeX counts (it ignores backslashes when it matches braces,
# so "\{" would unbalance an entry: braces are written as text commands instead).
_TEX_SPECIALS = {
    "\\": r"{\textbackslash}", "{": r"{\textbraceleft}", "}": r"{\textbraceright}", "%": r"\%", "&": r"\&",
    "$": r"\$", "#": r"\#", "_": r"\_", "^": r"{\textasciicircum}", "~": r"{\textasciitilde}",
}
_ACCENTS = {  # combining mark → the LaTeX accent that makes it
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u", "\u0307": ".",
    "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d", "\u0327": "c", "\u0328": "k",
    "\u0331": "b",
}
_BELOW = {"d", "c", "k", "b"}
_LETTERS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "ø": r"{\o}", "Ø": r"{\O}",
    "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "–": "--", "—": "---", "“": "``", "”": "''", "‘": "`", "’": "'",
    "…": r"{\ldots}", "\u00a0": "~",
}


def _latin_letter(character: str) -> str | None:
    """A Latin letter with accents as LaTeX (é → {\\'{e}}, Ž → {\\v{Z}}); None for any other character."""
    base, *marks = unicodedata.normalize("NFD", character)
    if not (base.isascii() and base.isalpha()) or not marks or any(mark not in _ACCENTS for mark in marks):
        return None
    text = r"\i" if base == "i" and any(_ACCENTS[mark] not in _BELOW for mark in marks) else base
    for mark in marks:
        text = f"\\{_ACCENTS[mark]}{{{text}}}"
    return "{" + text + "}"


def bibtex_text(text: str) -> str:
    """Text as a BibTeX field value: TeX's special characters escaped, braces balanced, Latin accents as LaTeX
    commands; other scripts (Cyrillic, Kazakh…) stay UTF-8, which biber and LaTeX read."""
    out = []
    for character in " ".join(text.split()):
        if character in _TEX_SPECIALS:
            out.append(_TEX_SPECIALS[character])
        elif character.isascii():
            out.append(character)
        elif character in _LETTERS:
            out.append(_LETTERS[character])
        else:
            out.append(_latin_letter(character) or character)
    return "".join(out)


def bibtex_url(url: str) -> str:
    """A URL as a BibTeX value: the few characters that would unbalance it percent-encoded (the same address)."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex_entry(source: Source) -> str:
    outlet = source.outlet.name if source.outlet is not None else ""
    if source.kind == Source.Kind.ARTICLE and outlet:
        entry_type, fields = "article", [("journal", bibtex_text(outlet))]
    elif source.kind == Source.Kind.REPORT and outlet:
        entry_type, fields = "techreport", [("institution", bibtex_text(outlet))]
    else:
        entry_type, fields = "misc", [("howpublished", bibtex_text(outlet))] if outlet else []
    if names := author_names(source):
        fields.insert(0, ("author", " and ".join(bibtex_text(name) for name in names)))
    # Double braces keep the title's capitals as written (Kazakhstan, CPRF) in styles that lower-case titles.
    fields.insert(1 if names else 0, ("title", "{" + bibtex_text(source.title) + "}"))
    if parts := date_parts(source):
        fields.append(("year", str(parts[0])))
        if len(parts) > 1:
            fields.append(("month", MONTHS[parts[1] - 1]))
        fields.append(("date", iso_date(source)))
    if source.url:
        fields.append(("url", bibtex_url(source.url)))
    if source.archived_url:
        fields.append(("note", "Archived at " + bibtex_text(source.archived_url)))
    lines = [f"@{entry_type}{{{source.slug},"]
    for name, value in fields:
        lines.append(f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def citation_text(source: Source) -> str:
    """One line to read: authors (date). Title. Outlet. URL."""
    who = ", ".join(author_names(source)) or (source.outlet.name if source.outlet is not None else "")
    when = source.published_display if source.published_on else "n.d."
    parts = [f"{who} ({when})." if who else f"({when}).", f"{source.title.rstrip('.')}."]
    if source.outlet is not None and who != source.outlet.name:
        parts.append(f"{source.outlet.name}.")
    if source.url:
        parts.append(source.url)
    return " ".join(parts)


def _public_source(slug: str) -> Source:
    return get_object_or_404(Source.objects.public().select_related("outlet").defer("text", "search_vector"),
                             slug=slug)


@require_safe
def cite_csl_json(request, slug: str):
    source = _public_source(slug)
    response = HttpResponse(json.dumps([csl_item(source)], ensure_ascii=False, indent=2) + "\n",
                            content_type="application/vnd.citationstyles.csl+json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{source.slug}.json"'
    return response


@require_safe
def cite_bibtex(request, slug: str):
    source = _public_source(slug)
    response = HttpResponse(bibtex_entry(source), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{source.slug}.bib"'
    return response
