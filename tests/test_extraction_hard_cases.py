"""The hard cases of issue 10, in English and Russian, each in a sentence as a source would write it.

Each is suggested with its exact text, value, bounds, qualifier and unit, or, for dates, years,
times, ages, durations, article numbers, ordinals and "one" as a pronoun, not at all.
No database: claims.extraction is a pure function.
"""

from decimal import Decimal

import pytest

from claims.extraction import extract


def figures(text, **options):
    return [s for s in extract(text, **options) if s.kind == "figure"]


def reading(sentence, **options):
    found = figures(sentence, **options)
    assert len(found) == 1, [s.text for s in found]
    suggestion = found[0]
    assert sentence[suggestion.start:suggestion.end] == suggestion.text
    return suggestion.text, suggestion.qualifier, suggestion.value, suggestion.lower, suggestion.upper, suggestion.unit


ENGLISH = [
    pytest.param("Activists say more than 70 strikers died.", ("more than 70", "more_than", None, 70, None, None),
                 id="more than 70 is a lower bound, not the value 70"),
    pytest.param("Official statistics show some 740,000 people with disabilities.",
                 ("some 740,000", "approximate", 740000, None, None, None), id="some 740,000 is approximate"),
    pytest.param("An estimated 25,000 people marched.", ("An estimated 25,000", "approximate", 25000, None, None, None),
                 id="an estimated 25,000 is approximate"),
    pytest.param("Nearly two million people voted.", ("Nearly two million", "less_than", None, None, 2000000, None),
                 id="nearly two million is below two million"),
    pytest.param("The richest own almost half of all wealth.",
                 ("almost half", "less_than", None, None, 50, "percent"), id="almost half is below half"),
    pytest.param("The fund lost just over half a million.",
                 ("just over half a million", "more_than", None, 500000, None, None),
                 id="just over half a million is a lower bound"),
    pytest.param("Estimates range from 3 to 13 percent.",
                 ("from 3 to 13 percent", "range", None, 3, 13, "percent"), id="from 3 to 13 percent is a range"),
    pytest.param("Police said 16–20 workers were hurt.", ("16–20", "range", None, 16, 20, None), id="16–20 is a range"),
    pytest.param("Hundreds of thousands of people protested.",
                 ("Hundreds of thousands", "at_least", None, 100000, None, None),
                 id="hundreds of thousands is at least a hundred thousand"),
    pytest.param("Dozens were arrested.", ("Dozens", "at_least", None, 12, None, None), id="dozens is at least twelve"),
    pytest.param("The deal was worth 1.3bn.", ("1.3bn", "exact", 1300000000, None, None, None),
                 id="1.3bn is 1.3 billion"),
    pytest.param("The company paid $320m.", ("$320m", "exact", 320000000, None, None, "USD"),
                 id="$320m is 320 million US dollars"),
    pytest.param("The council spent £4m.", ("£4m", "exact", 4000000, None, None, "GBP"),
                 id="£4m is four million pounds"),
    pytest.param("The state set aside 5bn rupees.", ("5bn rupees", "exact", 5000000000, None, None, "INR"),
                 id="5bn rupees is five billion rupees"),
    pytest.param("The debt reached 2 trillion.", ("2 trillion", "exact", 2000000000000, None, None, None),
                 id="2 trillion carries its scale"),
    pytest.param("He spoke of twenty thousand terrorists.", ("twenty thousand", "exact", 20000, None, None, None),
                 id="twenty thousand in words"),
    pytest.param("A quarter of a million signed.", ("A quarter of a million", "exact", 250000, None, None, None),
                 id="a quarter of a million"),
    pytest.param("Today one in every seven citizens is poor.",
                 ("one in every seven", "approximate", Decimal("14.29"), None, None, "percent"),
                 id="one in every seven is about 14.29 percent"),
    pytest.param("But a third of the delegates disagreed.",
                 ("a third", "approximate", Decimal("33.33"), None, None, "percent"),
                 id="a third is about 33.33 percent"),
    pytest.param("Turnout was 43.7% officially.", ("43.7%", "exact", Decimal("43.7"), None, None, "percent"),
                 id="a percent keeps its number and names its unit"),
    pytest.param("Between 2 and 3 million fled.", ("Between 2 and 3 million", "range", None, 2000000, 3000000, None),
                 id="the scale of between 2 and 3 million applies to both ends"),
    pytest.param("The deficit was 5 to 10 million.", ("5 to 10 million", "range", None, 5000000, 10000000, None),
                 id="the scale of 5 to 10 million applies to both ends"),
    pytest.param("The law punishes it by up to 12 years in prison.",
                 ("up to 12 years", "at_most", None, None, 12, None), id="up to 12 years is a bounded penalty"),
    pytest.param("There has not been a single legal strike.",
                 ("not been a single", "exact", 0, None, None, None), id="not a single is zero"),
]

