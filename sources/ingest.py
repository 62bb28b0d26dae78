"""Text in, as curators get it: pasted, or uploaded as .txt, .html or .pdf.

    ingest_text(pasted)                      -> Ingested (the text as given)
    ingest_file(data, name)                  -> Ingested (.txt, .html/.htm, .pdf by the file's name)
    ingest_path(path)                        -> Ingested (a file on disk, size checked before it is read)
    repeated_paragraphs(text)                -> the paragraphs that repeat an earlier one

The text is kept exactly as extracted (no normalising of spaces, quotes or line breaks), so that
offsets into it stay valid. Input is bounded before it is parsed (INGEST_MAX_BYTES, a setting,
10 MB by default; INGEST_MAX_PDF_PAGES, 2,000), and anything that cannot be read gives an
IngestError whose message says why: an encrypted or broken PDF, a PDF without a text layer,
HTML that is not HTML, text that is not UTF-8.

trafilatura extracts an HTML page's main text (no menus, footers or comments) with its title,
author and date; pypdf reads a PDF's text layer and its document information. Both are imported
when first needed, so extraction can use repeated_paragraphs without loading them.
"""

import io
import logging
import os
from dataclasses import dataclass, field
from datetime import date

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PDF_PAGES = 2000
# A paragraph shorter than this ("Death toll", "* * *") may repeat without being a copy.
MIN_REPEATED_PARAGRAPH = 40
KINDS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}


class IngestError(ValueError):
    pass


@dataclass(frozen=True)
class Repeat:
    """A paragraph at start..end that repeats, character for character, the one at first_start."""

    start: int
    end: int
    first_start: int


@dataclass(frozen=True)
class Ingested:
    text: str
    kind: str  # "text", "html" or "pdf"
    title: str = ""
    author: str = ""
    published_on: date | None = None
    published_precision: str = "unknown"  # day, month, year or unknown, as Source.published_precision
    language: str = ""
    pages: int | None = None
    repeats: tuple[Repeat, ...] = field(default=())

    @property
    def repeated_characters(self) -> int:
        return sum(repeat.end - repeat.start for repeat in self.repeats)


def max_bytes() -> int:
    return _setting("INGEST_MAX_BYTES", DEFAULT_MAX_BYTES)


def _setting(name: str, default: int) -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, name, default))
    except ImportError:  # used without Django (benchmarks)
        return default
    except Exception:  # noqa: BLE001 - settings not configured: the documented default applies
        return default


def repeated_paragraphs(text: str) -> list[Repeat]:
    """Paragraphs (lines) that repeat an earlier one exactly, in one pass over the text."""
    seen: dict[str, int] = {}
    repeats = []
    position = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        start = position + (len(line) - len(line.lstrip()))
        position += len(line)
        if len(body) < MIN_REPEATED_PARAGRAPH:
            continue
        first = seen.setdefault(body, start)
        if first != start:
            repeats.append(Repeat(start, start + len(body), first))
    return repeats


def ingest_text(text: str) -> Ingested:
    """A pasted text, kept as given."""
    if len(text.encode("utf-8", errors="surrogatepass")) > max_bytes():
        raise IngestError(f"the text is longer than {_megabytes(max_bytes())}; split it or raise INGEST_MAX_BYTES")
    if "\x00" in text:
        raise IngestError("the text holds NUL characters: it is binary data, not text")
    if not text.strip():
        raise IngestError("the text is empty")
    return Ingested(text, "text", repeats=tuple(repeated_paragraphs(text)))


