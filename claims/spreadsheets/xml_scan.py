"""XML scanned a chunk at a time with regular expressions: what the XLSX and ODS readers share.

The patterns here and in the readers are linear by construction: every repeat is possessive or
stops at a character it cannot cross (`[^<]`, `[^<>]`), so no input makes them backtrack.
"""

import re

from .archive import Archive
from .limits import FileProblem, Limits, human_bytes

# A tag (closing?, name, attributes, self-closing?) or a run of text.
TAG = re.compile(rb"<(/?)([^\s/>]*)([^<>]*?)(/?)>|([^<]+)")
ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]{1,6});|#([0-9]{1,7});|(lt|gt|amp|quot|apos);)?")
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def entity(match) -> str:
    hexadecimal, decimal, named = match.groups()
    if named:
        return NAMED[named]
    if hexadecimal is None and decimal is None:
        raise ValueError("the cell's XML has a stray “&”")
    code = int(hexadecimal, 16) if hexadecimal is not None else int(decimal)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        raise ValueError(f"the cell's XML refers to a character that XML does not allow ({match.group()})")
    return chr(code)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _joined(text: str) -> str:
    """Excel writes a character beyond U+FFFF as two escapes (_xD83D__xDE00_): join each pair."""
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise ValueError("the cell's text holds half of a character (an unpaired _xD800_ … _xDFFF_ escape)") from None


def xml_text(raw: bytes) -> str:
    """Text as stored in XML → as typed: line ends normalised, entities and Excel's _xHHHH_ undone."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = ENTITY.sub(entity, text)
    if "_x" in text:
        text = OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
        if _SURROGATE.search(text):
            text = _joined(text)
    return text


class Scanner:
    """A part's XML as blocks of whole elements, cut at a given tag, each block bounded in size."""

    def __init__(self, archive: Archive, part: str, limits: Limits, root: bytes):
        self.archive, self.part, self.limits = archive, part, limits
        self.source = archive.chunks(part)
        head = b""
        for chunk in self.source:
            head += chunk
            found = re.search(rb"<([A-Za-z_][\w.-]*:)?%s(?=[\s/>])" % root, head)
            if found:
                break
            if len(head) > limits.row_bytes:
                raise archive.unreadable(f" ({part} has no <{root.decode()}>)")
        else:
            raise archive.unreadable(f" ({part} has no <{root.decode()}>)")
        if b"<!DOCTYPE" in head[:found.start()] or b"<!ENTITY" in head:
            raise FileProblem(f"{archive.name}: {part} declares a document type, which spreadsheet files never do")
        declaration = re.match(rb"<\?xml[^>]*encoding=[\"']([^\"']*)[\"']", head)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
                declaration and declaration.group(1).lower() not in (b"utf-8", b"utf8")):
            raise archive.unreadable(f" ({part} is not UTF-8)")
        self.prefix = found.group(1) or b""
        self.head, self.rest = head[:found.start()], head[found.start():]

    def blocks(self, cut: bytes):
        """Blocks of XML that end just before an occurrence of `cut` (or at the end of the part)."""
        buffer = self.rest
        for chunk in self.source:
            buffer += chunk
            at = buffer.rfind(cut)
            if at > 0:
                self.check(buffer[:at])
                yield buffer[:at]
                buffer = buffer[at:]
            if len(buffer) > self.limits.row_bytes:
                raise FileProblem(f"{self.archive.name} is refused: an element of its {self.part} is over "
                                  f"{human_bytes(self.limits.row_bytes)}")
        self.check(buffer)
        yield buffer

    def check(self, block: bytes) -> None:
        if b"<!" in block:
            raise FileProblem(f"{self.archive.name}: {self.part} holds XML comments or CDATA sections, which "
                              "spreadsheet programs do not write; open it in one and save it again")
