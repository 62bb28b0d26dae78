"""Suggestions from a source's text: the numbers and the quotes a curator would record.

    extract(text, language=None, metrics=(), entities=()) -> list[Suggestion]

A pure function (no database): give it the text exactly as stored, and optionally the language
("en", "ru"; guessed from the letters when not given), the known metrics (MetricHint: slug, name,
unit) and the known entities (EntityHint: slug, name, aliases, kind). Each Suggestion carries
its kind ("figure" or "quote"), its character offsets into the text as given and the text there,
and for figures the value, bounds, qualifier and unit as claims.parsing reads them, a guessed
metric slug and subject; for quotes a speaker. Suggestion.as_json() gives the keys DESIGN.md
fixes for `manage.py extract --json`. Everything is a suggestion: the curator accepts, corrects
or rejects it.

Figures. The text is tokenized once; every number, number word, qualifier word ("more than",
«более») or currency sign is tried as the start of a value (claims.parsing's Reader, the same
code that reads a typed value text, with shares and factors allowed: "a third", "doubled").
Not suggested: years (a bare 1800–2100), dates ("4 January", "June 18", 2022-01-05), times
(10:30, 5 pm), ages ("four-year-old", "aged 59-62", "over 50 years old"), durations told as
narrative ("thirty years ago", "the last two years"; a duration is kept when it is bounded, "up
to 12 years", or measures a penalty or a strike, "a three-year prison sentence"), article and
convention numbers ("Article 174", "Conventions … 87, 98 and 135"), identifiers ("COVID-19",
G20), ordinals ("19th", «19-й»; "the third congress" is no number at all), decades ("the
1990s"), a bare "one" ("one of them", "on the one hand") and number words inside a proper name
("Ten Steps Toward a Worthy Life"). "rose from 3 to 13 percent" is two values (before and after),
"from 3 to 13 percent" alone a range; the value before takes the unit and scale written once after
it ("grew from 5 to 10 million": 5,000,000), though its text is its own digits only. Paragraphs that
repeat an earlier one word for word give no suggestions of their own (the curator anchors at the
first). At most MAX_SUGGESTIONS (10,000) of each kind come from one text: more than anyone reviews.

Quotes. Spans in quotation marks (“…”, «…», „…“, "…", ‘…’), and the clauses of reported speech
("Tokayev claimed that …", "According to the SMK, …", "… , according to opposition economists",
"The CPRF resolutely condemns …", «по словам …»). The speaker is the entity (or the capitalised
name) before the reporting verb, or for "he"/"she"/"they" the last person or organisation named
in the sentence or the two before it.

Time is linear in the text: one tokenizer pass, one pass of a bounded look-ahead per candidate
token, and regular expressions without nested or adjacent unbounded repeats.
"""

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

from claims.parsing import (
    AMOUNT_START_SYMBOLS,
    AMOUNT_START_WORDS,
    DIGITS,
    EXACT,
    MONTH_WORDS,
    SYMBOL,
    WORD,
    Amount,
    ParseError,
    Phrase,
    Qualifier,
    Reader,
    settle,
    tokenize,
)
from sources.ingest import repeated_paragraphs

MAX_TEXT_LENGTH = 10_000_000  # characters; sources/ingest.py bounds files at 10 MB before this
# Suggestions of each kind from one text: more than a curator can review, so reading stops there.
MAX_SUGGESTIONS = 10_000
_CONTEXT = 80  # tokens either side of a number or quote in which its metric, subject or speaker is sought
FIGURE, QUOTE = "figure", "quote"
_MAX_QUOTE_LENGTH = 2000


@dataclass(frozen=True)
class MetricHint:
    slug: str
    name: str
    unit: str = ""


@dataclass(frozen=True)
class EntityHint:
    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = ""  # person, organisation, place, event, group, other


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "figure" or "quote"
    start: int
    end: int
    text: str  # exactly text[start:end]
    value: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    qualifier: str | None = None
    unit: str | None = None
    metric: str | None = None  # a metric slug
    subject: str | None = None  # an entity slug
    speaker: str | None = None  # a name: the entity's, or as the text writes it
    speaker_entity: str | None = None  # the speaker's entity slug, when known

    def as_json(self) -> dict:
        """The keys DESIGN.md fixes for `manage.py extract --json`; numbers as JSON numbers."""
        data = {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text}
        if self.kind == FIGURE:
            data.update(value=_json_number(self.value), lower=_json_number(self.lower),
                        upper=_json_number(self.upper), qualifier=self.qualifier, unit=self.unit, metric=self.metric)
        else:
            data["speaker"] = self.speaker
        return data


def _json_number(number: Decimal | None) -> int | float | None:
    if number is None:
        return None
    # At most 15 significant digits (claims.parsing's limit), so a float prints back the same digits.
    return int(number) if number == number.to_integral_value() else float(number)


class TextTooLong(ValueError):
    pass


