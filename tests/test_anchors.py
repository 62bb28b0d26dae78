"""Anchoring a quote in its text, database-free: offsets plus context, typographic variants, several occurrences."""

from claims import anchors

TEXT = "Officials said 16 died. Strikers said “more than 70” died. Officials said 16 died, again."


def test_a_quote_is_found_with_its_offsets_and_context():
    found = anchors.locate(TEXT, "more than 70")
    assert TEXT[found.start:found.end] == "more than 70"
    assert found.prefix.endswith("said “") and found.suffix.startswith("” died")


def test_straight_quotes_and_plain_dashes_match_the_sources_typography():
    found = anchors.locate(TEXT, '"more than 70"')
    assert TEXT[found.start:found.end] == "“more than 70”"
    assert anchors.locate("16–20 injured", "16-20").start == 0


def test_a_quote_that_is_not_in_the_text_is_not_found():
    assert anchors.locate(TEXT, "more than 80") is None
    assert anchors.locate("", "16") is None


def test_the_hint_chooses_among_several_occurrences():
    first, second = anchors.occurrences(TEXT, "Officials said 16 died")
    hint = anchors.anchor_at(TEXT, second, second + len("Officials said 16 died"))
    assert anchors.locate(TEXT, "Officials said 16 died", hint=hint).start == second
    assert anchors.locate(TEXT, "Officials said 16 died").start == first


def test_a_longer_context_chooses_too():
    second = anchors.occurrences(TEXT, "16")[1]
    assert anchors.locate(TEXT, "16", context="said 16 died, again").start == second


def test_an_anchor_survives_an_edit_before_it_by_its_context():
    hint = anchors.locate(TEXT, "Officials said 16 died", context="Officials said 16 died, again")
    edited = "NEW PARAGRAPH. " + TEXT
    moved = anchors.locate(edited, "Officials said 16 died", hint=hint)
    assert edited[moved.start:moved.end] == "Officials said 16 died" and moved.start > hint.start
    assert edited[moved.end:].startswith(", again")


def test_matches_checks_stored_offsets_against_the_text():
    found = anchors.locate(TEXT, "more than 70")
    assert anchors.matches(TEXT, "more than 70", found.start, found.end)
    assert not anchors.matches(TEXT, "more than 70", found.start + 1, found.end + 1)
    assert not anchors.matches(TEXT, "more than 70", None, None)
    assert not anchors.matches(TEXT, "x", 10**6, 10**6 + 1)
