"""Spreadsheet files: read and write speed and peak memory per format, ours beside the old ways.

    .venv/bin/python bench/spreadsheets.py [--rows 100000 1000000] [--old-up-to 100000]
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/factbase_bench_import \
        .venv/bin/python bench/spreadsheets.py --rows --database-rows 100000 1000000

Rows look like figure exports: 16 columns of ids, slugs, periods, decimals (some negative, some
with ten decimals), qualifiers, value texts, notes (some non-ASCII) and dimensions. Each contender
runs in its own process, so its peak memory is its own: "peak MB" is the process's maximum RSS,
"+MB" the part above its baseline once the libraries are imported. The machine is shared, so
wall-clock seconds vary with its load; CPU seconds (and rows/s on them) compare contenders
fairly. Contenders:

- write: ours (CSV, JSON, XLSX, ODS, each streamed) beside openpyxl write-only (the old XLSX
  writer) and tablib (the old ODS writer, which builds the document in memory);
- read: ours beside python-calamine (the old XLSX reader: the whole sheet in memory), odfpy (the
  old ODS reader: the whole document), openpyxl read-only, and a streaming XLSX reader built on
  expat with Python callbacks, typing cells as ours does (the other way to stream considered).

The old ways that hold the whole file are run only up to --old-up-to rows (they take gigabytes
beyond). The XLSX read runs on two files: ours (inline strings, as openpyxl writes too) and one
shaped as Excel writes it (a shared-strings table, styles on cells, 17-digit doubles). With
--database-rows, figures are loaded into the database in DATABASE_URL (its figures are deleted
first; bench/import_export.py makes the data) and exported in each format as `manage.py
export_figures` does: database, figure_rows, writer. It prints one table.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

HEADER = ["id", "source", "metric", "subject", "period_start", "period_end", "value", "lower", "upper", "qualifier",
          "unit", "value_text", "attributed_to", "status", "note", "dimensions"]
QUALIFIERS = ["exact", "approximate", "more_than", "at_least", "range"]
NOTES = ["", "", "Official figure (Prosecutor General)", "Strikers' own count — Жаңаөзен", "=not a formula",
         "-5 is text here"]


def figure_rows(count: int):
    random_numbers = random.Random(1)
    for number in range(1, count + 1):
        qualifier = QUALIFIERS[number % len(QUALIFIERS)]
        value = Decimal(random_numbers.randrange(-10**9, 10**9)) / 10**random_numbers.randrange(0, 11)
        lower = upper = None
        if qualifier == "range":
            lower, upper, value = value, value + 10, None
        elif qualifier in ("more_than", "at_least"):
            lower, value = value, None
        year = 1990 + number % 35
        yield [number, f"source-{number % 300}", f"metric-{number % 30}", f"entity-{number % 2000}", str(year),
               str(year + 1) if number % 3 else "", value, lower, upper, qualifier, "people",
               f"more than {number % 1000}" if qualifier == "more_than" else str(value or lower),
               f"origin-{number % 50}" if number % 4 else "", "unverified", NOTES[number % len(NOTES)],
               "welfare=consumption; area=urban" if number % 5 == 0 else ""]


def file_for(fmt: str, rows: int, writer: str = "ours") -> Path:
    return OUT / f"bench-{rows}-{writer}.{fmt}"


# Writers ------------------------------------------------------------------------------------------

def write_ours(fmt: str, rows: int) -> int:
    from claims.spreadsheets import write_file_chunks

    with open(file_for(fmt, rows), "wb") as target:
        for chunk in write_file_chunks(fmt, HEADER, figure_rows(rows)):
            target.write(chunk)
    return rows


def write_openpyxl(fmt: str, rows: int) -> int:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("figures")
    sheet.append(HEADER)
    for row in figure_rows(rows):
        sheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
    workbook.save(file_for("xlsx", rows, "openpyxl"))
    return rows


def write_tablib(fmt: str, rows: int) -> int:
    import tablib

    dataset = tablib.Dataset(headers=HEADER)
    for row in figure_rows(rows):
        dataset.append([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
    file_for("ods", rows, "tablib").write_bytes(dataset.export("ods"))
    return rows


def write_excel_shaped(fmt: str, rows: int) -> int:
    """An XLSX as Excel writes one: every text in a shared-strings table, numbers as 17-digit doubles."""
    import zipfile

    from claims.spreadsheets.limits import column_name
    from claims.spreadsheets.xlsx import _CONTENT_TYPES, _ROOT_RELATIONSHIPS, _STYLES, _inline_string

    strings: dict[str, int] = {}
    letters = [column_name(index) for index in range(len(HEADER))]
    path = file_for("xlsx", rows, "excel")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                        b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for number, row in enumerate([HEADER, *figure_rows(rows)], start=1):
                cells = []
                for index, cell in enumerate(row):
                    reference = f"{letters[index]}{number}"
                    if isinstance(cell, str) and cell:
                        cells.append(f'<c r="{reference}" s="0" t="s"><v>{strings.setdefault(cell, len(strings))}'
                                     "</v></c>")
                    elif cell is not None and cell != "":
                        cells.append(f'<c r="{reference}" s="0" t="n"><v>{float(cell):.17g}</v></c>')
                sheet.write(f'<row r="{number}" spans="1:16">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        archive.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                         f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">'
                         + "".join(f"<si>{_inline_string(text)[4:-5]}</si>" for text in strings) + "</sst>")
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        archive.writestr("_rels/.rels", _ROOT_RELATIONSHIPS)
        archive.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                         '<sheet name="figures" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
                         'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
                         'Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                         "</Relationships>")
        archive.writestr("xl/styles.xml", _STYLES)
    return rows


# Readers ------------------------------------------------------------------------------------------

def read_ours(path: Path) -> int:
    from claims.spreadsheets import Limits, read_rows

    with open(path, "rb") as stream:
        return sum(1 for _ in read_rows(stream, path.suffix[1:], name=path.name, limits=Limits())) - 1


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    return sum(1 for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()) - 1


def read_openpyxl(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1


def read_odfpy(path: Path) -> int:
    from odf import opendocument, table, text

    document = opendocument.load(str(path))
    count = 0
    for row in document.spreadsheet.getElementsByType(table.Table)[0].getElementsByType(table.TableRow):
        [str(p) for cell in row.childNodes for p in cell.getElementsByType(text.P)]
        count += 1
    return count - 1


def read_expat(path: Path) -> int:
    """A streaming XLSX reader on expat, doing the work ours does: the other way considered.

    zipfile inflates a megabyte at a time and expat calls Python for every element (five to seven
    calls a cell); cells are typed as ours are (shared and inline strings, int or Decimal via the
    same function) and placed by their reference. No limits, no styles, no error messages: it does
    less than ours, so it is a floor for that design.
    """
    import zipfile
    from xml.parsers import expat

    from claims.spreadsheets.cells import stored_number
    from claims.spreadsheets.xlsx import _column_indexes

    columns = {letters.decode(): index for letters, index in _column_indexes().items()}
    archive = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in archive.namelist():
        parts, inside = [], [False]

        def start_si(name, attributes):
            if name == "t":
                inside[0] = True
            elif name == "si":
                parts.clear()

        def end_si(name):
            if name == "t":
                inside[0] = False
            elif name == "si":
                shared.append("".join(parts))

        def text_si(data):
            if inside[0]:
                parts.append(data)

        parser = expat.ParserCreate()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start_si, end_si, text_si
        parser.ParseFile(archive.open("xl/sharedStrings.xml"))
    count, row, text, cell = [0], [], [], {}

    def start(name, attributes):
        if name == "c":
            cell.clear()
            cell.update(attributes)
            text.clear()
        elif name == "row":
            row.clear()

    def end(name):
        if name == "c":
            value = "".join(text)
            if not value:
                return
            kind = cell.get("t")
            if kind == "s":
                value = shared[int(value)]
            elif kind in (None, "n"):
                value = stored_number(value.encode())
            reference = cell.get("r")
            if reference:
                column = columns[reference.rstrip("0123456789")]
                if len(row) < column:
                    row.extend([None] * (column - len(row)))
            row.append(value)
        elif name == "row":
            count[0] += 1

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text.append
    with archive.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return count[0] - 1


def export_from_database(fmt: str, rows: int) -> int:
    bench = _import_export_bench()
    bench.setup_django()
    return bench.run_export(fmt, OUT / f"database-{rows}.{fmt}")


def _import_export_bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_import_export", Path(__file__).with_name("import_export.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_figures(rows: int) -> None:
    """Fill the database with `rows` figures (COPY on PostgreSQL), as bench/import_export.py does."""
    from django.core.management import call_command
    from django.db import connection

    bench = _import_export_bench()
    call_command("migrate", verbosity=0)
    bench.reference_data()
    bench.empty_figures()
    source = OUT / "database-source.csv"
    bench.write_csv(source, rows, seed=3)
    from django.db import transaction

    with transaction.atomic():
        (bench.run_copy if connection.vendor == "postgresql" else bench.run_bulk_create)(source)


# Runs ---------------------------------------------------------------------------------------------

def child(phase: str, fmt: str, rows: int, path: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    os.environ.setdefault("DEBUG", "1")
    import odf.opendocument  # noqa: F401
    import openpyxl  # noqa: F401
    import python_calamine  # noqa: F401
    import tablib  # noqa: F401

    import claims.spreadsheets  # noqa: F401 - the baseline includes the libraries

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    functions = {"write-ours": write_ours, "write-openpyxl": write_openpyxl, "write-tablib": write_tablib,
                 "write-excel": write_excel_shaped,
                 "export-database": export_from_database,
                 "read-ours": read_ours, "read-calamine": read_calamine, "read-openpyxl": read_openpyxl,
                 "read-odfpy": read_odfpy, "read-expat": read_expat}
    done = functions[phase](fmt, rows) if phase.startswith(("write", "export")) else functions[phase](Path(path))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"RESULT {done} {seconds:.3f} {cpu:.3f} {baseline:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--database-rows", type=int, nargs="*", default=[],
                        help="Also export this many figures from the database in DATABASE_URL.")
    parser.add_argument("--old-up-to", type=int, default=100_000,
                        help="Run the old ways that hold the whole file up to this many rows.")
    parser.add_argument("--child")
    parser.add_argument("--format")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.format, args.rows[0], args.file)
    if args.database_rows:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
        os.environ.setdefault("DEBUG", "1")
        _import_export_bench().setup_django()
    OUT.mkdir(exist_ok=True)
    results = []

    def run(label, phase, fmt, rows, path=None):
        done, seconds, cpu, peak, baseline = measure_peak(phase, fmt, rows, path)
        if phase == "export-database":
            path = OUT / f"database-{rows}.{fmt}"
        size = (path or file_for(fmt, rows, _writer_of(phase))).stat().st_size
        results.append((label, rows, seconds, cpu, peak, peak - baseline, size))
        print(f"  {label} {rows:,}: {seconds:.1f} s ({cpu:.1f} s CPU), {peak:.0f} MB", file=sys.stderr)

    for rows in args.rows:
        old = rows <= args.old_up_to
        for fmt in ("csv", "json", "xlsx", "ods"):
            run(f"write {fmt.upper()}, ours", "write-ours", fmt, rows)
        run("write XLSX, openpyxl write-only (old)", "write-openpyxl", "xlsx", rows)
        run("(write XLSX shaped as Excel's, for reading)", "write-excel", "xlsx", rows)
        if old:
            run("write ODS, tablib (old)", "write-tablib", "ods", rows)
        for fmt in ("csv", "json", "xlsx", "ods"):
            run(f"read {fmt.upper()}, ours", "read-ours", fmt, rows, file_for(fmt, rows))
        shared = file_for("xlsx", rows, "excel")
        run("read XLSX shaped as Excel's, ours", "read-ours", "xlsx", rows, shared)
        run("read XLSX, expat streaming (considered)", "read-expat", "xlsx", rows, file_for("xlsx", rows))
        run("read XLSX shaped as Excel's, expat", "read-expat", "xlsx", rows, shared)
        run("read XLSX, calamine (old: whole sheet)", "read-calamine", "xlsx", rows, file_for("xlsx", rows))
        run("read XLSX shaped as Excel's, calamine", "read-calamine", "xlsx", rows, shared)
        if old:
            run("read XLSX, openpyxl read-only", "read-openpyxl", "xlsx", rows, shared)
            run("read ODS, odfpy (old: whole document)", "read-odfpy", "ods", rows, file_for("ods", rows))
    for rows in args.database_rows:
        load_figures(rows)
        for fmt in ("csv", "json", "xlsx", "ods"):
            run(f"export {fmt.upper()} from the database", "export-database", fmt, rows)

    print(f"\n{'contender':<44} {'rows':>10} {'seconds':>8} {'CPU s':>7} {'rows/s CPU':>11} {'peak MB':>8} "
          f"{'+MB':>6} {'file MB':>8}")
    for label, rows, seconds, cpu, peak, above, size in results:
        print(f"{label:<44} {rows:>10,} {seconds:>8.1f} {cpu:>7.1f} {rows / max(cpu, 1e-9):>11,.0f} {peak:>8.0f} "
              f"{above:>6.0f} {size / 2**20:>8.1f}")


def _writer_of(phase: str) -> str:
    return {"write-openpyxl": "openpyxl", "write-tablib": "tablib", "write-excel": "excel"}.get(phase, "ours")


# Linux carries the high-water mark of the memory a process had before exec into the new program's
# peak, so each contender is the child of this small launcher, not of the (larger) bench process.
LAUNCH = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
sys.stderr.write(f"\\nPEAK_KB {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure_peak(phase, fmt, rows, path=None):
    """Run one contender in a process of its own: rows done, seconds, CPU seconds, peak MB, baseline MB."""
    command = [sys.executable, "-c", LAUNCH, sys.executable, __file__, "--child", phase, "--format", fmt,
               "--rows", str(rows)]
    if path:
        command += ["--file", str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    errors, _, peak = done.stderr.rpartition("\nPEAK_KB ")
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    if line is None or done.returncode:
        raise SystemExit(f"{phase} {fmt} failed:\n{done.stdout[-2000:]}\n{errors[-3000:]}")
    rows_done, seconds, cpu, baseline = line.split()[1:]
    return int(rows_done), float(seconds), float(cpu), int(peak) / 1024, float(baseline)


if __name__ == "__main__":
    main()