def ingest_path(path: str | os.PathLike) -> Ingested:
    """A file on disk: its size is checked before a byte of it is read."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes():
            raise IngestError(f"{os.fspath(path)} is {_megabytes(size)}; at most {_megabytes(max_bytes())} are read")
        with open(path, "rb") as stream:
            return ingest_file(stream, os.fspath(path))
    except OSError as error:
        raise IngestError(f"cannot read {os.fspath(path)}: {error.strerror or error}") from None


def ingest_file(data: bytes | io.BufferedIOBase, name: str, *, encoding: str | None = None) -> Ingested:
    """An uploaded file, read by its extension: .txt, .html/.htm or .pdf."""
    extension = os.path.splitext(name.lower())[1]
    kind = KINDS.get(extension)
    if kind is None:
        raise IngestError(f"{os.path.basename(name)}: factbase reads .txt, .html and .pdf files, not "
                          f"“{extension or 'no extension'}”")
    content = _read_bounded(data, name)
    if not content:
        raise IngestError(f"{os.path.basename(name)} is empty")
    if kind == "pdf":
        return ingest_pdf(content, name)
    if kind == "html":
        return ingest_html(content, name)
    return _ingest_plain(content, name, encoding)


def _read_bounded(data, name: str) -> bytes:
    limit = max_bytes()
    content = data if isinstance(data, bytes | bytearray) else data.read(limit + 1)
    if len(content) > limit:
        raise IngestError(f"{os.path.basename(name)} is larger than {_megabytes(limit)}; at most "
                          f"{_megabytes(limit)} are read")
    return bytes(content)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


_SIGNATURES = [(b"%PDF", "a PDF"), (b"PK\x03\x04", "a zip archive (a Word or spreadsheet file?)"),
               (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
               (b"\xd0\xcf\x11\xe0", "an old Office document")]


def _looks_like(content: bytes) -> str | None:
    head = content[:8]
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return what
    return None


def _ingest_plain(content: bytes, name: str, encoding: str | None) -> Ingested:
    if what := _looks_like(content):
        raise IngestError(f"{os.path.basename(name)} is {what}, not a text file")
    try:
        text = content.decode(encoding or "utf-8-sig")
    except LookupError:
        raise IngestError(f"“{encoding}” is not a text encoding Python knows (try utf-8, cp1251, latin-1)") from None
    except UnicodeDecodeError as error:
        raise IngestError(f"{os.path.basename(name)} is not {encoding or 'UTF-8'} text (byte {error.start} cannot "
                          "be read); save it as UTF-8 or name its encoding") from None
    if "\x00" in text:
        raise IngestError(f"{os.path.basename(name)} holds NUL characters: it is binary data, not text")
    if not text.strip():
        raise IngestError(f"{os.path.basename(name)} holds no text")
    return Ingested(text, "text", repeats=tuple(repeated_paragraphs(text)))


def ingest_html(content: bytes, name: str = "page.html") -> Ingested:
    """The main text of an HTML page, with its title, author and date where the page gives them."""
    shown = os.path.basename(name)
    if what := _looks_like(content):
        raise IngestError(f"{shown} is {what}, not HTML")
    head = content[:4096].lower()
    if b"<" not in head or not any(tag in content[:200_000].lower() for tag in (b"<html", b"<body", b"<p", b"<div",
                                                                                   b"<article", b"<!doctype html")):
        raise IngestError(f"{shown} is not HTML: no <html>, <body>, <p> or <div> in it")
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            content, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
            include_links=False, deduplicate=False,
        )
    except Exception as error:  # noqa: BLE001 - a third-party parser on hostile input: say why, never a traceback
        raise IngestError(f"{shown} cannot be read as HTML ({type(error).__name__})") from None
    text = (document.text if document is not None else "") or ""
    if not text.strip():
        raise IngestError(f"{shown} has no main text that factbase can find (is it a page of links or a script?)")
    published, precision = _date(getattr(document, "date", None))
    return Ingested(
        text, "html", title=(document.title or "").strip(), author=(document.author or "").strip(),
        published_on=published, published_precision=precision, language=(document.language or "") or "",
        repeats=tuple(repeated_paragraphs(text)),
    )


def _date(text: str | None) -> tuple[date | None, str]:
    if not text:
        return None, "unknown"
    try:
        return date.fromisoformat(text[:10]), "day"
    except ValueError:
        return None, "unknown"


def _pdf_pages(content: bytes, shown: str):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            # An owner password alone still opens with an empty user password; anything else is refused.
            try:
                if not reader.decrypt(""):
                    raise IngestError(f"{shown} is encrypted (password-protected); save an unprotected copy")
            except (FileNotDecryptedError, NotImplementedError, DependencyError):
                raise IngestError(f"{shown} is encrypted (password-protected); save an unprotected copy") from None
        pages = len(reader.pages)
        limit = _setting("INGEST_MAX_PDF_PAGES", DEFAULT_MAX_PDF_PAGES)
        if pages > limit:
            raise IngestError(f"{shown} has {pages:,} pages; at most {limit:,} are read")
        texts = []
        total = 0
        for page in reader.pages:
            page_text = page.extract_text() or ""
            total += len(page_text)
            if total > max_bytes():
                raise IngestError(f"{shown} holds more than {_megabytes(max_bytes())} of text")
            texts.append(page_text)
        return texts, pages, reader.metadata
    except IngestError:
        raise
    except (PdfReadError, FileNotDecryptedError) as error:
        raise IngestError(f"{shown} is a broken PDF that cannot be read ({error})") from None
    except Exception as error:  # noqa: BLE001 - a third-party parser on hostile input: say why, never a traceback
        raise IngestError(f"{shown} is a broken PDF that cannot be read ({type(error).__name__})") from None


def ingest_pdf(content: bytes, name: str = "document.pdf") -> Ingested:
    """A PDF's text layer, page after page, with its title and author from the document information."""
    shown = os.path.basename(name)
    if not content.startswith(b"%PDF"):
        what = _looks_like(content)
        raise IngestError(f"{shown} is not a PDF" + (f" (it is {what})" if what else " (no %PDF header)"))
    # pypdf logs what it repairs ("EOF marker not found"); the curator gets one message, ours.
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        texts, pages, information = _pdf_pages(content, shown)
    finally:
        pypdf_log.setLevel(level)
    text = "\n\n".join(texts)
    if not text.strip():
        raise IngestError(f"{shown} has no text layer (a scan?); run OCR on it first")
    title = author = ""
    published, precision = None, "unknown"
    if information is not None:
        title = str(information.title or "").strip()
        author = str(information.author or "").strip()
        try:
            created = information.creation_date
        except Exception:  # noqa: BLE001 - a malformed date in the document information is just absent
            created = None
        if created is not None:
            published, precision = created.date(), "day"
    return Ingested(text, "pdf", title=title, author=author, published_on=published, published_precision=precision,
                    pages=pages, repeats=tuple(repeated_paragraphs(text)))
