"""Every command of ours, given bad arguments, stops with a one-line message and a non-zero exit, never a traceback.

manage.py turns a CommandError into `CommandError: <message>` and exit status 1; anything else escaping
`call_command` would be a traceback. So each case asserts that what escapes is a CommandError with a message.
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

OURS = sorted(name for name, app in get_commands().items() if app in ("claims", "sources"))
FILES = Path(__file__).parent / "files"


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "figures.csv") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def refused(*args) -> str:
    with pytest.raises(CommandError) as raised:
        call_command(*args)
    message = str(raised.value)
    assert message.strip() and "Traceback" not in message
    return message


def test_every_command_of_ours_is_covered():
    assert set(OURS) <= {"export_figures", "extract", "import_claims", "import_figures", "rebuild_comparisons",
                         "seed", "shell"}, "a new command: add its bad arguments here"


@pytest.mark.parametrize("command", ["import_figures", "import_claims"])
def test_an_import_of_a_missing_file_or_a_directory_is_refused(db, tmp_path, command):
    assert "Cannot open" in refused(command, str(tmp_path / "missing.csv"))
    assert "Cannot open" in refused(command, str(tmp_path))


@pytest.mark.parametrize("command", ["import_figures", "import_claims"])
def test_an_unknown_encoding_is_refused(db, command):
    assert "bogus" in refused(command, str(FILES / "researcher.csv"), "--encoding", "bogus")


@pytest.mark.parametrize("command", ["import_figures", "import_claims"])
def test_an_unknown_format_or_user_is_refused(db, command):
    refused(command, str(FILES / "researcher.csv"), "--format", "bogus")
    assert "No user" in refused(command, str(FILES / "researcher.csv"), "--user", "nobody")


def test_a_slug_too_long_to_create_is_a_row_error_not_a_traceback(reference_data, csv_file):
    path = csv_file("source,metric,subject,period_start,value_text\n"
                    f"{'s' * 200},death-toll,kazakhstan,2011,16\n")
    assert "nothing was imported" in refused("import_figures", path, "--create-missing")


def test_a_claim_with_a_slug_too_long_to_create_is_a_row_error(reference_data, csv_file):
    path = csv_file(f"source,quote\n{'s' * 200},We will restore order\n", "claims.csv")
    assert "nothing was imported" in refused("import_claims", path, "--create-missing")


@pytest.mark.parametrize("junk", [b"\x00\x01\x02PK\x03\x04", b"not a zip at all"])
@pytest.mark.parametrize("extension", ["xlsx", "ods", "csv"])
def test_a_file_that_is_not_what_its_name_says_is_refused(db, tmp_path, junk, extension):
    path = tmp_path / f"figures.{extension}"
    path.write_bytes(junk)
    refused("import_figures", str(path))


def test_an_export_to_a_missing_folder_or_a_folder_is_refused(db, tmp_path):
    assert "Cannot write" in refused("export_figures", "--format", "csv", "-o", str(tmp_path / "no" / "f.csv"))
    assert "Cannot write" in refused("export_figures", "--format", "csv", "-o", str(tmp_path))


def test_an_export_of_unknown_sources_metrics_or_formats_is_refused(db, tmp_path):
    out = str(tmp_path / "f.csv")
    assert "Unknown source" in refused("export_figures", "--format", "csv", "-o", out, "--source", "nope")
    assert "Unknown metric" in refused("export_figures", "--format", "csv", "-o", out, "--metric", "nope")
    refused("export_figures", "--format", "bogus", "-o", out)
    assert "binary" in refused("export_figures", "--format", "xlsx", "-o", "-")


def test_extract_refuses_a_missing_file_a_folder_and_a_long_slug(db, tmp_path):
    refused("extract", str(tmp_path / "missing.pdf"))
    refused("extract", str(tmp_path))
    assert "slug" in refused("extract", "s" * 200)
    assert "No source" in refused("extract", "no-such-source")


def test_extract_refuses_a_pdf_that_is_not_one(db, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"\x00garbage")
    refused("extract", str(path))


@pytest.mark.parametrize(("name", "content"), [
    ("missing.json", None),
    ("broken.json", "{"),
    ("deep.json", "[" * 100_000 + "]" * 100_000),
    ("list.json", "[]"),
    ("wrong-shape.json", json.dumps({"outlets": "nope"})),
    ("missing-field.json", json.dumps({"outlets": [{"slug": "x"}]})),
    ("unknown-source.json", json.dumps({"claims": [{"ref": "c1", "source": "nope", "quote": "q"}]})),
    ("bad-date.json", json.dumps({"sources": [{"slug": "s", "title": "t", "text_file": "missing.txt"}]})),
    ("not-utf8.json", b"\xff\xfe\x00"),
])
def test_seed_refuses_a_corpus_it_cannot_read(db, tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert "corpus" in refused("seed", str(path)).lower()


def test_seed_refuses_a_folder(db, tmp_path):
    refused("seed", str(tmp_path))


def test_rebuild_comparisons_refuses_arguments_it_does_not_take(db):
    refused("rebuild_comparisons", "--bogus")
