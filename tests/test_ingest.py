"""Sources in as curators get them: pasted text, .txt, .html (main text and metadata) and .pdf (text layer),
kept exactly as extracted, repeated paragraphs flagged, and everything unreadable refused with a reason.

No database; the size limit is a setting (INGEST_MAX_BYTES), overridden here with pytest-django's settings.
"""

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from sources.ingest import IngestError, ingest_file, ingest_path, ingest_text, repeated_paragraphs

SEED_TEXTS = Path(__file__).resolve().parent.parent / "fixtures" / "seed" / "texts"

PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Zhanaozen, ten years on | The Steppe Times</title>
<meta name="author" content="Aigerim Sadykova">
<meta property="article:published_time" content="2021-12-16T09:00:00+06:00">
</head><body>
<nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/subscribe">Subscribe for 1 dollar</a></nav>
<div class="cookie-banner">We use 3 cookies. Accept all?</div>
<article>
<h1>Zhanaozen, ten years on</h1>
<p>On 16 December 2011 police opened fire on striking oil workers in Zhanaozen. Officials said 16 people died;
activists counted more than 70 dead.</p>
<p>\xe2\x80\x9cWe will restore order,\xe2\x80\x9d the president said. The strike had lasted for months, and thousands of
workers had been dismissed.</p>
<p>Ten years later, the government has paid compensation to some 40 families.</p>
</article>
<aside>Most read: 10 things to do in Almaty this weekend</aside>
<footer>\xc2\xa9 2021 The Steppe Times. All rights reserved. Call 8 800 555 35 35.</footer>
</body></html>
"""


def tiny_pdf(lines: list[str], *, title: str = "", author: str = "") -> bytes:
    """A one-page PDF with a text layer, written by hand: no tool, nothing to install."""

    def escape(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({escape(title)}) /Author ({escape(author)}) >>",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(pdf)


STATEMENT = ["Officials said 16 people died.", "Activists counted more than 70 dead."]


def refusal(*args, **options):
    with pytest.raises(IngestError) as caught:
        ingest_file(*args, **options)
    return str(caught.value)


# HTML ------------------------------------------------------------------------------------------------------------

def test_an_html_page_gives_its_main_text_without_menus_banners_or_footers():
    text = ingest_file(PAGE, "page.html").text
    assert "more than 70 dead" in text and "Subscribe" not in text and "cookies" not in text and "Most read" not in text


def test_an_html_page_gives_its_title_author_and_date():
    page = ingest_file(PAGE, "page.html")
    assert (page.title, page.author, page.published_on, page.published_precision) == (
        "Zhanaozen, ten years on", "Aigerim Sadykova", date(2021, 12, 16), "day")


def test_a_pdf_renamed_html_is_refused():
    assert refusal(tiny_pdf(STATEMENT), "page.html") == "page.html is a PDF, not HTML"


def test_plain_text_named_html_is_refused():
    assert refusal(b"Officials said 16 people died.", "page.html") == (
        "page.html is not HTML: no <html>, <body>, <p> or <div> in it")


# PDF -------------------------------------------------------------------------------------------------------------

def test_a_pdf_gives_its_text_layer_and_document_information():
    document = ingest_file(tiny_pdf(STATEMENT, title="Zhanaozen report", author="A. Author"), "report.pdf")
    assert (document.text, document.title, document.author, document.pages) == (
        "Officials said 16 people died.\nActivists counted more than 70 dead.\n", "Zhanaozen report", "A. Author", 1)


def test_a_password_protected_pdf_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(tiny_pdf(STATEMENT))))
    writer.encrypt("secret", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    assert refusal(locked.getvalue(), "locked.pdf") == (
        "locked.pdf is encrypted (password-protected); save an unprotected copy")


def test_a_pdf_with_only_an_owner_password_opens():
    # Its permissions are restricted but anyone may read it: the empty user password opens it.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(tiny_pdf(STATEMENT))))
    writer.encrypt("", owner_password="owner", algorithm="RC4-128")
    restricted = io.BytesIO()
    writer.write(restricted)
    assert "more than 70 dead" in ingest_file(restricted.getvalue(), "restricted.pdf").text


def test_a_truncated_pdf_is_refused_as_broken():
    assert refusal(tiny_pdf(STATEMENT)[:200], "broken.pdf").startswith("broken.pdf is a broken PDF that cannot be read")


def test_a_pdf_without_a_text_layer_is_refused():
    assert refusal(tiny_pdf([]), "scan.pdf") == "scan.pdf has no text layer (a scan?); run OCR on it first"


def test_a_zip_named_pdf_is_refused():
    assert refusal(b"PK\x03\x04" + b"\x00" * 100, "report.pdf") == (
        "report.pdf is not a PDF (it is a zip archive (a Word or spreadsheet file?))")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_pdf_made_by_libreoffice_gives_its_text(tmp_path):
    (tmp_path / "statement.csv").write_text('"Officials said 16 people died; activists counted more than 70 dead."\n')
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "statement.csv")], check=True, capture_output=True,
                   timeout=120)
    assert "activists counted more than 70 dead." in ingest_path(tmp_path / "statement.pdf").text


# Text ------------------------------------------------------------------------------------------------------------

def test_a_text_file_is_kept_exactly_as_given():
    text = "Line one,\r\n\u00a0two spaces  and a tab\t.\n"
    assert ingest_file(text.encode("utf-8"), "notes.txt").text == text


def test_a_byte_order_mark_is_not_part_of_the_text():
    assert ingest_file("\ufeff16 people died.".encode(), "notes.txt").text == "16 people died."


def test_text_that_is_not_utf8_is_refused_naming_the_encoding():
    assert refusal("Жанаозен".encode("cp1251"), "notes.txt").startswith("notes.txt is not UTF-8 text (byte 0")


def test_text_in_a_named_encoding_is_read():
    assert ingest_file("Жанаозен".encode("cp1251"), "notes.txt", encoding="cp1251").text == "Жанаозен"


def test_an_unknown_extension_is_refused():
    assert refusal(b"hello", "report.docx") == "report.docx: factbase reads .txt, .html and .pdf files, not “.docx”"


def test_an_empty_file_is_refused():
    assert refusal(b"", "notes.txt") == "notes.txt is empty"


def test_a_pasted_text_with_nul_characters_is_refused():
    with pytest.raises(IngestError, match="NUL characters"):
        ingest_text("16 people\x00 died")


# Bounded before read ----------------------------------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings, tmp_path):
    settings.INGEST_MAX_BYTES = 1000
    path = tmp_path / "big.txt"
    path.write_bytes(b"1 " * 1000)
    with pytest.raises(IngestError, match="big.txt is 2,000 bytes; at most 1,000 bytes are read"):
        ingest_path(path)


def test_an_upload_over_the_size_limit_is_refused_reading_one_byte_past_it(settings):
    settings.INGEST_MAX_BYTES = 1000
    stream = io.BytesIO(b"1 " * 10_000_000)
    assert refusal(stream, "big.txt") == "big.txt is larger than 1,000 bytes; at most 1,000 bytes are read"
    assert stream.tell() == 1001, "the upload is read no further than the limit"


# Repeated paragraphs ----------------------------------------------------------------------------------------------

def test_the_seed_text_that_repeats_half_of_itself_is_flagged():
    source = ingest_path(SEED_TEXTS / "tokayev-welfare-address-commentary.txt")
    # The second half (from the second "The president singled out…") repeats the first, paragraph by paragraph.
    assert len(source.repeats) == 8 and source.repeated_characters > len(source.text) * 0.45


def test_a_repeat_points_at_the_paragraph_it_copies():
    text = "A paragraph long enough to count as one, about Zhanaozen.\nShort.\n" * 2
    [repeat] = repeated_paragraphs(text)
    assert text[repeat.start:repeat.end] == text[repeat.first_start:repeat.first_start + (repeat.end - repeat.start)]


def test_short_lines_such_as_headings_may_repeat_without_a_flag():
    assert repeated_paragraphs("Death toll\nSixteen.\nDeath toll\nSeventy.\n") == []