def extract(text: str, *, language: str | None = None, metrics: Iterable[MetricHint] = (),
            entities: Iterable[EntityHint] = (), skip_repeated: bool = True,
            limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Figure and quote suggestions for the text, in the order they appear: at most `limit` of each kind
    (the first ones in the text; when a kind reaches the limit, the text holds more)."""
    if len(text) > MAX_TEXT_LENGTH:
        raise TextTooLong(f"the text is {len(text):,} characters long; at most {MAX_TEXT_LENGTH:,} are read")
    with localcontext(EXACT):
        document = _Document(text, language or guess_language(text), list(metrics), list(entities), skip_repeated)
        suggestions = document.figures(limit) + document.quotes(limit)
    suggestions.sort(key=lambda suggestion: (suggestion.start, suggestion.end))
    return suggestions


def guess_language(text: str) -> str:
    """ "ru" when most letters of the first 20,000 characters are Cyrillic, else "en"."""
    sample = text[:20_000]
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    return "ru" if cyrillic > latin else "en"


_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_LATIN = re.compile(r"[a-zA-Z]")
# A sentence ends at . ! ? … (perhaps closed by a quote or bracket) before a space, or at a line break.
_SENTENCE_END = re.compile(r"[.!?…]{1,3}[\"'’”»)\]]{0,3}\s|\n")
_ABBREVIATIONS = frozenset(("mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "art", "gen", "col", "lt", "jr", "sr",
                            "e.g", "i.e", "etc", "approx", "ca", "c", "p", "pp", "fig", "vol", "ст", "г", "т", "д",
                            "п", "ч", "им", "тыс", "млн", "млрд", "руб", "долл", "см"))

# --------------------------------------------------------------------------------------------- vocabulary

_TIME_UNITS = frozenset((
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "decade", "decades", "century", "centuries", "секунда", "секунды", "секунд", "минута", "минуты",
    "минут", "час", "часа", "часов", "день", "дня", "дней", "сутки", "суток", "неделя", "недели", "недель", "месяц",
    "месяца", "месяцев", "год", "года", "лет", "годы", "десятилетие", "десятилетия", "века", "веков",
))
_NARRATIVE_AFTER = frozenset(("ago", "after", "later", "earlier", "before", "since", "назад", "спустя", "после",
                              "тому"))
_NARRATIVE_BEFORE = frozenset(("last", "past", "next", "first", "recent", "coming", "previous", "following",
                               "последние", "последних", "ближайшие", "прошедшие", "первые"))
# Words that make a duration a measured quantity: a penalty, a strike, a deadline in law.
_MEASURED_DURATION = frozenset((
    "prison", "imprisonment", "jail", "sentence", "sentenced", "arrest", "detention", "penalty", "punishable",
    "term", "strike", "strikes", "conciliation", "ban", "banned", "suspension", "suspended", "service", "retirement",
    "deadline", "лишения", "свободы", "заключения", "ареста", "арест", "срок", "наказание", "наказывается",
    "забастовка", "забастовки", "запрет", "работ",
))
# Determiners that make a small number in words a reference to a known set ("the five republics").
_DEFINITE = frozenset(("the", "these", "those"))
_AGE_BEFORE = frozenset(("aged", "age", "ages", "возрасте", "возраста"))
_IDENTIFIER_CUES = frozenset((
    "article", "articles", "art", "paragraph", "paragraphs", "clause", "clauses", "section", "sections", "chapter",
    "part", "item", "point", "no", "nos", "number", "page", "pages", "p", "pp", "convention", "conventions",
    "resolution", "resolutions", "decree", "protocol", "room", "flight", "route", "vol", "volume", "edition", "issue",
    "version", "statute", "amendment", "ilo", "статья", "статьи", "статье", "статьей", "статьёй", "статей", "ст",
    "пункт", "пункта", "пункте", "п", "часть", "части", "ч", "глава", "главы", "номер", "№", "#", "§", "конвенции",
    "конвенция", "указ", "указа", "резолюция", "резолюции", "протокол",
))
_LIST_JOINERS = frozenset((",", "and", "or", "и", "или", "-", "–", "—"))
_CHANGE_VERBS = frozenset((
    "rose", "risen", "rise", "rising", "grew", "grown", "grow", "growing", "increased", "increase", "increasing",
    "fell", "fallen", "fall", "falling", "dropped", "drop", "dropping", "declined", "decline", "declining",
    "decreased", "decrease", "jumped", "jump", "climbed", "climb", "soared", "surged", "plunged", "plummeted",
    "went", "gone", "shrank", "shrunk", "doubled", "tripled", "halved", "raised", "cut", "reduced", "changed",
    "вырос", "выросла", "выросло", "выросли", "увеличился", "увеличилась", "увеличилось", "увеличились", "снизился",
    "снизилась", "снизилось", "снизились", "сократился", "сократилась", "сократилось", "сократились", "упал", "упала",
    "упало", "упали", "поднялся", "поднялась", "возросла", "возрос", "возросло", "возросли",
))
_TITLE_CUES = frozenset((
    "law", "decree", "film", "films", "book", "books", "concept", "newspaper", "magazine", "programme", "program",
    "party", "movement", "campaign", "operation", "slogan", "song", "novel", "called", "named", "titled", "entitled",
    "code",
    "закон", "закона", "указ", "указа", "фильм", "фильма", "книга", "книги", "газета", "газеты", "партия", "партии",
    "движение", "операция", "лозунг", "названием",
))

# Built-in cues for common metrics (used when the metric is known, or when no metrics are given).
_METRIC_CUES = {
    "death-toll": ["killed", "died", "dead", "deaths", "death", "murdered", "fatalities", "perished", "lives",
                   "shot dead", "погибли", "погиб", "погибших", "погибло", "убиты", "убито", "убитых", "смерти"],
    "injured": ["injured", "wounded", "hurt", "ранены", "раненых", "ранено", "пострадали", "пострадавших"],
    "hospitalised": ["hospitalized", "hospitalised", "hospital", "госпитализированы", "госпитализировано"],
    "in-intensive-care": ["intensive care", "реанимации"],
    "victims": ["victims", "жертвами", "жертв"],
    "detained": ["arrested", "detained", "imprisoned", "arrests", "detentions", "задержаны", "задержано",
                 "арестованы", "арестовано"],
    "people-sentenced": ["sentenced", "convicted", "осуждены", "приговорены"],
    "turnout": ["turnout", "participated", "явка", "явки"],
    "vote-share": ["of the vote", "of the votes", "received", "голосов избирателей"],
    "votes": ["voters", "votes", "voted", "голосов", "проголосовали"],
    "gini-coefficient": ["gini", "ginny", "джини", "inequality coefficient", "inequality"],
    "people-rehabilitated": ["rehabilitated", "реабилитированы", "реабилитировано"],
    "trade-unions-liquidated": ["trade unions", "liquidation", "liquidated", "профсоюзов"],
    "emigrants": ["left the country", "emigrated", "emigrants", "эмигрировали", "уехали"],
    "poverty-rate": ["below the poverty", "poverty line", "бедности"],
    "retirement-age": ["retirement age", "pension age", "пенсионный возраст"],
    "food-inflation": ["food inflation", "food prices"],
    "inflation": ["inflation", "инфляция", "инфляции"],
    "unemployment-rate": ["unemployment", "безработица", "безработицы"],
    "party-membership": ["party members", "members"],
    "registered-parties": ["registered parties", "officially registered parties"],
    "alleged-terrorists": ["terrorists", "террористов"],
}
_STOP_WORDS = frozenset(("the", "of", "a", "an", "and", "or", "in", "on", "by", "for", "to", "per", "from", "with",
                         "number", "share", "people", "rate", "total", "max", "maximum", "min", "minimum", "months",
                         "years", "days", "hours", "stated", "as", "only", "money", "newly", "each", "more", "than",
                         "their", "times", "level", "change", "factor", "stated", "groups"))
_TIME_METRIC_UNITS = frozenset(("seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades"))
# Every way of writing a time unit, to the unit a metric names ("три месяца" and "months" agree).
_TIME_UNIT_OF = {
    **{word: "seconds" for word in ("second", "seconds", "секунда", "секунды", "секунд")},
    **{word: "minutes" for word in ("minute", "minutes", "минута", "минуты", "минут")},
    **{word: "hours" for word in ("hour", "hours", "час", "часа", "часов")},
    **{word: "days" for word in ("day", "days", "день", "дня", "дней", "сутки", "суток")},
    **{word: "weeks" for word in ("week", "weeks", "неделя", "недели", "недель")},
    **{word: "months" for word in ("month", "months", "месяц", "месяца", "месяцев")},
    **{word: "years" for word in ("year", "years", "год", "года", "лет", "годы")},
    **{word: "decades" for word in ("decade", "decades", "десятилетие", "десятилетия")},
}
_PERCENT_UNITS = frozenset(("percent", "%", "per cent", "percentage"))
_CURRENCY_NAMES = {"USD": ("dollar", "usd"), "EUR": ("euro", "eur"), "GBP": ("pound", "gbp"),
                   "RUB": ("rouble", "ruble", "rub", "рубл"), "KZT": ("tenge", "kzt", "тенге"),
                   "INR": ("rupee", "inr"), "CNY": ("yuan", "cny"), "UAH": ("hryvn", "uah")}

_REPORTING_VERBS = frozenset((
    "said", "says", "stated", "states", "claimed", "claims", "declared", "declares", "argued", "argues", "noted",
    "notes", "added", "adds", "announced", "announces", "reported", "reports", "warned", "warns", "insisted",
    "insists", "asserted", "asserts", "stressed", "stresses", "emphasized", "emphasised", "emphasizes", "believes",
    "believe", "thinks", "think", "suggested", "suggests", "proclaimed", "proclaims", "promised", "promises",
    "demanded", "demands", "accused", "accuses", "regarded", "regards", "condemned", "condemns", "wants", "told",
    "explained", "explains", "admitted", "acknowledged", "denied", "denies", "alleged", "alleges", "maintained",
    "maintains", "urged", "urges", "described", "describes", "dismisses", "labels", "labelled", "say",
    "denounced", "denounces", "ordered", "orders", "concluded", "estimated", "estimates", "justified", "justifies",
    "classified", "branded", "characterized", "characterised", "deemed", "stating", "saying", "calling",
    "заявил", "заявила", "заявили", "заявляет", "сказал", "сказала", "сказали", "отметил", "отметила", "отметили",
    "сообщил", "сообщила", "сообщили", "подчеркнул", "подчеркнула", "считает", "считают", "утверждает",
    "утверждают", "утверждал", "объявил", "объявила", "пообещал", "пообещала", "потребовал", "потребовали",
    "обвинил", "обвинила", "обвинили", "назвал", "назвала", "признал", "признала", "добавил", "добавила",
))
_VERB_PHRASES = [("takes", "the", "view"), ("take", "the", "view"), ("puts", "forward"), ("put", "forward"),
                 ("pointed", "out"), ("points", "out"), ("called", "for"), ("calls", "for"),
                 ("is", "of", "the", "opinion"), ("pays", "attention", "to"), ("paid", "attention", "to"),
                 ("draws", "attention", "to"), ("drew", "attention", "to"), ("focused", "on"), ("focuses", "on"),
                 ("insisted", "on"), ("insists", "on")]
# Words before a verb form that make it no reporting verb: "the demands of", "on added relevance", "which
# claimed many victims", "to put forward", "so-called".
_NOT_A_SUBJECT = frozenset(("the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "our",
                            "your", "my", "of", "on", "in", "for", "with", "by", "to", "from", "at", "as", "into",
                            "about", "which", "so", "and", "or", "legitimate", "other", "all", "new", "such"))
_BE = frozenset(("is", "are", "was", "were", "be", "been", "being"))
_MODALS = frozenset(("should", "must", "can", "may", "might", "could", "would", "will"))
# Forms that are nouns as often as verbs ("the demands of", "the states of"): a verb only after a name or pronoun.
_NOUN_OR_VERB = frozenset(("states", "claims", "reports", "notes", "demands", "promises", "orders", "estimates",
                           "labels", "adds", "says", "thinks", "wants", "believes", "denies", "urges", "describes"))
# Bare forms are verbs only with "that" after them: "Some experts say that", not "think tanks".
_BARE_FORMS = frozenset(("say", "think", "believe", "want", "claim", "argue", "note", "insist", "suggest", "demand",
                         "warn", "stress", "estimate"))
_FIRST_PERSON = frozenset(("we", "i", "мы", "я"))
_VERB_STARTS = _REPORTING_VERBS | {words[0] for words in _VERB_PHRASES}
_FINITE = frozenset(("is", "was", "were", "are", "has", "have", "had", "led", "became", "becomes", "made", "will",
                     "can", "could", "would", "should", "must"))
_HEARSAY = frozenset(("allegedly", "reportedly", "supposedly", "purportedly", "якобы", "предположительно"))
_ACCORDING = [("according", "to"), ("по", "словам"), ("по", "мнению"), ("по", "данным")]
_ACCORDING_STARTS = frozenset(words[0] for words in _ACCORDING)
# Not speakers: places, events and things are talked about, not quoted.
_NOT_SPEAKERS = frozenset(("place", "event", "other"))
_ROLE_NOUNS = frozenset(("president", "premier", "minister", "chairman", "chairwoman", "leader", "mayor", "governor",
                         "spokesman", "spokeswoman", "spokesperson", "президент", "премьер", "министр", "председатель"))
_PRONOUNS = {"he": "person", "she": "person", "his": "person", "her": "person", "they": "group", "their": "group",
             "it": "organisation", "its": "organisation", "он": "person", "она": "person", "они": "group"}
_SPEAKER_KINDS = {"person": ("person",), "group": ("organisation", "group", "person"),
                  "organisation": ("organisation", "group")}
_OPENING_QUOTES = {"“": "”", "«": "»", "„": "“", "‘": "’", '"': '"'}
_APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'"}
_CLOSING_MARKS = frozenset(('"', "”", "»", "’", "“"))
_QUOTE_MARK = re.compile(r"[“”«»„\"‘’\n]")


# --------------------------------------------------------------------------------------------- the document

@dataclass
class _Mention:
    start: int  # token indices
    end: int
    entity: EntityHint


class _Document:
    def __init__(self, text: str, language: str, metrics: list[MetricHint], entities: list[EntityHint],
                 skip_repeated: bool):
        self.text = text
        self.language = language
        self.tokens = tokenize(text)
        self.token_starts = [token[1] for token in self.tokens]
        self.reader = Reader(text, self.tokens, decimal_comma=language == "ru", relative=True)
        self.sentence_starts = self._sentence_starts()
        self.repeats = sorted((r.start, r.end) for r in repeated_paragraphs(text)) if skip_repeated else []
        self.repeat_starts = [start for start, _ in self.repeats]
        self.stems: dict[str, str] = {}
        self.metrics = self._metric_cues(metrics)
        self.mentions = self._mentions(entities)
        self.mention_starts = [mention.start for mention in self.mentions]

    # -- structure
    def _sentence_starts(self) -> list[int]:
        text = self.text
        starts = [0]
        for match in _SENTENCE_END.finditer(text):
            end = match.end()
            if match.group() != "\n":
                before = text[max(0, match.start() - 6):match.start()].split()
                word = before[-1].lower().rstrip(".") if before else ""
                if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                    continue
                following = text[end:end + 1]
                if following and not (following.isupper() or following.isdigit() or following in "“«\"'(‘—–-"):
                    continue
                if match.group().startswith(("...", "…")) and not following.isupper():
                    continue  # "tantamount to... “victorious communism”": an ellipsis inside the sentence
            starts.append(end)
        return starts

    def sentence_of(self, position: int) -> tuple[int, int]:
        """The character span of the sentence holding the position."""
        index = bisect_right(self.sentence_starts, position) - 1
        end = self.sentence_starts[index + 1] if index + 1 < len(self.sentence_starts) else len(self.text)
        return self.sentence_starts[index], end

    def token_at(self, position: int) -> int:
        """The index of the first token starting at or after the position."""
        return bisect_right(self.token_starts, position - 1)

    def sentence_tokens(self, token: int) -> tuple[int, int]:
        """The tokens of the sentence around the token, at most _CONTEXT either side (a text without full
        stops is one "sentence", and each suggestion must look at a bounded part of it)."""
        start, end = self.sentence_of(self.tokens[token][1])
        return max(self.token_at(start), token - _CONTEXT), min(self.token_at(end), token + _CONTEXT)

    def repeated(self, position: int) -> bool:
        index = bisect_right(self.repeat_starts, position) - 1
        return index >= 0 and self.repeats[index][0] <= position < self.repeats[index][1]

    # -- entities
    def _mentions(self, entities: list[EntityHint]) -> list[_Mention]:
        """Every mention of a known entity's name or alias, longest first, in one pass over the tokens
        (a trie of the names' words, so the cost does not grow with the number of entities)."""
        trie: dict = {}
        for entity in entities:
            # "Opposition economists (Kazakhstan)" is written "opposition economists" in a text.
            bare = entity.name.split(" (")[0] if entity.name.endswith(")") else entity.name
            for name in {entity.name, bare, *entity.aliases}:
                node = trie
                words = [_APOSTROPHES.get(token[3], token[3]) for token in tokenize(name)]
                for word in words:
                    node = node.setdefault(word, {})
                if words:
                    node.setdefault(None, (entity, len(words)))
        mentions = []
        tokens, text = self.tokens, self.text
        i, n = 0, len(tokens)
        while i < n:
            node = trie.get(tokens[i][3]) if tokens[i][0] == WORD else None
            found = None
            k = i
            while node is not None:
                if None in node:
                    found = node[None]
                k += 1
                node = node.get(_APOSTROPHES.get(tokens[k][3], tokens[k][3])) if k < n else None
            # A one-word name must be capitalised ("Amanat", not "amanat"); "liberal pundits" need not be.
            if found is not None and (found[1] > 1 or text[tokens[i][1]].isupper()):
                mentions.append(_Mention(i, i + found[1], found[0]))
                i += found[1]
                continue
            i += 1
        return mentions

    def mentions_between(self, start: int, end: int) -> list[_Mention]:
        first = bisect_right(self.mention_starts, start - 1)
        last = bisect_right(self.mention_starts, end - 1)
        return self.mentions[first:last]

    # -- metrics
    def _metric_cues(self, metrics: list[MetricHint]) -> dict[str, list[tuple[tuple[str, ...], int, MetricHint]]]:
        """Cue phrases per metric, indexed by their first word's stem, with a strength: the metric's
        built-in cues and its whole name (2) say more than one word of its name (1)."""
        if not metrics:
            metrics = [MetricHint(slug, slug.replace("-", " ")) for slug in _METRIC_CUES]
        cues: dict[str, list[tuple[tuple[str, ...], int, MetricHint]]] = {}
        for metric in metrics:
            name_words = [token[3] for token in tokenize(metric.name) if token[0] == WORD]
            phrases = {phrase: 2 for phrase in _METRIC_CUES.get(metric.slug, [])}
            if name_words:
                phrases[" ".join(name_words)] = 2
            for word in (*name_words, *metric.slug.split("-")):
                if word not in _STOP_WORDS and len(word) > 3:
                    phrases.setdefault(word, 1)
            for phrase, strength in phrases.items():
                words = tuple(_stem(token[3]) for token in tokenize(phrase))
                if words:
                    cues.setdefault(words[0], []).append((words, strength, metric))
        return cues

    def guess_metric(self, start: int, end: int, unit: str | None, duration: str | None) -> str | None:
        """The metric whose words stand nearest the number in its sentence, its unit permitting."""
        first, last = self.sentence_tokens(start)
        best = None
        for i in range(first, last):
            if start <= i < end:
                continue
            candidates = self.metrics.get(self.stem(self.tokens[i][3]))
            if not candidates:
                continue
            distance = start - i if i < start else i - end + 1
            for words, strength, metric in candidates:
                if not self._cue_matches(i, words):
                    continue
                fit = self._unit_fit(metric, unit, duration)
                if fit < 0:
                    continue
                # On a tie the word after the number wins: "55% of their salary", "16 people died".
                score = (fit + strength, -distance, i >= end, len(words))
                if best is None or score > best[0]:
                    best = (score, metric)
        return best[1].slug if best else None

    def _cue_matches(self, i: int, words: tuple[str, ...]) -> bool:
        if i + len(words) > len(self.tokens):
            return False
        return all(self.stem(self.tokens[i + k][3]) == word for k, word in enumerate(words))

    def stem(self, word: str) -> str:
        stem = self.stems.get(word)
        if stem is None:
            stem = self.stems[word] = _stem(word)
        return stem

    @staticmethod
    def _unit_fit(metric: MetricHint, unit: str | None, duration: str | None) -> int:
        """1 when the metric's unit is the number's, 0 when it may be, -1 when it cannot be."""
        metric_unit = metric.unit.lower()
        if not metric_unit:
            return 0
        if duration or metric_unit in _TIME_METRIC_UNITS:
            return 1 if duration and _TIME_UNIT_OF.get(duration) == _TIME_UNIT_OF.get(metric_unit) else -1
        is_percent = metric_unit in _PERCENT_UNITS
        if unit == "percent":
            return 1 if is_percent else -1
        if unit is not None:  # a currency: tenge, US dollars…
            return 1 if any(word in metric_unit for word in _CURRENCY_NAMES.get(unit, ())) else -1
        return 0

    def guess_subject(self, start: int, end: int) -> str | None:
        """The entity named nearest the number in its sentence, else in the sentence before."""
        first, last = self.sentence_tokens(start)
        for low, high in ((first, last), (self.sentence_tokens(max(first - 1, 0))[0], first)):
            mentions = [m for m in self.mentions_between(low, high) if m.entity.kind != "person"]
            if mentions:
                nearest = min(mentions, key=lambda m: min(abs(m.start - start), abs(m.end - end)))
                return nearest.entity.slug
        return None

    # -- figures
    def figures(self, limit: int) -> list[Suggestion]:
        suggestions = []
        tokens, reader = self.tokens, self.reader
        starts_words, starts_symbols = AMOUNT_START_WORDS, AMOUNT_START_SYMBOLS
        skipped_identifier_end = -1
        i, n = 0, len(tokens)
        while i < n and len(suggestions) < limit:
            kind, _, _, low = tokens[i]
            if not (kind == DIGITS or (kind == WORD and low in starts_words)
                    or (kind == SYMBOL and low in starts_symbols)):
                i += 1
                continue
            try:
                phrase = reader.phrase(i)
            except ParseError as error:
                i = max(i + 1, getattr(error, "resume", 0))  # past "one two three", read once already
                continue
            if phrase is None:
                i += 1
                continue
            reason = self.not_a_figure(phrase, skipped_identifier_end)
            if reason == "identifier":
                skipped_identifier_end = phrase.end
            if reason is None and not self.repeated(tokens[phrase.start][1]):
                suggestions.extend(self.figure_suggestions(phrase))
            i = max(phrase.end, i + 1)
        return suggestions[:limit]

    def figure_suggestions(self, phrase: Phrase) -> list[Suggestion]:
        reader = self.reader
        shown = reader.span(phrase.start, phrase.end)
        if len(phrase.amounts) == 2 and (phrase.joined_by == "from" and self.after_change_verb(phrase)
                                         or _backwards(phrase)):
            # "grew from 3 to 13 percent": the value before and the value after, not a range.
            first, second = phrase.amounts
            if first.unit is None:
                first.unit = second.unit
            if first.scale is None and second.scale is not None and second.base is not None \
                    and first.number < second.base:
                first.number, first.scale = first.number * second.scale, second.scale
            return [s for s in (self.single(amount) for amount in phrase.amounts) if s is not None]
        try:
            parsed = settle(phrase, f"“{shown}”", relative=True)
        except ParseError:
            return []
        return [self.suggestion(phrase.start, phrase.end, parsed, phrase.amounts)]

    def single(self, amount: Amount) -> Suggestion | None:
        phrase = Phrase(amount.start, amount.end, [amount])
        try:
            parsed = settle(phrase, "", relative=True)
        except ParseError:
            return None
        return self.suggestion(amount.start, amount.end, parsed, [amount])

    def suggestion(self, start: int, end: int, parsed, amounts: list[Amount]) -> Suggestion:
        tokens = self.tokens
        duration = self.duration_word(amounts[-1])
        if duration is not None:
            # "up to 12 years", "eight-month": the unit belongs to the value as written.
            end = max(end, self.duration_end(amounts[-1]))
        char_start, char_end = tokens[start][1], tokens[end - 1][2]
        return Suggestion(
            FIGURE, char_start, char_end, self.text[char_start:char_end], value=parsed.value, lower=parsed.lower,
            upper=parsed.upper, qualifier=parsed.qualifier, unit=parsed.unit,
            metric=self.guess_metric(start, end, parsed.unit, duration), subject=self.guess_subject(start, end),
        )

    def after_change_verb(self, phrase: Phrase) -> bool:
        first, _ = self.sentence_tokens(phrase.start)
        return any(self.tokens[k][3] in _CHANGE_VERBS for k in range(max(first, phrase.start - 6), phrase.start))

    def duration_word(self, amount: Amount) -> str | None:
        """The time unit after the amount ("three months", "eight-month", «12 лет»), if any."""
        end = self.duration_end(amount)
        return self.reader.low(end - 1) if end > amount.end else None

    def duration_end(self, amount: Amount) -> int:
        """The token after the amount's time unit, or the amount's end when none follows."""
        reader, j = self.reader, amount.end
        if reader.low(j) in ("-", "‑") and reader.glued(j) and reader.glued(j + 1):
            j += 1
        elif reader.low(j) == "and" and reader.low(j + 1) in ("a", "half"):  # "three and a half years"
            j += 3 if reader.low(j + 1) == "a" else 2
        return j + 1 if reader.word(j) in _TIME_UNITS else amount.end

    def not_a_figure(self, phrase: Phrase, skipped_identifier_end: int) -> str | None:
        """Why the phrase is no figure to record (a year, a date, an age…), or None."""
        reader, tokens = self.reader, self.tokens
        qualified = phrase.prefix is not None or phrase.suffix is not None
        sentence_first, sentence_last = self.sentence_tokens(phrase.start)
        for position, amount in enumerate(phrase.amounts):
            first_numeric = amount.start
            while first_numeric < amount.end and tokens[first_numeric][0] == SYMBOL:
                first_numeric += 1
            before, after = reader.low(first_numeric - 1), reader.low(amount.end)
            # The second end of "16–20" is glued to its dash by design; only a first amount can be an identifier.
            glued_before = reader.glued(first_numeric) and position == 0
            # Identifiers: G20, COVID-19, 2022-01-05, 10:30, 5/1/2022, http://…/2021.
            if glued_before and (reader.kind(first_numeric - 1) in (WORD, DIGITS) or (
                    before in ("-", "/", ":", ".", "‑", "–") and reader.glued(first_numeric - 1)
                    and reader.kind(first_numeric - 2) in (WORD, DIGITS))):
                return "identifier"
            if after in (":", "/", ".") and reader.glued(amount.end) and reader.kind(amount.end + 1) == DIGITS \
                    and reader.glued(amount.end + 1):
                return "date or time"
            if after in ("-", "‑") and reader.glued(amount.end) and reader.kind(amount.end + 1) == WORD \
                    and reader.low(amount.end + 1) in ("й", "го", "м", "я", "е", "х", "ый", "ой", "ая", "ое"):
                return "ordinal"
            # Article 174, Conventions … 87, 98 and 135, No. 5, page 3.
            if self.after_identifier_cue(first_numeric, sentence_first):
                return "identifier"
            if skipped_identifier_end >= 0 and amount.plain and all(
                    reader.low(k) in _LIST_JOINERS for k in range(skipped_identifier_end, amount.start)):
                return "identifier"
            if amount.plain:
                number = int(amount.number)
                digits = len(tokens[first_numeric][3])
                # Dates: 4 January, June 18, 16 декабря.
                if number <= 31 and (reader.low(amount.end) in MONTH_WORDS or before in MONTH_WORDS):
                    return "date"
                if number <= 31 and reader.low(amount.end) == "of" and reader.low(amount.end + 1) in MONTH_WORDS:
                    return "date"
                # Years: a bare 1800–2100, unless a qualifier makes it a count ("more than 2000").
                if digits == 4 and 1800 <= number <= 2100 and not (qualified and before not in MONTH_WORDS):
                    return "year"
                # Times: 5 pm, 10 a.m., 10 o'clock.
                if after in ("am", "pm") or (after in ("a", "p") and reader.low(amount.end + 1) == ".") or (
                        after == "o" and reader.low(amount.end + 1) in ("’", "'")):
                    return "time"
            # Ages: aged 59, at the age of 63, four-year-old, over 50 years old, «в возрасте 40 лет».
            if before in _AGE_BEFORE or (before == "of" and reader.low(first_numeric - 2) in _AGE_BEFORE):
                return "age"
            duration = self.duration_word(amount)
            if duration is not None:
                k = amount.end + (2 if reader.low(amount.end) in ("-", "‑") else 1)
                if reader.low(amount.end) == "and":
                    k = amount.end + (4 if reader.low(amount.end + 1) == "a" else 3)
                if reader.low(k) == "old" or (reader.low(k) in ("-", "‑") and reader.low(k + 1) in ("old", "olds")):
                    return "age"
                if reader.low(k) in _NARRATIVE_AFTER or before in _NARRATIVE_BEFORE or reader.low(
                        first_numeric - 2) in _NARRATIVE_BEFORE:
                    return "duration"
                if not qualified and not any(
                        tokens[t][3] in _MEASURED_DURATION for t in range(sentence_first, sentence_last)):
                    return "duration"
            if reader.low(amount.end) in ("year", "years") and reader.low(amount.end + 1) == "old":
                return "age"
            if amount.words and amount.kind == "number":
                raw = reader.raw(amount.start)
                # "one of them", "on the one hand", "one notorious case": one is a pronoun or an article here.
                if amount.number == 1 and amount.end - amount.start == 1 and not qualified:
                    return "pronoun"
                # "Ten Steps Toward a Worthy Life": a number word capitalised mid-sentence names something.
                if raw[:1].isupper() and amount.start != sentence_first and reader.low(amount.start - 1) not in (
                        "“", "«", '"', "(", "—", "–", ":"):
                    return "name"
                # "a seven-volume edition", "a two-storey house": a compound modifier describes a thing, it counts
                # nothing ("a three-year sentence", a measured duration, was kept above; "a 300-strong crowd" is
                # written in digits).
                if duration is None and after in ("-", "‑") and reader.glued(amount.end) \
                        and reader.kind(amount.end + 1) == WORD and reader.glued(amount.end + 1) \
                        and reader.low(amount.end + 1) not in ("strong", "fold"):
                    return "modifier"
                # "the five republics of Central Asia", "these two countries": a definite article before a small
                # number in words refers to a set the reader knows; it reports no quantity ("all five registered
                # parties", "only two parties" and "the eight-month strike" do).
                if not qualified and duration is None and amount.number <= 10 and before in _DEFINITE \
                        and position == 0:
                    return "known set"
            # "the first half of the 1990s", "half-hearted": no share of anything counted.
            if amount.kind == "share" and amount.fraction == (1, 2) and (
                    before in ("first", "second", "latter", "former", "other", "первая", "вторая", "первой", "второй")
                    or (after == "-" and reader.glued(amount.end))):
                return "not a share"
            if amount.kind == "factor" and after in ("-",) and reader.glued(amount.end):
                return "not a factor"
        if len(phrase.amounts) == 2 and phrase.amounts[0].plain and phrase.amounts[1].plain:
            low, high = phrase.amounts
            if all(len(self.tokens[a.start][3]) == 4 and 1800 <= int(a.number) <= 2100 for a in (low, high)):
                return "years"
            if reader.low(low.start - 1) in _AGE_BEFORE:
                return "age"
        return None

    def after_identifier_cue(self, token: int, sentence_first: int) -> bool:
        """The number follows "Article", "No.", "§", or a name that follows "Conventions" (a title, not a count)."""
        reader = self.reader
        k = token - 1
        if reader.low(k) == "." and reader.glued(k):
            k -= 1
        if reader.low(k) in _IDENTIFIER_CUES:
            return True
        # "Conventions of the International Labor Organization (ILO) 87": look back over a name.
        for back in range(k, max(sentence_first - 1, token - 12), -1):
            low = reader.low(back)
            if low in ("convention", "conventions", "resolution", "resolutions", "конвенции", "конвенций"):
                return True
            raw = reader.raw(back)
            if not (raw[:1].isupper() or low in ("of", "the", "(", ")", "on", "for", "о", "об")):
                return False
        return False

    # -- quotes
    def quotes(self, limit: int) -> list[Suggestion]:
        suggestions = []
        for start, end in self.quoted_spans():
            if len(suggestions) >= limit:
                return suggestions
            if self.repeated(start) or self.is_title(start) or self.is_name(start, end):
                continue
            suggestions.append(self.quote(start, end, self.quote_speaker(start, end)))
        seen = {(s.start, s.end) for s in suggestions}
        quoted = sorted(seen)
        for start, end, speaker in self.reported_speech(limit):
            if len(suggestions) >= limit:
                break
            if (start, end) in seen or self.repeated(start) or self.mostly_quoted(start, end, quoted):
                continue
            seen.add((start, end))
            suggestions.append(self.quote(start, end, speaker))
        return suggestions

    @staticmethod
    def mostly_quoted(start: int, end: int, quoted: list[tuple[int, int]]) -> bool:
        """A clause that is little more than a quotation already suggested (Nazarbayev declared that "…")."""
        index = bisect_right(quoted, (start, -1))
        for quote_start, quote_end in quoted[index:index + 3]:
            if quote_start >= start and quote_end <= end and (quote_end - quote_start) * 4 >= (end - start) * 3:
                return True
        return False

    def quote(self, start: int, end: int, speaker: EntityHint | str | None) -> Suggestion:
        if isinstance(speaker, EntityHint):
            return Suggestion(QUOTE, start, end, self.text[start:end], speaker=speaker.name,
                              speaker_entity=speaker.slug)
        return Suggestion(QUOTE, start, end, self.text[start:end], speaker=speaker)

    def quoted_spans(self) -> list[tuple[int, int]]:
        """The insides of quotation marks, never across a line break, outermost only."""
        text = self.text
        spans = []
        opener, opened_at, closer = None, -1, None
        depth = 0
        for match in _QUOTE_MARK.finditer(text):
            mark, at = match.group(), match.start()
            if mark == "\n" or (opener is not None and at - opened_at > _MAX_QUOTE_LENGTH):
                opener = None  # a quote never runs across a line break
                continue
            if opener is None:
                if mark in _OPENING_QUOTES and self.opens(at, mark):
                    opener, opened_at, closer, depth = mark, at, _OPENING_QUOTES[mark], 0
                continue
            if mark == opener and opener != closer:
                depth += 1  # «… «…» …»
                continue
            if mark == closer and (mark != "’" or not text[at + 1:at + 2].isalpha()):
                if depth:
                    depth -= 1
                    continue
                inner_start, inner_end = opened_at + 1, at
                while inner_start < inner_end and text[inner_start].isspace():
                    inner_start += 1
                while inner_end > inner_start and text[inner_end - 1].isspace():
                    inner_end -= 1
                if any(char.isalpha() for char in text[inner_start:inner_end]):
                    spans.append((inner_start, inner_end))
                opener = None
        return spans

    def opens(self, at: int, mark: str) -> bool:
        text = self.text
        following = text[at + 1:at + 2]
        if not following or following.isspace():
            return False
        if mark in ('"', "‘"):
            previous = text[at - 1:at] if at else ""
            return not previous or previous.isspace() or previous in "([{—–-/"
        return True

    def is_title(self, start: int) -> bool:
        """The law "On Trade Unions", films such as "Oyan, Kazakh!" ("Wake up, Kazakh!"): a name, not a quote."""
        reader = self.reader
        k = self.token_at(start) - 1
        if reader.low(k - 1) == "(" and reader.low(k - 2) in ('"', "”", "»", "“"):
            return True  # a title's translation in brackets after it
        return any(reader.low(back) in _TITLE_CUES for back in range(max(k - 4, 0), k))

    def is_name(self, start: int, end: int) -> bool:
        """ "Alash Horde", "Society for Universal Labor": every word capitalised, a name and not a quote."""
        words = [word for word in re.split(r"[^\w]+", self.text[start:end]) if word]
        significant = [word for word in words if word.lower() not in ("of", "the", "for", "and", "on", "in", "de")]
        return len(significant) >= 2 and words[0][:1].isupper() and all(word[:1].isupper() for word in significant)

    def reported_speech(self, limit: int) -> list[tuple[int, int, EntityHint | str | None]]:
        """Clauses of reported speech: what follows "X said that", "According to X,", "X condemns"."""
        found = []
        reader = self.reader
        for index, sentence_start in enumerate(self.sentence_starts):
            if len(found) >= limit:
                break
            sentence_end = self.sentence_starts[index + 1] if index + 1 < len(self.sentence_starts) else len(
                self.text)
            first, last = self.token_at(sentence_start), self.token_at(sentence_end)
            if last - first < 4:
                continue
            # "According to X, CLAUSE." and "CLAUSE, according to X."
            for k in range(first, last):
                if reader.low(k) in _ACCORDING_STARTS and any(reader.match_words(k, words) for words in _ACCORDING):
                    comma = next((c for c in range(k + 2, min(last, k + 15)) if reader.low(c) == ","), None)
                    speaker = self.speaker_in(k + 2, comma if comma is not None else last, k)
                    if k == first and comma is not None and comma + 1 < last:
                        found.append((*self.clause(comma + 1, last), speaker))
                    elif k > first + 2 and reader.low(k - 1) == ",":
                        found.append((*self.clause(first, k - 1), speaker))
                    break
            else:
                verb = self.reporting_verb(first, last)
                if verb is None:
                    # "The official reason was the allegedly insufficient number…": hearsay, the whole sentence.
                    if any(reader.low(k) in _HEARSAY for k in range(first, last)):
                        found.append((*self.clause(first, last), None))
                    continue
                verb_start, verb_end = verb
                speaker = self.speaker_before(verb_start, first)
                clause_start = verb_end
                if reader.low(clause_start) in ("that", "что", ":", ","):
                    clause_start += 1
                elif reader.low(verb_start) in ("said", "says", "told", "сказал", "сказала"):
                    continue  # "he said." closes a quote, which quoted_spans finds
                else:
                    clause_start = verb_start
                    if reader.low(verb_start - 1) and reader.low(verb_start - 1).endswith("ly"):
                        clause_start = verb_start - 1  # "resolutely condemns", "openly demanded"
                words = sum(1 for k in range(clause_start, last) if reader.kind(k) == WORD)
                if words >= 3:
                    found.append((*self.clause(clause_start, last), speaker))
        return found

    def reporting_verb(self, first: int, last: int) -> tuple[int, int] | None:
        """A verb of saying with a subject before it: "Tokayev claimed that", "The CPRF resolutely condemns",
        "it is stated that". Not the author's own voice ("we pointed out", "it should be noted that")."""
        reader = self.reader
        for k in range(first + 1, last):
            low = reader.low(k)
            if low not in _VERB_STARTS:
                continue
            end = None
            for words in _VERB_PHRASES:
                if low == words[0] and reader.match_words(k, words):
                    end = k + len(words)
                    break
            if end is None and low in _REPORTING_VERBS and reader.kind(k) == WORD and reader.raw(k).islower():
                end = k + 1
            if end is None:
                continue
            before = k - 1
            while before > first and (reader.low(before) or "").endswith("ly") and reader.kind(before) == WORD:
                before -= 1  # "resolutely condemns", "openly demanded"
            previous = reader.low(before)
            followed_by_that = reader.low(end) in ("that", "что")
            subject = before
            while subject > first and reader.low(subject) in _MODALS:
                subject -= 1  # "We must say that": the author's own voice
            if previous in _NOT_A_SUBJECT or reader.low(subject) in _FIRST_PERSON or (
                    previous == "-" and reader.glued(before)):
                continue
            accused = low == "accused" and reader.low(end) == "of"  # "he was accused of": a claim about him
            if previous in _BE and not accused and (not followed_by_that or reader.low(before - 1) in _MODALS):
                continue  # "were declared oppressed", "it should be noted that"; "it is stated that" stays
            if previous == "," and (low.endswith("ed") or low == "put") and not followed_by_that and \
                    self.clause_verb_follows(end, last):
                continue  # "The eradication of communism, declared the “supreme good”, led to": a participle
            if low in _BARE_FORMS and not followed_by_that:
                continue
            if low in _NOUN_OR_VERB and not (previous in _PRONOUNS or self.names_something(before)):
                continue
            return k, end
        return None

    def clause_verb_follows(self, start: int, last: int) -> bool:
        """A comma and then a finite verb later in the sentence: what came before was a participle phrase."""
        reader = self.reader
        return any(reader.low(k) == "," and (reader.low(k + 1) in _FINITE or reader.low(k + 1) in _CLOSING_MARKS
                                             and reader.low(k + 2) in _FINITE) for k in range(start, last - 1))

    def names_something(self, token: int) -> bool:
        """The token ends a name: an entity mention, or a capitalised word that is no part of "post-Soviet"."""
        mentions = self.mentions_between(max(token - 8, 0), token + 1)
        if any(mention.end == token + 1 for mention in mentions):
            return True
        raw = self.reader.raw(token) if 0 <= token < len(self.tokens) else ""
        return raw[:1].isupper() and not (self.reader.low(token - 1) == "-" and self.reader.glued(token))

    def clause(self, first: int, last: int) -> tuple[int, int]:
        """Character span of tokens first..last, without the sentence's final punctuation."""
        reader = self.reader
        while last - 1 > first and reader.kind(last - 1) == SYMBOL and reader.low(last - 1) in (".", "!", "?", "…",
                                                                                               ";"):
            last -= 1
        return self.tokens[first][1], self.tokens[last - 1][2]

    def speaker_in(self, first: int, last: int, before: int) -> EntityHint | str | None:
        """The speaker named in tokens first..last ("according to the SMK"), else a pronoun's referent."""
        mentions = [m for m in self.mentions_between(first, last) if m.entity.kind not in _NOT_SPEAKERS]
        if mentions:
            return mentions[0].entity
        return self.name_at(first, last) or self.resolve_pronoun(first, last, before)

    def speaker_before(self, verb: int, first: int) -> EntityHint | str | None:
        """The subject of a reporting verb: the last person or organisation named before it in the sentence,
        a capitalised name the entities lack, or whom "he", "they", "the president" stands for."""
        reader = self.reader
        if reader.low(verb - 1) in _BE and reader.low(verb - 2) in ("it", "he", "she", "they", "это"):
            return None  # "it is stated that", "he was accused of": the speaker is not in the sentence
        mentions = [m for m in self.mentions_between(first, verb) if m.entity.kind not in _NOT_SPEAKERS]
        if mentions:
            return mentions[-1].entity
        return self.name_at(first, verb) or self.resolve_pronoun(first, verb, verb)

    def name_at(self, first: int, last: int) -> str | None:
        """A run of capitalised words (not the sentence's first word alone): a name the entities lack."""
        reader, best = self.reader, None
        k = first
        while k < last:
            if reader.kind(k) == WORD and reader.raw(k)[:1].isupper() and (k > first or reader.raw(k).isupper()):
                end = k
                while end < last and reader.kind(end) == WORD and reader.raw(end)[:1].isupper():
                    end += 1
                if reader.low(k) not in _PRONOUNS and reader.low(k) not in ("the", "a", "an") and not any(
                        reader.low(w) in _ROLE_NOUNS or reader.low(w) in MONTH_WORDS for w in range(k, end)):
                    best = self.text[self.tokens[k][1]:self.tokens[end - 1][2]]
                k = end
            k += 1
        return best

    def resolve_pronoun(self, first: int, last: int, at: int) -> EntityHint | None:
        """Whom "he", "his", "they", "the president" in tokens first..last stands for: the last person (or
        organisation) named in this sentence before them or in the two sentences before."""
        reader = self.reader
        pronoun_kind = None
        for k in range(first, last):
            low = reader.low(k)
            if low in _PRONOUNS:
                pronoun_kind = _PRONOUNS[low]
                break
            if low in _ROLE_NOUNS and reader.low(k - 1) == "the":
                pronoun_kind = "person"
                break
        if pronoun_kind is None:
            return None
        sentence_first, _ = self.sentence_tokens(min(at, len(self.tokens) - 1))
        window_start = self.sentence_tokens(max(sentence_first - 1, 0))[0]
        window_start = self.sentence_tokens(max(window_start - 1, 0))[0]
        kinds = _SPEAKER_KINDS[pronoun_kind]
        for mention in reversed(self.mentions_between(window_start, at)):
            if mention.entity.kind in kinds:
                return mention.entity
        return None

    def quote_speaker(self, start: int, end: int) -> EntityHint | str | None:
        """Who says the quoted words: the reporting verb's subject in the sentence, "…", he said, or the person
        or organisation the sentence names before the quote ("Tokayev made up a fairytale about “…”")."""
        reader = self.reader
        token = self.token_at(start)
        first, last = self.sentence_tokens(token)
        verb = self.reporting_verb(first, last)
        if verb is not None and verb[0] < token:
            speaker = self.speaker_before(verb[0], first)
            if speaker is not None:
                return speaker
        after = self.token_at(end) + 1
        for k in range(after, min(after + 4, len(self.tokens))):
            if reader.low(k) in _REPORTING_VERBS:
                # "…," he said; «…», — сказал он: the pronoun stands before or just after the verb.
                return self.speaker_in(after, k, k) or self.resolve_pronoun(after, k + 2, k)
        mentions = [m for m in self.mentions_between(first, token) if m.entity.kind in ("person", "organisation",
                                                                                      "group")]
        if mentions:
            return mentions[-1].entity
        return self.resolve_pronoun(first, token, token)

_SUFFIXES = ("ations", "ation", "ated", "ating", "ings", "ing", "ions", "ion", "ies", "ed", "es", "s")


def _stem(word: str) -> str:
    """A light stem for matching cue words: liquidation/liquidated, погибли/погибших."""
    if word[:1] >= "а":  # Cyrillic: endings vary by case; five letters carry the root
        return word[:5]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[:-len(suffix)]
    return word


def _backwards(phrase: Phrase) -> bool:
    first, second = phrase.amounts
    lower = first.number
    if first.scale is None and second.scale is not None and second.base is not None and first.number < second.base:
        lower = first.number * second.scale
    return lower > second.number


def hints_from_corpus(corpus: dict) -> tuple[list[MetricHint], list[EntityHint]]:
    """Metric and entity hints from a seed-corpus dictionary (fixtures/seed/corpus.json)."""
    metrics = [MetricHint(m["slug"], m["name"], m.get("unit") or "") for m in corpus.get("metrics", [])]
    entities = [EntityHint(e["slug"], e["name"], tuple(e.get("aliases") or ()), e.get("kind") or "")
                for e in corpus.get("entities", [])]
    return metrics, entities


__all__ = ["EntityHint", "MetricHint", "Qualifier", "Suggestion", "TextTooLong", "extract", "guess_language",
           "hints_from_corpus"]
