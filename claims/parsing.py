"""Numbers and periods as people write them.

One module for the admin forms, the spreadsheet imports and extraction from
text: "more than 70" is a lower bound of 70, "some 740,000" an approximate
740000, "16–20" a range, "January 2022" a month. Every failure raises
ParseError with a message a curator can act on; nothing is guessed silently
(a decimal comma must be declared, never inferred).

How it reads, and why:

- Input is bounded before it is read (MAX_VALUE_TEXT_LENGTH, MAX_NUMBER_LENGTH,
  MAX_PERIOD_LENGTH), then split into tokens by one regular expression without
  nested or adjacent repeats; everything after that walks the tokens with a
  bounded look-ahead, so the time is linear in the text.
- Values keep at most 15 significant digits, 15 digits before the decimal point
  and 10 after it (what the database stores). More is refused, never rounded.
- "nearly", "almost", "just under" (почти, без малого) put the number *above*
  the value: qualifier less_than with that upper bound ("nearly 2 million" is
  below 2 million). "just over" is more_than. The closeness is not kept: a
  Figure has one qualifier, and the bound is the part that is certain.
- Vague quantities follow ACLED's rule of the most conservative reading: the
  smallest unit named is the lower bound. "dozens" is at least 12, "tens of
  thousands" (десятки тысяч) at least 10,000, "hundreds" and "a few hundred"
  at least 100. It understates on purpose, and keeps "hundreds" and "a few
  hundred" comparable, as the seed corpus records them.
- Shares and factors ("a third", "half", "one in every seven", "doubled") are
  numbers only relative to a whole or to an earlier value. parse_value_text
  refuses them unless asked with relative=True (extraction asks; a form for a
  percent metric may): then a share is a percent ("a third" is about 33.33,
  unit percent; "half" exactly 50) and a factor a plain number ("doubled" is
  2). A share that is not a whole number of hundredths is rounded to two
  places and marked approximate; as a bound it is rounded outwards, so the
  stored bound stays true ("less than a third" is less than 33.34).
- Units are reported, not converted: "43.7%" is 43.7 with unit "percent";
  "$320m" is 320,000,000 USD. A scale or unit written once applies to both
  ends of a range ("5 to 10 million", "3–13%").
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext
from functools import wraps

MAX_VALUE_TEXT_LENGTH = 300  # Figure.value_text is a CharField(300)
MAX_NUMBER_LENGTH = 100
MAX_PERIOD_LENGTH = 100
MAX_SIGNIFICANT_DIGITS = 15
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 10
# Longest run of number words one number can need ("nine hundred and ninety-nine trillion …").
_MAX_NUMBER_WORDS = 40
# Digits in one run, and thousands groups in one number, beyond any value factbase keeps: refused unread.
_MAX_DIGIT_RUN = 40
_MAX_GROUPS = 6
# The same words as claims.rules, which checks numbers typed in number cells.
PRECISION_ALLOWED = (f"at most {MAX_SIGNIFICANT_DIGITS} significant digits, {MAX_DECIMAL_PLACES} decimal places "
                     f"and {MAX_INTEGER_DIGITS} digits before the point")


class ParseError(ValueError):
    pass


class Qualifier:
    """Mirror of Figure.Qualifier values, kept here so parsing has no Django import."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    LESS_THAN = "less_than"
    AT_MOST = "at_most"
    RANGE = "range"


class Precision:
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class ParsedValue:
    qualifier: str
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    unit: str | None = None  # "percent", an ISO currency code ("USD", "KZT"…), or None


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    precision: str


# ---------------------------------------------------------------------------------------------- tokens

DIGITS, WORD, SYMBOL = "digits", "word", "symbol"
# ASCII digits only (Arabic-Indic or full-width digits are not read as numbers); letters of any script.
_TOKEN = re.compile(r"([0-9]+)|([^\W\d_]+)|(\S)")
_KINDS = (None, DIGITS, WORD, SYMBOL)


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int, str]]:
    """Split text into (kind, start, end, lowered text) tokens; offsets index the text as given."""
    kinds = _KINDS
    return [
        (kinds[match.lastindex], match.start(), match.end(), match.group().lower())
        for match in _TOKEN.finditer(text, start, len(text) if end is None else end)
    ]


_SPACE_CHARS = frozenset(" \u00a0\u202f\u2009\u2007")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
_MINUS = frozenset("-\u2212")
_SIGNS = _MINUS | {"+"}

# ---------------------------------------------------------------------------------------------- vocabulary

_UNITS_EN = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9}
_TEENS_EN = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
             "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS_EN = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}


def _forms(value: int, *words: str) -> dict[str, int]:
    return {word: value for word in words}


_UNITS_RU = {
    **_forms(0, "ноль", "нуль"),
    **_forms(1, "один", "одна", "одно", "одного", "одной", "одному", "одним", "одну"),
    **_forms(2, "два", "две", "двух", "двум", "двумя"),
    **_forms(3, "три", "трёх", "трех", "трём", "трем", "тремя"),
    **_forms(4, "четыре", "четырёх", "четырех", "четырём", "четырем", "четырьмя"),
    **_forms(5, "пять", "пяти", "пятью"), **_forms(6, "шесть", "шести", "шестью"),
    **_forms(7, "семь", "семи", "семью"), **_forms(8, "восемь", "восьми", "восемью"),
    **_forms(9, "девять", "девяти", "девятью"),
}
_TEENS_RU = {
    **_forms(10, "десять", "десяти"), **_forms(11, "одиннадцать", "одиннадцати"),
    **_forms(12, "двенадцать", "двенадцати"), **_forms(13, "тринадцать", "тринадцати"),
    **_forms(14, "четырнадцать", "четырнадцати"), **_forms(15, "пятнадцать", "пятнадцати"),
    **_forms(16, "шестнадцать", "шестнадцати"), **_forms(17, "семнадцать", "семнадцати"),
    **_forms(18, "восемнадцать", "восемнадцати"), **_forms(19, "девятнадцать", "девятнадцати"),
}
_TENS_RU = {
    **_forms(20, "двадцать", "двадцати"), **_forms(30, "тридцать", "тридцати"), **_forms(40, "сорок", "сорока"),
    **_forms(50, "пятьдесят", "пятидесяти"), **_forms(60, "шестьдесят", "шестидесяти"),
    **_forms(70, "семьдесят", "семидесяти"), **_forms(80, "восемьдесят", "восьмидесяти"),
    **_forms(90, "девяносто", "девяноста"),
}
_HUNDREDS_RU = {
    **_forms(100, "сто", "ста"), **_forms(200, "двести", "двухсот"), **_forms(300, "триста", "трёхсот", "трехсот"),
    **_forms(400, "четыреста", "четырёхсот", "четырехсот"), **_forms(500, "пятьсот", "пятисот"),
    **_forms(600, "шестьсот", "шестисот"), **_forms(700, "семьсот", "семисот"), **_forms(800, "восемьсот", "восьмисот"),
    **_forms(900, "девятьсот", "девятисот"),
}
_SCALE_WORDS = {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
    **_forms(10**3, "тысяча", "тысячи", "тысяч", "тысячу", "тысячей", "тысячам"),
    **_forms(10**6, "миллион", "миллиона", "миллионов", "миллионом", "миллионам"),
    **_forms(10**9, "миллиард", "миллиарда", "миллиардов", "миллиардом"),
    **_forms(10**12, "триллион", "триллиона", "триллионов"),
}
_RUSSIAN_BARE_SCALES = frozenset(("тысяча", "тысячу", "миллион", "миллиона", "миллиард", "миллиарда", "триллион"))
# Scale abbreviations written after a numeral, with or without a space ("5bn", "5 bn", "5 млн").
_SCALE_ABBREVIATIONS = {"mln": 10**6, "mn": 10**6, "bn": 10**9, "tn": 10**12, "trn": 10**12,
                        "тыс": 10**3, "млн": 10**6, "млрд": 10**9, "трлн": 10**12}
# Only glued to the numeral: "320m", "10k" ("5 m" is five metres).
_GLUED_SCALES = {"k": 10**3, "m": 10**6, **_SCALE_ABBREVIATIONS}
_SPACED_SCALES = {**_SCALE_ABBREVIATIONS, **{word: scale for word, scale in {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}.items()}}
_HALF_RU = {"полтора": Decimal("1.5"), "полторы": Decimal("1.5"), "полутора": Decimal("1.5")}

