"""Every public source can be cited: CSL-JSON (/sources/<slug>/cite.json) for Zotero, Mendeley, pandoc and
citeproc, BibTeX (/sources/<slug>/cite.bib) for LaTeX, and a "Cite this" block on its page.

Dates keep the source's precision, and BibTeX values survive any title: braces balanced as BibTeX counts them
(it ignores backslashes, so "\\{" would unbalance an entry), TeX's special characters escaped, Latin accents as
LaTeX commands.
"""

import json
import re
from datetime import date

import pytest

from api.citations import bibtex_entry, bibtex_text
from sources.models import Outlet, Source


def csl(client, source) -> dict:
    response = client.get(f"/sources/{source.slug}/cite.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    [item] = json.loads(response.content)
    return item


def bibtex(client, source) -> str:
    response = client.get(f"/sources/{source.slug}/cite.bib")
    assert response.status_code == 200 and response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    return response.content.decode("utf-8")


def balanced_as_bibtex_counts(text: str) -> bool:
    """BibTeX matches every { with a } and ignores backslashes while doing it."""
    depth = 0
    for character in text:
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


def fields(entry: str) -> dict[str, str]:
    """The fields of one entry as written (braced values and bare macros), read the way BibTeX reads them."""
    found, position = {}, entry.index(",") + 1
    while match := re.compile(r"\s*(\w+)\s*=\s*").match(entry, position):
        name, position = match.group(1), match.end()
        if entry[position] == "{":
            depth, start = 0, position
            while True:
                depth += {"{": 1, "}": -1}.get(entry[position], 0)
                position += 1
                if depth == 0:
                    break
            found[name] = entry[start + 1: position - 1]
        else:
            value = re.compile(r"\w+").match(entry, position)
            found[name], position = value.group(0), value.end()
        position = entry.index(",", position) + 1 if entry.find(",", position) != -1 else len(entry)
    return found


@pytest.mark.parametrize(("published_on", "precision", "parts", "iso"), [
    (date(2018, 1, 1), "year", [2018], "2018"),
    (date(2022, 1, 1), "month", [2022, 1], "2022-01"),
    (date(2018, 6, 27), "day", [2018, 6, 27], "2018-06-27"),
    (None, "unknown", None, None),
])
def test_the_date_keeps_the_sources_precision(client, make_source, published_on, precision, parts, iso):
    source = make_source(published_on=published_on, published_precision=precision)
    item = csl(client, source)
    if parts is None:
        assert "issued" not in item  # an unknown date is left out, never made up
    else:
        assert item["issued"] == {"date-parts": [parts]}  # a year-only date is [[2018]]
    entry = fields(bibtex(client, source))
    assert entry.get("year") == (str(parts[0]) if parts else None)
    assert entry.get("month") == ({1: "jan", 6: "jun"}[parts[1]] if parts and len(parts) > 1 else None)
    assert entry.get("date") == iso


def test_csl_json_names_type_authors_publisher_address_and_language(client, make_source):
    newspaper = Outlet.objects.create(slug="gazette", name="Steppe Gazette", kind=Outlet.Kind.NEWSPAPER)
    source = make_source(slug="zhanaozen-report", title="What happened in Zhanaozen", outlet=newspaper,
                         authors="Aigul Sadykova, Marat Bekov", url="https://example.org/zh",
                         archived_url="https://web.archive.org/x", language="ru")
    assert csl(client, source) == {
        "id": "zhanaozen-report", "type": "article-newspaper", "title": "What happened in Zhanaozen",
        "author": [{"literal": "Aigul Sadykova"}, {"literal": "Marat Bekov"}],
        "publisher": "Steppe Gazette", "container-title": "Steppe Gazette", "URL": "https://example.org/zh",
        "note": "Archived at https://web.archive.org/x", "language": "ru",
    }


@pytest.mark.parametrize(("kind", "outlet", "csl_type", "bibtex_type", "venue"), [
    (Source.Kind.ARTICLE, True, "article", "article", "journal"),
    (Source.Kind.ARTICLE, False, "article", "misc", None),
    (Source.Kind.REPORT, True, "report", "techreport", "institution"),
    (Source.Kind.STATEMENT, True, "document", "misc", "howpublished"),
    (Source.Kind.SPEECH, False, "speech", "misc", None),
    (Source.Kind.DATASET, True, "dataset", "misc", "howpublished"),
])
def test_each_kind_of_source_is_cited_as_its_kind(client, make_source, kind, outlet, csl_type, bibtex_type, venue):
    party = Outlet.objects.create(slug="cprf", name="CPRF", kind=Outlet.Kind.PARTY) if outlet else None
    source = make_source(kind=kind, outlet=party)
    assert csl(client, source)["type"] == csl_type
    entry = bibtex(client, source)
    assert entry.startswith(f"@{bibtex_type}{{{source.slug},")
    if venue:
        assert fields(entry)[venue] == "CPRF"


@pytest.mark.parametrize(("title", "written"), [
    ("Profits & {losses}", r"Profits \& {\textbraceleft}losses{\textbraceright}"),
    ("100% of 5$ #1 under_score", r"100\% of 5\$ \#1 under\_score"),
    (r"a \textbf{b} ~ c^2", r"a {\textbackslash}textbf{\textbraceleft}b{\textbraceright} {\textasciitilde} "
                            r"c{\textasciicircum}2"),
    ("Žanaözen: “more than 70” — 2011", r"{\v{Z}}ana{\"{o}}zen: ``more than 70'' --- 2011"),
    ("Straße, Łódź, naïve, Ørsted", r"Stra{\ss}e, {\L}{\'{o}}d{\'{z}}, na{\"{\i}}ve, {\O}rsted"),
    ("Жаңаөзен оқиғасы", "Жаңаөзен оқиғасы"),  # no LaTeX command spells Kazakh: UTF-8, which biber reads
    ("Unbalanced } and { and \\{", r"Unbalanced {\textbraceright} and {\textbraceleft} and "
                                   r"{\textbackslash}{\textbraceleft}"),
])
def test_bibtex_escapes_any_title(make_source, title, written):
    assert bibtex_text(title) == written
    entry = bibtex_entry(make_source(title=title))
    assert balanced_as_bibtex_counts(entry), entry
    assert fields(entry)["title"] == "{" + written + "}"  # double braces keep the title's capitals


def test_every_field_of_a_hostile_source_stays_balanced_and_parses(client, make_source):
    outlet = Outlet.objects.create(slug="odd", name="Odd {Press} & Co. 100%")
    source = make_source(title="}{ %% \\ {", authors="A. {Brace} & B. \\Slash", outlet=outlet, kind="report",
                         url="https://example.org/a{b}?q=1%202&x=\\y", published_on=date(2020, 5, 1),
                         published_precision="month")
    entry = bibtex(client, source)
    assert balanced_as_bibtex_counts(entry), entry
    parsed = fields(entry)
    assert set(parsed) == {"author", "title", "institution", "year", "month", "date", "url"}
    assert parsed["url"] == "https://example.org/a%7Bb%7D?q=1%202&x=%5Cy"  # the same address, percent-encoded
    assert parsed["author"] == r"A. {\textbraceleft}Brace{\textbraceright} and B. {\textbackslash}Slash"


def test_the_source_page_has_a_cite_this_block(client, make_source):
    source = make_source(slug="cprf-2022", title="The Voice of the Working People", authors="Gennady Zyuganov",
                         outlet=Outlet.objects.create(slug="cprf", name="CPRF"), published_on=date(2022, 1, 1),
                         published_precision="month")
    page = client.get(source.get_absolute_url()).content.decode()
    assert "Cite this source" in page
    assert "Gennady Zyuganov (January 2022). The Voice of the Working People. CPRF." in page
    assert 'href="/sources/cprf-2022/cite.bib"' in page and 'href="/sources/cprf-2022/cite.json"' in page
    assert "@article{cprf-2022," in page and "journal = {CPRF}" in page


def test_a_source_that_is_not_public_cannot_be_cited(client, make_source):
    for status in (Source.Status.DRAFT, Source.Status.WITHDRAWN):
        source = make_source(status=status)
        for suffix in ("cite.json", "cite.bib"):
            assert client.get(f"/sources/{source.slug}/{suffix}").status_code == 404


def test_a_citation_is_read_only(client, make_source):
    source = make_source()
    assert client.post(f"/sources/{source.slug}/cite.bib").status_code == 405
