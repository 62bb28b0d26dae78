"""Zip archives (XLSX, ODS): parts read with every inflated byte counted, and written as a stream.

A zip states its sizes in its directory, and a hostile one lies. The sizes declared may refuse a
file early (an honest zip bomb), but what bounds the work is the count of bytes actually inflated,
checked as each chunk comes out of zlib: a part that inflates past the budget is refused there,
whatever the directory said. The directory itself is bounded before zipfile reads it.
"""

import struct
import zipfile
import zlib
from collections.abc import Iterator

from .limits import CHUNK, FileProblem, Limits, MiB, human_bytes

MAX_ENTRIES = 10_000  # a workbook has a few dozen parts
MAX_DIRECTORY_BYTES = 4 * MiB  # the zip's central directory, which zipfile reads whole
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


class Archive:
    def __init__(self, stream, name: str, kind: str, limits: Limits):
        self.name, self.kind = name, kind
        self.size = size = stream.seek(0, 2)
        if not size:
            raise FileProblem(f"{name} is empty")
        self._check_directory(stream, size)
        stream.seek(0)
        try:
            self.zip = zipfile.ZipFile(stream)
            entries = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error):
            raise self.unreadable() from None
        self.budget = min(limits.unpacked_bytes, limits.compression_ratio * size)
        self.inflated = 0
        declared = sum(entry.file_size for entry in entries)
        if declared > self.budget:
            raise FileProblem(
                f"{name} would unpack to {declared:,} bytes from {size:,}: refused as a zip bomb (limit "
                f"{limits.compression_ratio}× the file and {limits.unpacked_bytes:,} bytes)"
            )
        self.names = {entry.filename for entry in entries}

    def unreadable(self, why: str = "") -> FileProblem:
        return FileProblem(
            f"{self.name} is not a readable {self.kind.upper()} file{why}: it may be truncated, or another kind of "
            f"file renamed .{self.kind}"
        )

    def _check_directory(self, stream, size: int) -> None:
        """Refuse a directory too big to read before zipfile reads it (its size bounds zipfile's work)."""
        tail_size = min(size, _END.size + 65535)
        stream.seek(size - tail_size)
        tail = stream.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _END.size:
            raise self.unreadable()
        _, _, _, _, entries, directory_bytes, _, _ = _END.unpack_from(tail, at)
        if (entries == 0xFFFF or directory_bytes == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
            signature, _, end_offset, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
            if signature == b"PK\x06\x07" and end_offset + _ZIP64_END.size <= size:
                stream.seek(end_offset)
                record = stream.read(_ZIP64_END.size)
                if record[:4] == b"PK\x06\x06":
                    entries, directory_bytes = _ZIP64_END.unpack(record)[7:9]
        if entries > MAX_ENTRIES or directory_bytes > MAX_DIRECTORY_BYTES:
            raise FileProblem(f"{self.name} is refused: its zip directory lists {entries:,} parts in "
                              f"{directory_bytes:,} bytes (a workbook has a few dozen)")

    def chunks(self, part: str) -> Iterator[bytes]:
        """The inflated bytes of a part, a chunk at a time, counted against the budget."""
        try:
            info = self.zip.getinfo(part)
        except KeyError:
            raise self.unreadable(f" (it has no {part})") from None
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileProblem(f"{self.name}: {part} is compressed in a way spreadsheet programs do not use "
                              f"(method {info.compress_type}); open it in one and save it again")
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    self.inflated += len(chunk)
                    if self.inflated > self.budget:
                        raise FileProblem(
                            f"{self.name} unpacks to more than {self.budget:,} bytes (so far {self.inflated:,}, "
                            f"from a file of {self.size:,}): refused as a zip bomb"
                        )
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError,
                struct.error, ValueError) as error:
            if isinstance(error, FileProblem):
                raise
            raise self.unreadable(f" ({part} is damaged)") from None

    def read(self, part: str, cap: int) -> bytes:
        """A small part whole (a workbook's index, its styles), refused past `cap` bytes."""
        data = bytearray()
        for chunk in self.chunks(part):
            data += chunk
            if len(data) > cap:
                raise FileProblem(f"{self.name} is refused: its {part} is over {human_bytes(cap)}")
        return bytes(data)


class ZipStream:
    """zipfile writing into memory that is drained as it fills: an archive as a stream of bytes.

    With nowhere to seek back to, zipfile writes each part's sizes after its data (a data
    descriptor), which every spreadsheet program reads; so an HTTP response can stream it.
    """

    def __init__(self, compresslevel: int = 1):
        self._chunks: list[bytes] = []
        self.zip = zipfile.ZipFile(self, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data

    def add(self, name: str, data: bytes, compress: bool = True) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.zip.writestr(info, data)

    def open(self, name: str):
        """A part to write in pieces, of any size (zip64)."""
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        return self.zip.open(info, "w", force_zip64=True)