_VAGUE = {
    "dozens": 12, "tens": 10, "hundreds": 100, "thousands": 10**3, "millions": 10**6, "billions": 10**9,
    **_forms(10, "десятки", "десятков", "десятками"), **_forms(100, "сотни", "сотен", "сотнями"),
    **_forms(10**3, "тысячи", "тысячами"), **_forms(10**6, "миллионы", "миллионов", "миллионами"),
    **_forms(10**9, "миллиарды", "миллиардов"),
}
_VAGUE_OF = {"thousands": 10**3, "millions": 10**6, "billions": 10**9,  # "tens of thousands"
             "тысяч": 10**3, "миллионов": 10**6, "миллиардов": 10**9}  # «десятки тысяч»
# "a few hundred", "several thousand", «несколько сотен»: at least one of the unit named.
_FEW_UNITS = {"dozen": 12, "hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9,
              "десятков": 10, "сотен": 100, "тысяч": 10**3, "миллионов": 10**6, "миллиардов": 10**9}

_FRACTIONS_EN = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8,
    "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10,
}
_FRACTIONS_RU = {
    **_forms(2, "половина", "половину", "половины", "половиной"), **_forms(3, "треть", "трети", "третей"),
    **_forms(4, "четверть", "четверти", "четвертей"), **_forms(5, "пятая", "пятую", "пятых"),
    **_forms(10, "десятая", "десятую", "десятых"),
}
_ORDINALS_RU = {
    **_forms(2, "второй", "вторая", "второе"), **_forms(3, "третий", "третья", "третье"),
    **_forms(4, "четвёртый", "четвертый", "четвёртая", "четвертая", "четвёртое", "четвертое"),
    **_forms(5, "пятый", "пятая", "пятое"), **_forms(6, "шестой", "шестая", "шестое"),
    **_forms(7, "седьмой", "седьмая", "седьмое"), **_forms(8, "восьмой", "восьмая", "восьмое"),
    **_forms(9, "девятый", "девятая", "девятое"), **_forms(10, "десятый", "десятая", "десятое"),
}
_EVERY_RU = frozenset(("каждый", "каждая", "каждое", "каждого", "каждой"))
_FACTORS = {
    "doubled": 2, "doubling": 2, "tripled": 3, "tripling": 3, "trebled": 3, "quadrupled": 4, "halved": Decimal("0.5"),
    "twofold": 2, "threefold": 3, "вдвое": 2, "втрое": 3, "вчетверо": 4,
    **_forms(2, "удвоился", "удвоилась", "удвоилось", "удвоились", "удвоение", "удвоения"),
    **_forms(3, "утроился", "утроилась", "утроилось", "утроились"),
}
_ZERO_RU = frozenset(("одного", "одной", "один", "одна", "одно"))
_VULGAR_FRACTIONS = {"½": Decimal("0.5"), "¼": Decimal("0.25"), "¾": Decimal("0.75"), "⅛": Decimal("0.125"),
                     "⅜": Decimal("0.375"), "⅝": Decimal("0.625"), "⅞": Decimal("0.875"), "⅕": Decimal("0.2"),
                     "⅖": Decimal("0.4"), "⅗": Decimal("0.6"), "⅘": Decimal("0.8"), "⅒": Decimal("0.1")}
_SUPERSCRIPTS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹")
_ORDINAL_SUFFIXES = frozenset(("st", "nd", "rd", "th"))
_ORDINAL_SUFFIXES_RU = frozenset(("й", "го", "му", "м", "я", "е", "ю", "х", "ми", "ой", "ый", "ая", "ое", "ых", "ого",
                                  "ому", "ом"))

PERCENT = "percent"
_CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "₽": "RUB", "₸": "KZT", "₹": "INR", "₴": "UAH"}
_CURRENCY_CODES = frozenset(("USD", "EUR", "GBP", "RUB", "KZT", "INR", "CNY", "UAH"))
_CURRENCY_WORDS = {
    **_forms("USD", "dollar", "dollars", "доллар", "доллара", "долларов", "долларам", "долл"),
    **_forms("EUR", "euro", "euros", "евро"),
    **_forms("GBP", "sterling"),
    **_forms("RUB", "rouble", "roubles", "ruble", "rubles", "рубль", "рубля", "рублей", "руб"),
    **_forms("KZT", "tenge", "тенге", "тг"),
    **_forms("INR", "rupee", "rupees"),
    **_forms("CNY", "yuan"),
    **_forms("UAH", "hryvnia", "hryvnias", "гривна", "гривны", "гривен"),
}
_PERCENT_WORDS = frozenset(("percent", "pct", "процент", "процента", "процентов"))
_UNIT_SYMBOL_AFTER = {"%": PERCENT, "€": "EUR", "₽": "RUB", "₸": "KZT"}

# Qualifier phrases, as token sequences. Longest match wins ("no more than" before "more than").
_QUALIFIER_PHRASES = {
    Qualifier.AT_LEAST: [
        "no fewer than", "no less than", "not less than", "not fewer than", "a minimum of", "at least", "minimum",
        "не менее чем", "не меньше чем", "не менее", "не меньше", "как минимум", "минимум", "по меньшей мере",
        "по крайней мере", "≥",
    ],
    Qualifier.AT_MOST: [
        "no more than", "not more than", "no greater than", "a maximum of", "at most", "up to", "maximum",
        "as many as", "не более чем", "не больше чем", "не более", "не больше", "не свыше", "вплоть до", "максимум",
        "до", "≤",
    ],
    Qualifier.MORE_THAN: [
        "in excess of", "upwards of", "more than", "greater than", "over", "above", "beyond", "just over",
        "just above", "slightly more than", "slightly over", "a little over", "a little more than", "well over",
        "well above", "более чем", "больше чем", "более", "больше", "свыше", "чуть более", "чуть больше",
        "чуть свыше", "немногим более", "немногим больше", "слегка более", ">",
    ],
    Qualifier.LESS_THAN: [
        "fewer than", "less than", "under", "below", "nearly", "almost", "just under", "just below",
        "slightly less than", "slightly fewer than", "a little under", "a little less than", "not quite",
        "just short of", "менее чем", "меньше чем", "менее", "меньше", "почти", "чуть менее", "чуть меньше",
        "без малого", "немногим менее", "немногим меньше", "<",
    ],
    Qualifier.APPROXIMATE: [
        "approximately", "an estimated", "estimated", "roughly", "around", "about", "circa", "approx .", "approx",
        "some", "ca .", "c .", "close to", "in the region of", "on the order of", "of the order of", "около",
        "порядка", "примерно", "приблизительно", "ориентировочно", "где-то", "по оценкам", "по разным оценкам",
        "~", "≈",
    ],
}
_SUFFIX_PHRASES = {
    Qualifier.AT_LEAST: ["+", "- plus", "plus", "or more", "and more", "and above", "and over", "и более",
                         "или более", "и больше", "или больше"],
    Qualifier.AT_MOST: ["or less", "or fewer", "and under", "и менее", "или менее", "и меньше", "или меньше"],
    Qualifier.MORE_THAN: ["с лишним", "с небольшим", "odd", "- odd"],
    Qualifier.APPROXIMATE: ["or so"],
}


def _phrase_table(phrases: dict[str, list[str]]) -> dict:
    """A trie of the phrases' tokens: {word: {word: …, None: qualifier}}; a walk finds the longest."""
    trie: dict = {}
    for qualifier, texts in phrases.items():
        for text in texts:
            node = trie
            for word in text.replace("-", " - ").split():
                node = node.setdefault(word, {})
            node[None] = qualifier
    return trie


_PREFIXES = _phrase_table(_QUALIFIER_PHRASES)
_SUFFIXES = _phrase_table(_SUFFIX_PHRASES)

# Words that can begin a written-out amount.
_NUMBER_WORD_STARTS = frozenset(
    {*_UNITS_EN, *_TEENS_EN, *_TENS_EN, *_UNITS_RU, *_TEENS_RU, *_TENS_RU, *_HUNDREDS_RU, *_RUSSIAN_BARE_SCALES,
     *_HALF_RU, *_VAGUE, *_FRACTIONS_RU, *_EVERY_RU, "a", "an", "half", "several", "many", "few", "несколько", "not",
     "ни", *_FACTORS}
)
AMOUNT_START_WORDS = _NUMBER_WORD_STARTS | frozenset(_PREFIXES) | {"between", "from", "между", "от", "us",
                                                                    *(code.lower() for code in _CURRENCY_CODES)}
