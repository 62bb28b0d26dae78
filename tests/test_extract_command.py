"""`manage.py extract SOURCE [--json]`: a source's slug or a .txt, .html or .pdf file in, the suggestions
out, as DESIGN.md fixes them; bad input exits non-zero with a message, never a traceback."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sources.ingest import ingest_path
from sources.models import Source
from tests.test_ingest import PAGE, tiny_pdf

ROOT = Path(__file__).resolve().parent.parent
FIGURE_KEYS = {"kind", "start", "end", "text", "value", "lower", "upper", "qualifier", "unit", "metric"}
QUOTE_KEYS = {"kind", "start", "end", "text", "speaker"}


def extract_json(source: str) -> list[dict]:
    out = io.StringIO()
    call_command("extract", source, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_json_of_a_seeded_source_has_exactly_the_keys_design_fixes(seeded):
    found = extract_json("smk-decommunization-central-asia")
    assert {frozenset(s) for s in found} == {frozenset(FIGURE_KEYS), frozenset(QUOTE_KEYS)}


def test_json_offsets_point_into_the_sources_text_as_stored(seeded):
    text = Source.objects.get(slug="smk-decommunization-central-asia").text
    assert all(text[s["start"]:s["end"]] == s["text"] for s in extract_json("smk-decommunization-central-asia"))


def test_more_than_70_is_suggested_as_a_lower_bound_on_the_death_toll(seeded):
    found = extract_json("smk-decommunization-central-asia")
    # Numbers are JSON numbers, bounds as DESIGN.md reads them, and the metric guessed from "died".
    assert {"kind": "figure", "text": "more than 70", "value": None, "lower": 70, "upper": None,
            "qualifier": "more_than", "unit": None, "metric": "death-toll"} in [
        {key: s[key] for key in FIGURE_KEYS - {"start", "end"}} for s in found if s["kind"] == "figure"]


def test_a_quote_names_its_speaker(seeded):
    found = extract_json("tokayev-welfare-address-commentary")
    assert {"text": "massive parasitism", "speaker": "Kassym-Jomart Tokayev"} in [
        {"text": s["text"], "speaker": s["speaker"]} for s in found if s["kind"] == "quote"]


def test_without_json_each_suggestion_is_a_line(seeded):
    out = io.StringIO()
    call_command("extract", "cprf-2022-voice-of-working-people", stdout=out)
    assert "“more than 9 million tenge”  > 9000000  unit KZT  metric pension-withdrawal-threshold" in out.getvalue()


def test_a_text_file_is_read(db, tmp_path):
    path = tmp_path / "statement.txt"
    path.write_text("Officials said 16 people died; activists counted more than 70 dead.\n", encoding="utf-8")
    assert [(s["text"], s["qualifier"]) for s in extract_json(str(path))] == [("16", "exact"),
                                                                             ("more than 70", "more_than")]


def test_an_html_file_is_read_and_offsets_point_into_its_extracted_text(db, tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE)
    text = ingest_path(path).text
    found = extract_json(str(path))
    assert "more than 70" in [s["text"] for s in found] and all(text[s["start"]:s["end"]] == s["text"] for s in found)


def test_a_pdf_file_is_read(db, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(tiny_pdf(["Officials said 16 people died.", "Activists counted more than 70 dead."]))
    assert [s["text"] for s in extract_json(str(path)) if s["kind"] == "figure"] == ["16", "more than 70"]


def test_an_unknown_slug_is_refused_with_a_message(db):
    with pytest.raises(CommandError, match="No source has the slug “no-such-source”, and there is no file of that"):
        call_command("extract", "no-such-source")


def test_a_missing_file_is_refused_with_a_message(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read .*missing.pdf: No such file or directory"):
        call_command("extract", str(tmp_path / "missing.pdf"))


def test_a_broken_pdf_exits_non_zero_with_a_message_and_no_traceback(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"garbage" * 100)
    result = subprocess.run([sys.executable, "manage.py", "extract", str(path), "--json"], cwd=ROOT, text=True,
                            capture_output=True, timeout=120, env={**os.environ, "DEBUG": "1"})
    assert (result.returncode, result.stdout, "Traceback" in result.stderr) == (1, "", False)
    assert "broken.pdf is a broken PDF that cannot be read" in result.stderr


def test_an_unreadable_database_still_gives_the_suggestions_of_a_file(tmp_path):
    # No metrics or speakers can be guessed, and the command says so, but the file is still read.
    path = tmp_path / "statement.txt"
    path.write_text("Officials said 16 people died.\n", encoding="utf-8")
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3"}
    result = subprocess.run([sys.executable, "manage.py", "extract", str(path), "--json"], cwd=ROOT, text=True,
                            capture_output=True, timeout=120, env=env)
    assert (result.returncode, [s["text"] for s in json.loads(result.stdout)]) == (0, ["16"])
    assert "metrics, subjects and speakers are not guessed" in result.stderr


def test_shell_c_prints_only_what_its_code_prints():
    # The contract check reads a source's text with `shell -c`; Django 5.2 would put its auto-import line first.
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", "print('text')"], cwd=ROOT, text=True,
                            capture_output=True, timeout=120, env={**os.environ, "DEBUG": "1"})
    assert result.stdout == "text\n"