RUSSIAN = [
    pytest.param("По данным активистов, погибли более 70 человек.", ("более 70", "more_than", None, 70, None, None),
                 id="bolee 70 is a lower bound"),
    pytest.param("Пособия получают около 740 тысяч человек.",
                 ("около 740 тысяч", "approximate", 740000, None, None, None), id="okolo 740 tysyach is about 740000"),
    pytest.param("Ликвидировано свыше 200 профсоюзов.", ("свыше 200", "more_than", None, 200, None, None),
                 id="svyshe is more than"),
    pytest.param("Проголосовали почти 2 млн человек.", ("почти 2 млн", "less_than", None, None, 2000000, None),
                 id="pochti is below the number"),
    pytest.param("Собрались не менее 30 000 участников.", ("не менее 30 000", "at_least", None, 30000, None, None),
                 id="ne menee is at least"),
    pytest.param("На улицы вышли десятки тысяч человек.",
                 ("десятки тысяч", "at_least", None, 10000, None, None),
                 id="desyatki tysyach is at least ten thousand"),
    pytest.param("Задержаны 30\u00a0000 человек.", ("30\u00a0000", "exact", 30000, None, None, None),
                 id="a space groups thousands"),
    pytest.param("Черта бедности — 5,5 доллара в день.", ("5,5 доллара", "exact", Decimal("5.5"), None, None, "USD"),
                 id="a decimal comma in a Russian text"),
    pytest.param("Бюджет составил 3,5 тыс. рублей.", ("3,5 тыс. рублей", "exact", 3500, None, None, "RUB"),
                 id="tys with its dot is a thousand"),
    pytest.param("Убытки составили 2 млрд рублей.", ("2 млрд рублей", "exact", 2000000000, None, None, "RUB"),
                 id="mlrd is a billion"),
    pytest.param("Явка составила от 30 до 40 процентов.",
                 ("от 30 до 40 процентов", "range", None, 30, 40, "percent"), id="ot do is a range"),
    pytest.param("Каждый седьмой житель живёт в бедности.",
                 ("Каждый седьмой", "approximate", Decimal("14.29"), None, None, "percent"),
                 id="kazhdyi sedmoi is about 14.29 percent"),
]


@pytest.mark.parametrize("sentence, expected", ENGLISH)
def test_english_hard_cases_are_read_as_written(sentence, expected):
    assert reading(sentence) == expected


@pytest.mark.parametrize("sentence, expected", RUSSIAN)
def test_russian_hard_cases_are_read_as_written(sentence, expected):
    assert reading(sentence, language="ru") == expected


NOT_FIGURES = [
    pytest.param("On 16 December 2011 police opened fire.", id="a date"),
    pytest.param("On June 18, the council met.", id="a date with the month first"),
    pytest.param("In 2011 the strike began.", id="a year"),
    pytest.param("The elections of 2021-2022 were rigged.", id="a range of years"),
    pytest.param("The 1990s were hard.", id="a decade"),
    pytest.param("The rally began at 10:30.", id="a time"),
    pytest.param("The rally began at 5 pm.", id="a time with pm"),
    pytest.param("A four-year-old girl was shot.", id="an age written with hyphens"),
    pytest.param("People aged 59-62 may withdraw savings.", id="an age range"),
    pytest.param("Most voters are over 50 years old.", id="an age in years old"),
    pytest.param("It happened thirty years ago.", id="a duration in the past"),
    pytest.param("Prices rose over the past two years.", id="a narrative duration"),
    pytest.param("It is a crime under Article 174.", id="an article number"),
    pytest.param("See paragraph 1 of article 23.", id="paragraph and article numbers"),
    pytest.param("Conventions of the International Labor Organization (ILO) 87, 98, and 135 apply.",
                 id="convention numbers in a list"),
    pytest.param("The third congress proclaimed its revival.", id="an ordinal word"),
    pytest.param("The 19th Congress proclaimed its revival.", id="an ordinal in digits"),
    pytest.param("One of them was shot.", id="one as a pronoun"),
    pytest.param("On the one hand, wages rose.", id="one in a phrase"),
    pytest.param("Covid-19 spread fast.", id="an identifier"),
    pytest.param("The party adopted its Ten Steps Toward a Worthy Life.", id="a number word in a proper name"),
    pytest.param("It announced a seven-volume edition of the history.", id="a number word in a compound modifier"),
    pytest.param("Aid went to each of the five Central Asian republics.", id="a known set after the"),
    pytest.param("16 декабря 2011 года полиция открыла огонь.", id="a Russian date"),
    pytest.param("В 2011 году началась забастовка.", id="a Russian year"),
    pytest.param("Митинг начался в 10:30.", id="a Russian time"),
    pytest.param("Он умер в возрасте 63 лет.", id="a Russian age"),
    pytest.param("Это случилось три года назад.", id="a Russian duration in the past"),
    pytest.param("Это преступление по статье 174.", id="a Russian article number"),
    pytest.param("На 19-й съезд пришли делегаты.", id="a Russian ordinal"),
    pytest.param("Один из них был ранен.", id="a Russian one as a pronoun"),
]


@pytest.mark.parametrize("sentence", NOT_FIGURES)
def test_these_are_not_figures(sentence):
    assert [s.text for s in figures(sentence)] == []


def test_rose_from_3_to_13_percent_is_two_values_not_a_range():
    # A change: the value before and the value after, each with the unit written once.
    found = figures("The share has grown from 3 to 13 percent.")
    assert [(s.text, s.qualifier, s.value, s.unit) for s in found] == [
        ("3", "exact", 3, "percent"), ("13 percent", "exact", 13, "percent")]


def test_a_penalty_of_three_years_is_kept_with_its_unit():
    assert reading("It is punishable by a three-year prison sentence.") == ("three-year", "exact", 3, None, None, None)


@pytest.mark.parametrize("sentence, expected", [
    pytest.param("All five officially registered parties are loyal.", "five", id="all five"),
    pytest.param("The eight-month strike of oil workers began in May.", "eight-month", id="the eight-month strike"),
    pytest.param("The crowd was 300-strong.", "300", id="300-strong"),
])
def test_a_count_after_a_determiner_or_with_a_hyphen_can_still_be_a_figure(sentence, expected):
    assert [s.text for s in figures(sentence)] == [expected]