AMOUNT_START_SYMBOLS = frozenset(("$", "£", "€", "₽", "₸", "₹", "₴", "~", "≈", ">", "<", "≥", "≤", "-", "\u2212"))


# ---------------------------------------------------------------------------------------------- limits

def _shown(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= 60 else f"“{text[:57]}…”"


# Arithmetic on numbers read from bounded text, wide enough never to round: Decimal's default context
# keeps 28 digits, and a rounded 29-digit number could slip under the limits below.
EXACT = Context(prec=2000, Emax=10**6, Emin=-(10**6))


def exact(function):
    """Run the function with EXACT arithmetic."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with localcontext(EXACT):
            return function(*args, **kwargs)

    return wrapper


def _digits(number: Decimal) -> tuple[tuple[int, ...], int]:
    """The significant digits and exponent, trailing zeros dropped, without rounding."""
    _, digits, exponent = number.as_tuple()
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return digits, exponent


def _check_limits(number: Decimal, shown: str) -> None:
    if not number.is_finite():
        raise ParseError(f"{shown} is not a finite number")
    if not number:
        return
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ParseError(f"{shown} is too large to store exactly ({PRECISION_ALLOWED})")
    digits, exponent = _digits(number)
    if -exponent > MAX_DECIMAL_PLACES:
        raise ParseError(f"{shown} has {-exponent} decimal places; factbase stores numbers exactly as written, "
                         f"with {PRECISION_ALLOWED}")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise ParseError(f"{shown} has {len(digits)} significant digits; factbase stores numbers exactly as "
                         f"written, with {PRECISION_ALLOWED}")


def _canonical(number: Decimal) -> Decimal:
    """One spelling per number (2E+3 and 2000.0 become 2000) so values compare and print plainly."""
    digits, exponent = _digits(number)
    if not any(digits):
        return Decimal(0)
    return Decimal((number.is_signed(), digits, exponent)) if exponent < 0 else Decimal(int(number))


def _bound_length(text: str, limit: int, what: str) -> None:
    if len(text) > limit:
        raise ParseError(f"the {what} has {len(text):,} characters; at most {limit:,} are allowed")


# ---------------------------------------------------------------------------------------------- amounts

@dataclass(slots=True)
class Amount:
    """One quantity as written, before a qualifier places it."""

    number: Decimal  # the value; for a vague quantity its lower bound; for a share a percent
    kind: str  # "number", "vague", "share", "factor", "zero"
    exact: bool  # False when number is a share rounded to hundredths
    start: int  # token indices, end exclusive
    end: int
    unit: str | None = None
    base: Decimal | None = None  # the number before a trailing scale ("10" of "10 million")
    scale: int | None = None
    words: bool = False  # written in words
    plain: bool = False  # bare digits: no grouping, decimals, scale, sign or unit (a year? an article number?)
    prefix_unit: bool = False  # unit written before the number ($5)
    fraction: tuple[int, int] | None = None  # a share's numerator and denominator


@dataclass(slots=True)
class Phrase:
    """A qualifier and one or two amounts, with their place in the token list."""

    start: int
    end: int
    amounts: list[Amount]
    prefix: str | None = None
    suffix: str | None = None
    joined_by: str | None = None  # "from", "between" or None: how a range was written


class _Skip(ParseError):
    """Not a number here (extraction moves on); in a value text the message is shown.

    resume: the token extraction may move on to, past a run it has already read ("one two three").
    """

    def __init__(self, message: str, resume: int = 0):
        super().__init__(message)
        self.resume = resume


class Reader:
    """Reads amounts and qualifier phrases from tokens. strict: the whole text must be one value."""

    def __init__(self, text: str, tokens: list, *, decimal_comma: bool = False, relative: bool = False):
        self.text = text
        self.tokens = tokens
        self.n = len(tokens)
        self.decimal_comma = decimal_comma
        self.relative = relative

    # -- token helpers
    def kind(self, i: int) -> str | None:
        return self.tokens[i][0] if 0 <= i < self.n else None

    def low(self, i: int) -> str | None:
        return self.tokens[i][3] if 0 <= i < self.n else None

    def raw(self, i: int) -> str:
        token = self.tokens[i]
        return self.text[token[1]:token[2]]

    def glued(self, i: int) -> bool:
        """Token i touches the token before it."""
        return 0 < i < self.n and self.tokens[i - 1][2] == self.tokens[i][1]

    def word(self, i: int) -> str | None:
        return self.tokens[i][3] if 0 <= i < self.n and self.tokens[i][0] == WORD else None

    def span(self, start: int, end: int) -> str:
        end = min(end, self.n)
        return self.text[self.tokens[start][1]:self.tokens[end - 1][2]] if end > start else ""

    def match_words(self, i: int, words: tuple[str, ...]) -> bool:
        if i + len(words) > self.n:
            return False
        return all(self.tokens[i + k][3] == word for k, word in enumerate(words))

    def match_phrase(self, i: int, table: dict) -> tuple[str, int] | None:
        """The longest phrase of the table at token i: (qualifier, tokens it takes)."""
        node, found, k = table, None, i
        tokens, n = self.tokens, self.n
        while k < n:
            node = node.get(tokens[k][3])
            if node is None:
                break
            k += 1
            if None in node:
                found = (node[None], k - i)
        return found

    # -- numerals
    def numeral(self, i: int) -> tuple[Decimal, int, bool]:
        """Digits at token i with their grouping, decimals and exponent: (number, next token, plain)."""
        tokens, text = self.tokens, self.text
        first = tokens[i][3]
        if len(first) > _MAX_DIGIT_RUN:
            raise _Skip(f"{_shown(first)} is too large to store exactly ({PRECISION_ALLOWED})")
        integer, j, grouped = first, i + 1, False
        decimal_mark = "," if self.decimal_comma else "."
        group_marks = (".", "'") if self.decimal_comma else (",", "'")
        if len(first) <= 3 and not (len(first) > 1 and first[0] == "0") and first != "0":
            separator = None
            groups = 0
            while j < self.n:
                groups += 1
                if groups > _MAX_GROUPS:
                    raise _Skip(f"{_shown(self.span(i, j))}… is too large to store exactly ({PRECISION_ALLOWED})")
                token = tokens[j]
                if (token[0] == SYMBOL and token[3] in group_marks and tokens[j - 1][2] == token[1]
                        and self.kind(j + 1) == DIGITS and len(tokens[j + 1][3]) == 3 and self.glued(j + 1)
                        and separator in (None, token[3])):
                    separator, integer, j = token[3], integer + tokens[j + 1][3], j + 2
                    continue
                gap = text[tokens[j - 1][2]:token[1]]
                if (token[0] == DIGITS and len(token[3]) == 3 and len(gap) == 1 and gap in _SPACE_CHARS
                        and separator in (None, " ")):
                    separator, integer, j = " ", integer + token[3], j + 1
                    continue
                break
            grouped = separator is not None
        fraction = ""
        if self.low(j) == decimal_mark and self.glued(j) and self.kind(j + 1) == DIGITS and self.glued(j + 1):
            fraction, j = tokens[j + 1][3], j + 2
            if len(fraction) > _MAX_DIGIT_RUN:
                raise _Skip(f"{_shown(self.span(i, j))} has {len(fraction):,} decimal places; factbase stores "
                            f"numbers exactly as written, with {PRECISION_ALLOWED}")
        if self.low(j) in (".", ",") and self.glued(j) and self.kind(j + 1) == DIGITS and self.glued(j + 1):
            shown = _shown(self.span(i, j + 2))
            if self.low(j) == "," and not self.decimal_comma:
                raise _Skip(f"{shown} has a comma that is not a thousands separator; if the file writes decimals "
                            "with a comma (0,332), declare it decimal-comma")
            if self.decimal_comma:
                raise _Skip(f"{shown} is not a number written with a decimal comma (like 0,332 or 1.234,5)")
            raise _Skip(f"{shown} is not a number")
        exponent = ""
        if self.low(j) == "e" and self.glued(j):
            k, sign = j + 1, ""
            if self.low(k) in ("+", "-") and self.glued(k):
                sign, k = self.low(k), k + 1
            if self.kind(k) == DIGITS and self.glued(k) and not (self.kind(k + 1) == WORD and self.glued(k + 1)):
                if len(tokens[k][3]) > 3:
                    raise _Skip(f"{_shown(self.span(i, k + 1))} is too large to store exactly ({PRECISION_ALLOWED})")
                exponent, j = sign + tokens[k][3], k + 1
        number = Decimal(integer + ("." + fraction if fraction else "") + ("E" + exponent if exponent else ""))
        return number, j, not (grouped or fraction or exponent)

    def amount(self, i: int) -> Amount | None:
        """One amount at token i (a numeral, number words, a vague quantity, a share…), or None."""
        start, unit, prefix_unit = i, None, False
        kind, low = self.kind(i), self.low(i)
        if kind == SYMBOL and low in _CURRENCY_SYMBOLS and self.kind(i + 1) in (DIGITS, SYMBOL):
            unit, prefix_unit, i = _CURRENCY_SYMBOLS[low], True, i + 1
        elif low == "us" and self.low(i + 1) == "$" and self.glued(i + 1):
            unit, prefix_unit, i = "USD", True, i + 2
        elif kind == WORD and self.raw(i) in _CURRENCY_CODES and self.kind(i + 1) == DIGITS:
            unit, prefix_unit, i = self.raw(i), True, i + 1
        negative = False
        if (unit is None and self.low(i) in _MINUS and self.low(i + 1) in _CURRENCY_SYMBOLS
                and self.kind(i + 2) == DIGITS):  # "-$5"
            unit, prefix_unit, negative, i = _CURRENCY_SYMBOLS[self.low(i + 1)], True, True, i + 2
        elif self.kind(i) == SYMBOL and self.low(i) in _SIGNS and self.kind(i + 1) == DIGITS and self.glued(i + 1):
            before = self.kind(i - 1)
            if i == start and before in (DIGITS, WORD) and self.glued(i):
                return None  # "COVID-19", "59-62": not a sign
            negative, i = self.low(i) != "+", i + 1
        if unit is None and self.low(i) in _CURRENCY_SYMBOLS and self.kind(i + 1) == DIGITS and negative:
            unit, prefix_unit, i = _CURRENCY_SYMBOLS[self.low(i)], True, i + 1
        kind = self.kind(i)
        if kind == DIGITS:
            found = self.numeral_amount(i)
        elif kind == WORD:
            if unit is not None or negative:
                return None
            found = self.word_amount(i)
        else:
            return None
        if found is None:
            return None
        found.start = start
        if negative:
            found.number, found.plain = -found.number, False
            if found.base is not None:
                found.base = -found.base
        if unit is not None:
            found.unit, found.prefix_unit, found.plain = unit, prefix_unit, False
        self.unit_after(found)
        return found

    def numeral_amount(self, i: int) -> Amount:
        number, j, plain = self.numeral(i)
        token = self.tokens[j] if j < self.n else None
        scale = None
        if token is not None and token[0] == WORD and self.glued(j):
            low = token[3]
            if low in _GLUED_SCALES:
                scale, j = _GLUED_SCALES[low], j + 1
            elif low in _VULGAR_FRACTIONS and plain:
                return Amount(number + _VULGAR_FRACTIONS[low], "number", True, i, j + 1)
            elif low in _ORDINAL_SUFFIXES:
                raise _Skip(f"{_shown(self.span(i, j + 1))} is an ordinal (a rank), not a quantity")
            elif low == "s" and plain:
                raise _Skip(f"{_shown(self.span(i, j + 1))} is a decade, not a quantity")
            elif all(char in _SUPERSCRIPTS for char in low):
                raise _Skip(f"{_shown(self.span(i, j + 1))}: superscript powers are not read; write the number out "
                            "(10² is 100)")
            elif low[0] in _VULGAR_FRACTIONS:
                raise _Skip(f"{_shown(self.span(i, j + 1))}: write the fraction as a decimal (1½ is 1.5)")
            elif low not in _PERCENT_WORDS and low not in _CURRENCY_WORDS:
                raise _Skip(f"{_shown(self.span(i, self.glued_run(j)))} is not a number: “{self.raw(j)}” right "
                            "after the digits is neither a scale (k, m, bn) nor a unit")
        elif token is not None and token[0] == WORD and (token[3] in _SCALE_WORDS or token[3] in _SPACED_SCALES):
            scale = _SCALE_WORDS.get(token[3]) or _SPACED_SCALES[token[3]]
            j += 1
        elif token is not None and token[3] == "hundred":
            scale, j = 100, j + 1
        elif token is not None and token[3] in ("/", "⁄") and self.glued(j) and self.kind(j + 1) == DIGITS:
            raise _Skip(f"{_shown(self.span(i, j + 2))} is a fraction or a date; write a decimal (0.75) or a "
                        "percent (75%)")
        elif token is not None and token[3] in _VULGAR_FRACTIONS and self.glued(j):
            if plain:
                return Amount(number + _VULGAR_FRACTIONS[token[3]], "number", True, i, j + 1)
        elif token is not None and token[0] == SYMBOL and token[3] in _SUPERSCRIPTS | {"⁄"} and self.glued(j):
            raise _Skip(f"{_shown(self.span(i, j + 1))}: superscript powers are not read; write the number out")
        if scale is not None and self.low(j) == "." and self.glued(j) and self.low(j - 1) in ("тыс", "млн", "млрд",
                                                                                          "трлн", "mln"):
            j += 1  # "тыс." – the dot belongs to the abbreviation
        if scale is None and self.word(j) in ("in", "out") and plain:
            share = self.share_of_every(i, j, int(number))
            if share is not None:
                return share
        if scale is not None:
            return Amount(number * scale, "number", True, i, j, base=number, scale=scale)
        return Amount(number, "number", True, i, j, plain=plain)

    def unit_after(self, found: Amount) -> None:
        """A unit written after the amount: %, percent, per cent, dollars, тенге, USD…"""
        j = found.end
        unit, k = None, j
        low, kind = self.low(j), self.kind(j)
        if kind == SYMBOL and low in _UNIT_SYMBOL_AFTER:
            unit, k = _UNIT_SYMBOL_AFTER[low], j + 1
        elif kind == WORD and low in _PERCENT_WORDS:
            unit, k = PERCENT, j + 1
        elif low == "per" and self.low(j + 1) == "cent":
            unit, k = PERCENT, j + 2
        elif kind == WORD and low in _CURRENCY_WORDS:
            unit, k = _CURRENCY_WORDS[low], j + 1
            if low in ("долл", "руб") and self.low(k) == "." and self.glued(k):
                k += 1
        elif low == "us" and self.low(j + 1) in ("dollar", "dollars"):
            unit, k = "USD", j + 2
        elif low == "pounds" and self.low(j + 1) == "sterling":
            unit, k = "GBP", j + 2
        elif kind == WORD and self.raw(j) in _CURRENCY_CODES:
            unit, k = self.raw(j), j + 1
        if unit is None:
            return
        if found.kind in ("vague", "zero", "factor") or (found.kind == "share" and unit != PERCENT):
            return
        if found.unit is not None and found.unit != unit:
            raise _Skip(f"{_shown(self.span(found.start, k))} names two units ({found.unit} and {unit})")
        found.unit, found.end, found.plain = unit, k, False

    def share_of_every(self, i: int, j: int, numerator: int) -> Amount | None:
        """ "one in every seven", "1 in 7", "two out of three": a share of a whole."""
        k = j + 1
        if self.word(j) == "out":
            if self.word(k) != "of":
                return None
            k += 1
        if self.word(k) == "every":
            k += 1
        if self.kind(k) == DIGITS:
            denominator, end, plain = self.numeral(k)
            if not plain:
                return None
        else:
            words = self.cardinal(k)
            if words is None:
                return None
            denominator, end = Decimal(words[0]), words[1]
        if not 0 < numerator <= denominator:
            return None
        return self.share(numerator, int(denominator), i, end)

    def share(self, numerator: int, denominator: int, start: int, end: int) -> Amount:
        percent = Decimal(100 * numerator) / Decimal(denominator)
        exact = percent * denominator == 100 * numerator and -percent.normalize().as_tuple().exponent <= 10
        if not exact:
            percent = percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        return Amount(percent, "share", exact, start, end, unit=PERCENT, words=True,
                      fraction=(numerator, denominator))

    # -- words
    def cardinal(self, i: int) -> tuple[int, int, int | None, int | None] | None:
        """Number words at token i: (value, next token, base, scale), or None.

        "two hundred and forty", "twenty-five thousand", «двадцать тысяч». A sequence that cannot be
        one number ("one two three", "thousand thousand") is refused, never added up.
        """
        total = group = 0
        stage = "start"
        last_scale = None
        a_pending = False
        j = i
        base = scale = None
        groups_closed = 0
        limit = min(self.n, i + _MAX_NUMBER_WORDS)
        while j < limit:
            token = self.tokens[j]
            low = token[3]
            if token[0] == SYMBOL:
                # "twenty-five": a hyphen joins tens and units only.
                if (low in _DASHES and stage == "tens" and self.glued(j) and self.glued(j + 1)
                        and self.low(j + 1) in _UNITS_EN and _UNITS_EN[self.low(j + 1)] > 0):
                    j += 1
                    continue
                break
            if token[0] != WORD:
                break
            if low in ("a", "an"):
                if stage != "start" or a_pending:
                    break
                following = self.low(j + 1)
                if following in ("hundred", "dozen") or following in _SCALE_WORDS:
                    a_pending, j = True, j + 1
                    continue
                break
            if low in _UNITS_EN or low in _UNITS_RU:
                value = _UNITS_EN.get(low, _UNITS_RU.get(low))
                if stage in ("start", "hundred", "and", "scale", "scale_and"):
                    if value == 0 and stage != "start":
                        break
                    group += value
                    stage = "unit" if value else "zero"
                elif stage == "tens" and value:
                    group += value
                    stage = "tens_unit"
                else:
                    self.not_one_number(i, j)
                    break
            elif low in _TEENS_EN or low in _TEENS_RU:
                if stage not in ("start", "hundred", "and", "scale", "scale_and"):
                    self.not_one_number(i, j)
                    break
                group += _TEENS_EN.get(low, _TEENS_RU.get(low))
                stage = "teen"
            elif low in _TENS_EN or low in _TENS_RU:
                if stage not in ("start", "hundred", "and", "scale", "scale_and"):
                    self.not_one_number(i, j)
                    break
                group += _TENS_EN.get(low, _TENS_RU.get(low))
                stage = "tens"
            elif low in _HUNDREDS_RU:
                if stage not in ("start", "scale"):
                    self.not_one_number(i, j)
                    break
                group += _HUNDREDS_RU[low]
                stage = "hundred"
            elif low == "hundred":
                if a_pending and stage == "start":
                    group, a_pending = 100, False
                elif stage in ("unit", "teen") and group < 100:
                    group *= 100
                else:
                    self.not_one_number(i, j)
                    break
                stage = "hundred"
            elif low == "and":
                if stage in ("hundred", "scale") and (
                    self.low(j + 1) in _UNITS_EN or self.low(j + 1) in _TEENS_EN or self.low(j + 1) in _TENS_EN
                ) and self.low(j + 1) != "zero":
                    stage = "and" if stage == "hundred" else "scale_and"
                    j += 1
                    continue
                break
            elif low in _SCALE_WORDS:
                value = _SCALE_WORDS[low]
                if a_pending and stage == "start":
                    group, a_pending = 1, False
                elif stage == "start" and low in _RUSSIAN_BARE_SCALES:
                    group = 1
                elif stage in ("start", "scale", "scale_and", "and", "zero"):
                    if stage == "start" and low in ("thousand", "million", "billion", "trillion"):
                        raise _Skip(f"{_shown(self.raw(j))} needs a number before it (a {low}, one {low}, 1 {low})")
                    self.not_one_number(i, j)
                    break
                if last_scale is not None and value >= last_scale:
                    raise _Skip(f"{_shown(self.span(i, j + 1))} is not one number: “{self.raw(j)}” cannot follow "
                                "a larger or equal scale")
                base, scale = (Decimal(group), value) if groups_closed == 0 and total == 0 else (None, None)
                total += group * value
                group, last_scale, stage = 0, value, "scale"
                groups_closed += 1
            elif low == "dozen":
                if a_pending and stage == "start":
                    group = 1
                elif stage not in ("unit", "teen", "tens", "tens_unit") or total:
                    break
                return (group * 12, j + 1, None, None)
            else:
                break
            j += 1
        if stage in ("start",):
            return None
        if stage == "zero" and (total or group):
            return None
        if group and scale is not None:
            base = scale = None  # "two thousand five": the scale does not end the number
        return (total + group, j, base, scale)

    def not_one_number(self, start: int, at: int) -> None:
        end = at + 1
        while end < min(self.n, at + _MAX_NUMBER_WORDS) and self.kind(end) == WORD and (
                self.low(end) in _NUMBER_WORD_STARTS or self.low(end) in _SCALE_WORDS):
            end += 1
        raise _Skip(f"{_shown(self.span(start, end))} is not one number; write it as one (two hundred and "
                    "forty, 240) or as a range (10–20)", resume=end)

    def glued_run(self, i: int) -> int:
        """The end of the run of tokens glued to token i ("0x10", "10km")."""
        end = i + 1
        while end < self.n and self.glued(end) and end < i + 10:
            end += 1
        return end

    def word_amount(self, i: int) -> Amount | None:
        low = self.low(i)
        # Zero: "not a single", "not been a single", «ни одного».
        if low == "not":
            k = i + 1
            if self.low(k) in ("been", "even"):
                k += 1
            if self.match_words(k, ("a", "single")) or self.match_words(k, ("one", "single")):
                return Amount(Decimal(0), "zero", True, i, k + 2, words=True)
            if self.low(k) == "one" and self.kind(k + 1) != SYMBOL:
                return Amount(Decimal(0), "zero", True, i, k + 1, words=True)
            return None
        if low == "ни":
            if self.low(i + 1) in _ZERO_RU:
                return Amount(Decimal(0), "zero", True, i, i + 2, words=True)
            return None
        if low in _FACTORS:
            return Amount(Decimal(_FACTORS[low]), "factor", True, i, i + 1, words=True)
        if low in _EVERY_RU and self.low(i + 1) in _ORDINALS_RU:
            return self.share(1, _ORDINALS_RU[self.low(i + 1)], i, i + 2)
        if low in _HALF_RU:
            if self.word(i + 1) in _SCALE_WORDS:
                scale = _SCALE_WORDS[self.low(i + 1)]
                return Amount(_HALF_RU[low] * scale, "number", True, i, i + 2, words=True)
            return None
        vague = self.vague(i)
        if vague is not None:
            return vague
        if low == "half" or low in _FRACTIONS_RU:
            return self.fraction(i, i, 1)
        if low in ("a", "an") and self.low(i + 1) in _FRACTIONS_EN:
            return self.fraction(i, i + 1, 1)
        found = self.cardinal(i)
        if found is None:
            return None
        value, j, base, scale = found
        # "one and a half million"
        if scale is None and self.match_words(j, ("and", "a", "half")) and self.word(j + 3) in _SCALE_WORDS:
            scale = _SCALE_WORDS[self.low(j + 3)]
            return Amount((Decimal(value) + Decimal("0.5")) * scale, "number", True, i, j + 4, words=True)
        # "two thirds", "one quarter of a million", «две трети»
        fraction_word = self.low(j)
        if (scale is None and (fraction_word in _FRACTIONS_EN or fraction_word in _FRACTIONS_RU) and 0 < value < 100
                and fraction_word not in ("half", "halves")):
            return self.fraction(i, j, value)
        # "one in every seven"
        if scale is None and self.word(j) in ("in", "out") and value:
            share = self.share_of_every(i, j, value)
            if share is not None:
                return share
        return Amount(Decimal(value), "number", True, i, j, base=base, scale=scale, words=True)

    def fraction(self, start: int, j: int, numerator: int) -> Amount:
        """A fraction word at token j: of a scale ("half a million") or a share ("a third")."""
        low = self.low(j)
        denominator = _FRACTIONS_EN.get(low) or _FRACTIONS_RU.get(low)
        k = j + 1
        # "half a million", "a quarter of a million", "half a dozen"
        if self.low(k) == "of" and self.low(k + 1) in ("a", "an"):
            k += 1
        if self.low(k) in ("a", "an") and (self.word(k + 1) in _SCALE_WORDS or self.low(k + 1) in ("dozen",
                                                                                                  "hundred")):
            scale = 12 if self.low(k + 1) == "dozen" else 100 if self.low(k + 1) == "hundred" else _SCALE_WORDS[
                self.low(k + 1)]
            number = Decimal(numerator * scale) / Decimal(denominator)
            exact = number * denominator == numerator * scale
            if not exact:
                number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
            return Amount(number, "number", exact, start, k + 2, words=True)
        if self.word(k) in _SCALE_WORDS and low in ("quarter", "half"):  # "a quarter million"
            number = Decimal(numerator * _SCALE_WORDS[self.low(k)]) / Decimal(denominator)
            return Amount(number, "number", True, start, k + 1, words=True)
        return self.share(numerator, denominator, start, j + 1)

    def vague(self, i: int) -> Amount | None:
        """ "dozens", "hundreds of thousands", "a few hundred", «десятки тысяч»: a lower bound."""
        low = self.low(i)
        k = i
        if low in ("a", "few", "several", "many", "несколько"):
            if low == "a":
                if self.low(i + 1) != "few":
                    return None
                k = i + 1
            unit_word = self.low(k + 1)
            if unit_word in _FEW_UNITS:
                number, end = _FEW_UNITS[unit_word], k + 2
            elif low == "many" and unit_word in _VAGUE:
                number, end = _VAGUE[unit_word], k + 2
            else:
                return None
        elif low in _VAGUE:
            number, end = _VAGUE[low], i + 1
        else:
            return None
        if self.low(end) == "of" and self.low(end + 1) in _VAGUE_OF:
            number, end = number * _VAGUE_OF[self.low(end + 1)], end + 2
        elif self.low(end) in _VAGUE_OF and self.low(end) not in ("thousands", "millions", "billions"):
            number, end = number * _VAGUE_OF[self.low(end)], end + 1
        return Amount(Decimal(number), "vague", True, i, end, words=True)

    # -- phrases
    def phrase(self, i: int) -> Phrase | None:
        """A qualifier, then one amount or a range of two, then perhaps a qualifier after it."""
        start = i
        prefix = None
        matched = self.match_phrase(i, _PREFIXES)
        if matched is not None:
            prefix, taken = matched
            i += taken
        low = self.low(i)
        joined_by = None
        if low in ("between", "from", "между", "от") and self.kind(i + 1) in (DIGITS, WORD, SYMBOL):
            first = self.amount(i + 1)
            if first is None:
                return None
            separator = self.low(first.end)
            wanted = {"between": ("and", "-"), "между": ("и",), "from": ("to",), "от": ("до",)}[low]
            if separator in wanted or separator in _DASHES:
                second = self.amount(first.end + 1)
                if second is not None:
                    joined_by = "between" if low in ("between", "между") else "from"
                    return self.finish(Phrase(start, second.end, [first, second], prefix, joined_by=joined_by))
            if low in ("between", "между"):
                raise _Skip(f"{_shown(self.span(start, first.end + 1))}: “between” needs two numbers (between 2 "
                            "and 3)")
            # "From 0.291 (official figures), the coefficient went to 0.332": "from" is no part of the value.
            return self.finish(Phrase(first.start, first.end, [first], prefix))
        first = self.amount(i)
        if first is None:
            return None
        amounts = [first]
        separator = first.end
        sep_low, sep_kind = self.low(separator), self.kind(separator)
        if (sep_kind == SYMBOL and sep_low in _DASHES) or sep_low == "to":
            second = self.amount(separator + 1)
            if second is not None and (sep_low != "to" or second.kind != "share"):
                amounts.append(second)
        return self.finish(Phrase(start, amounts[-1].end, amounts, prefix))

    def finish(self, phrase: Phrase) -> Phrase:
        if len(phrase.amounts) == 1:
            matched = self.match_phrase(phrase.end, _SUFFIXES)
            if matched is not None:
                suffix, taken = matched
                low = self.low(phrase.end)
                # A "+" counts only glued to the number ("243+"); "70 plus 5" is arithmetic, not "70-plus".
                arithmetic = low == "plus" and self.kind(phrase.end + 1) == DIGITS
                if (low != "+" or self.glued(phrase.end)) and not arithmetic:
                    phrase.suffix, phrase.end = suffix, phrase.end + taken
        return phrase


# ---------------------------------------------------------------------------------------------- settling a phrase

def _outward(number: Decimal, upper: bool) -> Decimal:
    return number.quantize(Decimal("0.01"), rounding=ROUND_CEILING if upper else ROUND_FLOOR)


def _share_bound(amount: Amount, upper: bool) -> Decimal:
    """An inexact share as a bound, rounded outwards so that the bound stays true."""
    if amount.exact or amount.fraction is None:
        return amount.number
    numerator, denominator = amount.fraction
    return _outward(Decimal(100 * numerator) / Decimal(denominator), upper)


def _qualifier_name(qualifier: str) -> str:
    return qualifier.replace("_", " ")


def settle(phrase: Phrase, shown: str, *, relative: bool = False) -> ParsedValue:
    """Place the phrase's amounts by its qualifiers: the ParsedValue it means."""
    prefix, suffix = phrase.prefix, phrase.suffix
    if prefix and suffix and prefix != suffix and Qualifier.APPROXIMATE not in (prefix, suffix):
        raise ParseError(f"{shown}: “{_qualifier_name(prefix)}” before the number and “{_qualifier_name(suffix)}” "
                         "after it contradict each other")
    qualifier = prefix if prefix not in (None, Qualifier.APPROXIMATE) else suffix or prefix
    for amount in phrase.amounts:
        if amount.kind in ("share", "factor") and not relative:
            what = "a share of a whole" if amount.kind == "share" else "a change (a factor), not an amount"
            raise ParseError(f"{shown} is {what}; give the value and bounds by hand (a third: about 33.33 on a "
                             "percent metric)")
    if len(phrase.amounts) == 2:
        return _settle_range(phrase, shown, qualifier)
    amount = phrase.amounts[0]
    unit = amount.unit
    if amount.kind == "vague":
        if qualifier in (Qualifier.LESS_THAN, Qualifier.AT_MOST):
            raise ParseError(f"{shown}: a vague quantity is a lower bound and cannot also be "
                             f"“{_qualifier_name(qualifier)}”")
        qualifier = qualifier if qualifier in (Qualifier.MORE_THAN, Qualifier.AT_LEAST) else Qualifier.AT_LEAST
        return _checked(ParsedValue(qualifier, None, amount.number, None, unit), shown)
    if amount.kind == "zero" and qualifier not in (None, Qualifier.EXACT):
        raise ParseError(f"{shown}: “not a single” is exactly zero and cannot be “{_qualifier_name(qualifier)}”")
    qualifier = qualifier or Qualifier.EXACT
    if not amount.exact:
        if qualifier == Qualifier.EXACT:
            qualifier = Qualifier.APPROXIMATE
        if qualifier in (Qualifier.MORE_THAN, Qualifier.AT_LEAST):
            return _checked(ParsedValue(qualifier, None, _share_bound(amount, False), None, unit), shown)
        if qualifier in (Qualifier.LESS_THAN, Qualifier.AT_MOST):
            return _checked(ParsedValue(qualifier, None, None, _share_bound(amount, True), unit), shown)
    return _checked(bounds_for(qualifier, amount.number, unit), shown)


def _settle_range(phrase: Phrase, shown: str, qualifier: str | None) -> ParsedValue:
    first, second = phrase.amounts
    if qualifier not in (None, Qualifier.APPROXIMATE):
        raise ParseError(f"{shown}: a range cannot also be “{_qualifier_name(qualifier)}”")
    if first.kind != "number" or second.kind != "number" or not (first.exact and second.exact):
        raise ParseError(f"{shown}: only a range of two numbers is read (16–20, 5 to 10 million)")
    lower, upper = first.number, second.number
    # "5 to 10 million": a scale written once applies to both ends, unless the first end is already larger.
    if first.scale is None and second.scale is not None and second.base is not None and first.number < second.base:
        lower = first.number * second.scale
    units = {first.unit, second.unit} - {None}
    if len(units) > 1:
        raise ParseError(f"{shown}: the two ends name different units ({' and '.join(sorted(units))})")
    if lower > upper:
        raise ParseError(f"{shown}: the range runs backwards ({_plain(lower)} is above {_plain(upper)})")
    return _checked(ParsedValue(Qualifier.RANGE, None, lower, upper, units.pop() if units else None), shown)


def _checked(parsed: ParsedValue, shown: str) -> ParsedValue:
    numbers = {}
    for name in ("value", "lower", "upper"):
        number = getattr(parsed, name)
        if number is not None:
            _check_limits(number, shown)
            number = _canonical(number)
        numbers[name] = number
    return ParsedValue(parsed.qualifier, numbers["value"], numbers["lower"], numbers["upper"], parsed.unit)


def _plain(number: Decimal) -> str:
    return format(_canonical(number), "f")


# ---------------------------------------------------------------------------------------------- public API: values

@exact
def parse_number(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Parse one number: "1,234", "1 234", "0,332" (decimal comma only when declared), "1.5e6"."""
    raw = "" if text is None else str(text)
    _bound_length(raw, MAX_NUMBER_LENGTH, "number")
    raw = raw.strip()
    tokens = tokenize(raw)
    reader = Reader(raw, tokens, decimal_comma=decimal_comma)
    i, negative = 0, False
    if reader.kind(0) == SYMBOL and reader.low(0) in _MINUS | {"+"} and reader.kind(1) == DIGITS:
        negative, i = reader.low(0) != "+", 1
    if reader.kind(i) != DIGITS:
        raise ParseError(f"{_shown(raw)} is not a number")
    number, end, _ = reader.numeral(i)
    if end != len(tokens):
        raise ParseError(f"{_shown(raw)} is not a number")
    _check_limits(number, _shown(raw))
    return _canonical(-number if negative else number)


@exact
def parse_number_words(text: str) -> Decimal:
    """Parse number words: "twenty thousand", "a million", "two hundred and forty", «двадцать тысяч»."""
    raw = "" if text is None else str(text)
    _bound_length(raw, MAX_VALUE_TEXT_LENGTH, "number")
    tokens = tokenize(raw)
    reader = Reader(raw, tokens)
    amount = reader.word_amount(0) if reader.kind(0) == WORD else None
    if amount is None or amount.end != len(tokens) or amount.kind != "number" or not amount.exact:
        raise ParseError(f"{_shown(raw)} is not a number written in words")
    _check_limits(amount.number, _shown(raw))
    return _canonical(amount.number)


@exact
def parse_value_text(text: str, *, decimal_comma: bool = False, relative: bool = False) -> ParsedValue:
    """Read a figure as written into qualifier, value, bounds and unit.

    Words after the number ("more than 70 strikers") are allowed and ignored, unless they hold
    another number. relative=True also reads shares and factors (see the module's notes).
    """
    original = "" if text is None else str(text)
    _bound_length(original, MAX_VALUE_TEXT_LENGTH, "value text")
    original = original.strip()
    if not original:
        raise ParseError("the value is empty")
    shown = _shown(original)
    tokens = tokenize(original)
    reader = Reader(original, tokens, decimal_comma=decimal_comma, relative=relative)
    phrase = reader.phrase(0)
    if phrase is None:
        raise ParseError(f"{shown} is not a number (expected e.g. 1,234, 43.7%, more than 70, 16–20)")
    if phrase.start != 0:
        raise ParseError(f"{shown} is not a number (expected e.g. 1,234, 43.7%, more than 70, 16–20)")
    if len(phrase.amounts) == 2 and reader.match_phrase(phrase.end, _SUFFIXES):
        raise ParseError(f"{shown}: a range cannot also be “{reader.span(phrase.end, phrase.end + 1)}”")
    _refuse_a_second_number(reader, phrase.end, shown)
    return settle(phrase, shown, relative=relative)


def _refuse_a_second_number(reader: Reader, start: int, shown: str) -> None:
    for i in range(start, reader.n):
        kind, low = reader.kind(i), reader.low(i)
        if kind == DIGITS or (kind == WORD and low not in ("a", "an", "ни", "not", "many", "few") and (
                low in _NUMBER_WORD_STARTS or low in _SCALE_WORDS or low in ("hundred", "dozen"))):
            what = "a range as 16–20" if kind == DIGITS else "one number"
            raise ParseError(f"{shown} holds more than one number; write {what}")


def bounds_for(qualifier: str, number: Decimal, unit: str | None = None) -> ParsedValue:
    """Place a single number by its qualifier: "more than 70" is a lower bound, not a value."""
    if qualifier in (Qualifier.MORE_THAN, Qualifier.AT_LEAST):
        return ParsedValue(qualifier, None, number, None, unit)
    if qualifier in (Qualifier.LESS_THAN, Qualifier.AT_MOST):
        return ParsedValue(qualifier, None, None, number, unit)
    return ParsedValue(qualifier, number, None, None, unit)


_UNIT_BEFORE = {"USD": "$", "GBP": "£", "EUR": "€"}
_QUALIFIER_WORDS = {Qualifier.APPROXIMATE: "about", Qualifier.MORE_THAN: "more than",
                    Qualifier.AT_LEAST: "at least", Qualifier.LESS_THAN: "less than", Qualifier.AT_MOST: "at most"}


@exact
def format_value(parsed: ParsedValue) -> str:
    """The text of a parsed value: "more than 70", "16–20", "about 0.42", "43.7%", "$320000000".

    parse_value_text(format_value(p)) == p for every value the parser returns.
    """
    unit = parsed.unit

    def amount(number: Decimal) -> str:
        written = _plain(number)
        if unit == PERCENT:
            return f"{written}%"
        if unit in _UNIT_BEFORE:
            sign, written = ("-", written[1:]) if written.startswith("-") else ("", written)
            return f"{sign}{_UNIT_BEFORE[unit]}{written}"
        return f"{written} {unit}" if unit else written

    if parsed.qualifier == Qualifier.RANGE:
        if parsed.lower < 0 or parsed.upper < 0:
            return f"between {amount(parsed.lower)} and {amount(parsed.upper)}"
        if unit == PERCENT or unit not in _UNIT_BEFORE:  # "16–20", "3–13%", "5–10 KZT"
            first = _plain(parsed.lower)
            return f"{first}–{amount(parsed.upper)}"
        return f"{amount(parsed.lower)}–{amount(parsed.upper)}"
    if parsed.qualifier == Qualifier.EXACT:
        return amount(parsed.value)
    number = parsed.value if parsed.value is not None else (
        parsed.lower if parsed.lower is not None else parsed.upper)
    return f"{_QUALIFIER_WORDS[parsed.qualifier]} {amount(number)}"


# ---------------------------------------------------------------------------------------------- periods

_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
_MONTHS.update({"sept": 9})
_MONTHS.update({name: index for index, names in enumerate(
    [(), ("январь", "января", "янв"), ("февраль", "февраля", "фев"), ("март", "марта", "мар"),
     ("апрель", "апреля", "апр"), ("май", "мая"), ("июнь", "июня", "июн"), ("июль", "июля", "июл"),
     ("август", "августа", "авг"), ("сентябрь", "сентября", "сен", "сент"), ("октябрь", "октября", "окт"),
     ("ноябрь", "ноября", "ноя", "нояб"), ("декабрь", "декабря", "дек")]) for name in names})
MONTH_WORDS = frozenset(_MONTHS)
_YEAR_WORDS = frozenset(("г", "года", "год", "году"))
_PERIOD_EXAMPLES = "expected e.g. 2011, Dec 2011, 16 December 2011, 2011-12, 2011-12-16, Q3 2020, 2021–2022"


def _real_date(year: int, month: int, day: int) -> date:
    if year == 0:
        raise ParseError("year 0 does not exist; years run from 1")
    if not 1 <= month <= 12:
        raise ParseError(f"there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ParseError(f"{calendar.month_name[month]} {year} has no day {day} (it has {last} days)")
    return date(year, month, day)


def _year_of(reader: Reader, i: int) -> int | None:
    token = reader.tokens[i] if i < reader.n else None
    if token is None or token[0] != DIGITS or len(token[3]) != 4:
        return None
    return int(token[3])


def _month_of(reader: Reader, i: int) -> tuple[int, int] | None:
    """A month name at token i (with its abbreviation's dot): (month, next token)."""
    low = reader.word(i)
    if low is None or low not in _MONTHS:
        return None
    j = i + 1
    if reader.low(j) == "." and reader.glued(j):
        j += 1
    return _MONTHS[low], j


def _quarter_of(reader: Reader, i: int, end: int) -> Period | None:
    """"Q3 2020" or "2020 Q3" filling tokens i..end: July to September 2020, at month precision."""
    if end - i != 3:
        return None
    if reader.low(i) == "q" and reader.glued(i + 1):
        number, year = reader.low(i + 1), _year_of(reader, i + 2)
    elif reader.low(i + 1) == "q" and reader.glued(i + 2):
        number, year = reader.low(i + 2), _year_of(reader, i)
    else:
        return None
    if year is None or number not in ("1", "2", "3", "4"):
        return None
    first_month = 3 * int(number) - 2
    return Period(_real_date(year, first_month, 1),
                  _real_date(year, first_month + 2, calendar.monthrange(year, first_month + 2)[1]), Precision.MONTH)


def _single_period(reader: Reader, i: int, end: int) -> Period | None:
    """One date, month or year filling tokens i..end exactly, or None."""
    low = reader.low
    if reader.low(end - 1) in _YEAR_WORDS or (reader.low(end - 1) == "." and reader.low(end - 2) == "г"):
        end -= 2 if reader.low(end - 1) == "." else 1  # «2011 г.», «2011 года»
    if end <= i:
        return None
    count = end - i
    if (quarter := _quarter_of(reader, i, end)) is not None:
        return quarter
    year = _year_of(reader, i)
    if year is not None:
        if count == 1:
            return Period(_real_date(year, 1, 1), date(year, 12, 31), Precision.YEAR)
        # 2011-12, 2011-12-16
        if count in (3, 5) and low(i + 1) == "-" and reader.kind(i + 2) == DIGITS and len(low(i + 2)) <= 2 and all(
                reader.glued(k) for k in range(i + 1, end)):
            month = int(low(i + 2))
            if count == 3:
                first = _real_date(year, month, 1)
                return Period(first, _real_date(year, month, calendar.monthrange(year, month)[1]), Precision.MONTH)
            if low(i + 3) == "-" and reader.kind(i + 4) == DIGITS and len(low(i + 4)) <= 2:
                day = _real_date(year, month, int(low(i + 4)))
                return Period(day, day, Precision.DAY)
        return None
    # 16.12.2011
    if (count == 5 and reader.kind(i) == DIGITS and low(i + 1) == "." and reader.kind(i + 2) == DIGITS
            and low(i + 3) == "." and _year_of(reader, i + 4) is not None and len(low(i)) <= 2
            and len(low(i + 2)) <= 2 and all(reader.glued(k) for k in range(i + 1, end))):
        day = _real_date(_year_of(reader, i + 4), int(low(i + 2)), int(low(i)))
        return Period(day, day, Precision.DAY)
    # Dec 2011, December 16, 2011
    month = _month_of(reader, i)
    if month is not None:
        month_number, j = month
        if low(j) == ",":
            j += 1
        if j == end - 1 and (year := _year_of(reader, j)) is not None:
            first = _real_date(year, month_number, 1)
            return Period(first, _real_date(year, month_number, calendar.monthrange(year, month_number)[1]),
                          Precision.MONTH)
        if reader.kind(j) == DIGITS and len(low(j)) <= 2:
            day_number, j = int(low(j)), j + 1
            if low(j) in _ORDINAL_SUFFIXES and reader.glued(j):
                j += 1
            if low(j) == ",":
                j += 1
            if j == end - 1 and (year := _year_of(reader, j)) is not None:
                day = _real_date(year, month_number, day_number)
                return Period(day, day, Precision.DAY)
        return None
    # 16 December 2011, 16th Dec. 2011, 16 декабря 2011 г.
    if reader.kind(i) == DIGITS and len(low(i)) <= 2:
        j = i + 1
        if low(j) in _ORDINAL_SUFFIXES and reader.glued(j):
            j += 1
        month = _month_of(reader, j)
        if month is not None:
            month_number, j = month
            if low(j) == ",":
                j += 1
            if j == end - 1 and (year := _year_of(reader, j)) is not None:
                day = _real_date(year, month_number, int(low(i)))
                return Period(day, day, Precision.DAY)
    return None


def _period_text(value) -> str:
    if isinstance(value, bool):
        raise ParseError(f"“{value}” is not a date or period ({_PERIOD_EXAMPLES})")
    if isinstance(value, int):
        if not 1 <= value <= 9999:
            raise ParseError(f"{_shown(str(value))} is not a year (years run from 1 to 9999)")
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise ParseError(f"“{value}” is not a year")
        return _period_text(int(value))
    return "" if value is None else str(value)


@exact
def parse_period(text: str | date) -> Period:
    """Parse "2011", "Dec 2011", "16 December 2011", "2011-12", "2011-12-16", "2021–2022",
    or two of them joined by a dash, a slash or "to"."""
    if isinstance(text, datetime):  # a spreadsheet's date cell
        text = text.date()
    if isinstance(text, date):
        return Period(text, text, Precision.DAY)
    raw = _period_text(text)
    _bound_length(raw, MAX_PERIOD_LENGTH, "period")
    raw = raw.strip()
    if not raw:
        raise ParseError("the period is empty")
    tokens = tokenize(raw)
    if len(tokens) > 1 and tokens[-1][3] == ".":
        tokens.pop()  # "December 2011."
    reader = Reader(raw, tokens)
    try:
        single = _single_period(reader, 0, len(tokens))
        if single is not None:
            return single
        for k in range(1, len(tokens) - 1):
            low = reader.low(k)
            if not (low in _DASHES or low in ("/", "to", "until", "по", "до", "—")):
                continue
            end = _single_period(reader, k + 1, len(tokens))
            if end is None:
                continue
            start = _single_period(reader, 0, k) or _shortened_start(raw[:tokens[k][1]], end)
            if start is None:
                continue
            if start.start > end.end:
                raise ParseError(f"{_shown(raw)}: the period runs backwards")
            precision = start.precision if start.precision == end.precision else Precision.DAY
            return Period(start.start, end.end, precision)
    except ParseError as error:
        message = str(error)
        if message.startswith("“"):
            raise
        raise ParseError(f"{_shown(raw)} is not a real date: {message}") from None
    raise ParseError(f"{_shown(raw)} is not a date or period ({_PERIOD_EXAMPLES})")


def _shortened_start(text: str, end: Period) -> Period | None:
    """The start of a range written the short way, completed from its end as people read it: "January–March
    2022" (January 2022), "16–17 December 2011" (16 December 2011), "16 November – 17 December 2011"."""
    text = text.strip()
    if not text or end.precision == Precision.YEAR:
        return None
    completions = [f"{text} {end.end.year}"]
    if end.precision == Precision.DAY:
        completions.append(f"{text} {calendar.month_name[end.end.month]} {end.end.year}")
    for completed in completions:
        try:
            start = parse_period(completed)
        except ParseError:
            continue
        if start.precision == end.precision:
            return start
    return None


def format_period(start: date, end: date, precision: str) -> str:
    """The inverse of parse_period: the shortest text that reads back as the same period."""
    if precision == Precision.YEAR:
        if start.year == end.year:
            return str(start.year)
        return f"{start.year}-{end.year}"
    if precision == Precision.MONTH:
        if (start.year, start.month) == (end.year, end.month):
            return start.strftime("%Y-%m")
        return f"{start:%Y-%m}/{end:%Y-%m}"
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()}/{end.isoformat()}"


def period_cells(start: date, end: date, precision: str) -> tuple[str, str]:
    """A period as the two spreadsheet cells period_start and period_end, each at its precision."""
    if precision == Precision.YEAR:
        return str(start.year), str(end.year)
    if precision == Precision.MONTH:
        return start.strftime("%Y-%m"), end.strftime("%Y-%m")
    return start.isoformat(), end.isoformat()


def period_from_cells(start_text, end_text=None) -> Period:
    """Read the two cells back: "2011" and "2011" is the year 2011; an empty end ends with the start."""
    first = parse_period(start_text)
    if end_text is None or (isinstance(end_text, str) and not end_text.strip()):
        return first
    last = parse_period(end_text)
    if last.end < first.start:
        raise ParseError(f"the period ends ({last.end}) before it starts ({first.start})")
    precision = first.precision if first.precision == last.precision else Precision.DAY
    return Period(first.start, last.end, precision)


__all__ = [
    "MAX_DECIMAL_PLACES", "MAX_NUMBER_LENGTH", "MAX_PERIOD_LENGTH", "MAX_SIGNIFICANT_DIGITS",
    "MAX_VALUE_TEXT_LENGTH", "ParseError", "ParsedValue", "Period", "Precision", "Qualifier", "bounds_for",
    "format_period", "format_value", "parse_number", "parse_number_words", "parse_period", "parse_value_text",
    "period_cells", "period_from_cells",
]
