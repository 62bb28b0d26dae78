"""The seed corpus loads, is self-consistent, and loading it twice changes nothing."""

import hashlib
import json
from pathlib import Path

from django.core.management import call_command

from claims import anchors
from claims.models import Claim, Figure
from claims.parsing import ParseError, parse_value_text
from sources.models import Source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def test_all_five_texts_are_sources_with_their_text_exactly_as_given(seeded):
    corpus = json.loads((ROOT / "fixtures/seed/corpus.json").read_text())
    assert Source.objects.count() == 5
    for entry in corpus["sources"]:
        source = Source.objects.get(slug=entry["slug"])
        raw = (ROOT / "fixtures/seed" / entry["text_file"]).read_bytes()
        assert source.text.encode("utf-8") == raw
        assert source.content_hash == hashlib.sha256(raw).hexdigest()
        assert source.status == "published"
    if SEEDS.exists():  # the originals, beside the project in the shared folder
        originals = {hashlib.sha256(path.read_bytes()).hexdigest() for path in SEEDS.glob("*.txt")}
        assert set(Source.objects.values_list("content_hash", flat=True)) == originals


def test_the_repeated_paragraphs_are_kept_and_noted(seeded):
    source = Source.objects.get(text__contains="massive parasitism")
    paragraph = "In a televised address, Tokayev claimed"
    assert source.text.count(paragraph) == 2
    assert "repeat" in source.note.lower()


def test_there_are_dozens_of_claims_and_figures(seeded):
    assert Claim.objects.count() >= 40 and Figure.objects.count() >= 40


def test_every_anchored_quote_is_found_at_its_offsets(seeded):
    for record in [*Claim.objects.select_related("source"), *Figure.objects.select_related("source")]:
        assert record.anchor_start is not None, record
        assert anchors.matches(record.source.text, record.anchored_text, record.anchor_start, record.anchor_end)
        assert record.source.text[: record.anchor_start].endswith(record.anchor_prefix)
        assert record.source.text[record.anchor_end :].startswith(record.anchor_suffix)


def test_every_figures_bounds_agree_with_its_qualifier_and_value_text(seeded):
    for figure in Figure.objects.select_related("metric"):
        figure.full_clean()  # the database constraints and the model's own rules
        try:
            parsed = parse_value_text(figure.value_text)
        except ParseError:
            continue  # wording such as "one third": bounds given by hand
        assert parsed.qualifier == figure.qualifier or (parsed.qualifier, figure.qualifier) == ("exact", "approximate")


def test_the_sources_disagreements_are_comparable(seeded):
    zhanaozen = Figure.objects.filter(metric__slug="death-toll", subject__slug="zhanaozen-2011")
    assert {f.value_text for f in zhanaozen} == {"16", "more than 70"}
    assert len({(f.period_start, f.period_end) for f in zhanaozen}) == 1
    assert zhanaozen.get(value_text="more than 70").lower == 70
    assert zhanaozen.values("source").distinct().count() == 2
    gini = Figure.objects.filter(metric__slug="gini-coefficient", subject__slug="kazakhstan")
    assert {"0.291", "0.332", "about 0.421"} <= {f.value_text for f in gini}
    unions = Figure.objects.filter(metric__slug="trade-unions-liquidated")
    assert unions.values("source").distinct().count() == 2
    assert len({(f.subject_id, f.period_start, f.period_end) for f in unions}) == 1
    turnout = Figure.objects.filter(metric__slug="turnout", subject__slug="almaty")
    assert {"37%", "43.7%"} <= {f.value_text for f in turnout}


def test_unknown_outlets_stay_unknown(seeded):
    assert Source.objects.filter(outlet__isnull=True).exists()
    assert not Source.objects.filter(outlet__isnull=True).exclude(published_precision__in=["unknown", "year", "month",
                                                                                           "day"]).exists()


def test_seeding_twice_changes_nothing(seeded, capsys):
    history = sum(model.history.count() for model in (Source, Claim, Figure))
    call_command("seed")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert sum(model.history.count() for model in (Source, Claim, Figure)) == history


def test_seeding_again_never_overwrites_a_curators_edit(seeded, capsys):
    figure = Figure.objects.get(value_text="more than 70")
    figure.note = "Checked against the strike committee's list."
    figure.save()
    call_command("seed")
    assert "1 records differ from the corpus" in capsys.readouterr().out
    figure.refresh_from_db()
    assert figure.note == "Checked against the strike committee's list."
    call_command("seed", "--update")
    figure.refresh_from_db()
    assert figure.note != "Checked against the strike committee's list."
