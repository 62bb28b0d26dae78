"""A reader sees names, not codes, and takes away the rows in the order the page shows them."""

import csv
import io
from decimal import Decimal


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_a_figure_download_comes_out_in_the_sort_on_screen(client, make_figure):
    for text in ("70", "16", "40"):
        make_figure(value_text=text)
    by_value = _csv(client.get("/figures/?sort=-value&format=csv"))
    assert [row["value_text"] for row in by_value] == ["70", "40", "16"]
    by_value = _csv(client.get("/figures/?sort=value&format=csv"))
    assert [row["value_text"] for row in by_value] == ["16", "40", "70"]


def test_claim_and_source_downloads_follow_the_sort_too(client, make_claim, make_source, make_entity):
    make_claim(speaker=make_entity("Zed"), source=make_source(title="Alpha"))
    make_claim(speaker=make_entity("Abe"), source=make_source(title="Beta"))
    by_speaker = [row["speaker"] for row in _csv(client.get("/claims/?sort=speaker&format=csv"))]
    in_added_order = [row["speaker"] for row in _csv(client.get("/claims/?sort=added&format=csv"))]
    assert by_speaker == list(reversed(in_added_order))  # Abe was added last and sorts first
    titles = [row["title"] for row in _csv(client.get("/sources/?sort=title&format=csv"))]
    assert titles == sorted(titles)


def test_the_language_facet_names_the_language(client, make_source):
    make_source(language="ru")
    make_source(language="en")
    page = client.get("/sources/").content.decode()
    assert ">Russian</a>" in page and ">English</a>" in page and ">ru</a>" not in page
    page = client.get("/sources/?language=ru").content.decode()
    assert "Language: Russian" in page


def test_the_filters_in_force_are_named_as_a_reader_knows_them(client, make_figure, make_source):
    source = make_source(slug="activist-account", title="Activists’ account")
    make_figure(source=source, status="disputed", verdict="disputed")
    page = client.get("/figures/?source=activist-account&status=disputed").content.decode()
    assert "Source: Activists’ account" in page and "Status: Disputed" in page


def test_the_compare_subject_box_shows_the_subjects_name(client, make_figure, make_entity, make_source):
    zhanaozen = make_entity("Zhanaozen massacre 2011", slug="zhanaozen-2011")
    make_figure(subject=zhanaozen, value_text="16", value=Decimal(16))
    make_figure(subject=zhanaozen, value_text="more than 70", value=None, lower=Decimal(70), qualifier="more_than")
    page = client.get("/compare/?subject=zhanaozen-2011").content.decode()
    assert 'value="Zhanaozen massacre 2011"' in page and 'value="zhanaozen-2011"' not in page


def test_a_definition_reads_as_words_not_as_a_code(client, make_figure):
    make_figure(dimensions="welfare=consumption; area=urban")
    page = client.get("/figures/").content.decode()
    assert "area: urban; welfare: consumption" in page and ">area=urban; welfare=consumption<" not in page
    page = client.get("/figures/?dimension=welfare%3Dconsumption").content.decode()
    assert "Definition: welfare: consumption" in page
