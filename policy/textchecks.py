"""Pure checks of a post's text: readability (LIX), length per platform, plain language,
passive verbs and accessibility. Every finding is a Danish sentence that names what it found.

Counting rules (documented here because tests and users rely on them):

- A word is a run of letters or digits; hyphens, apostrophes and dots inside a word keep it
  one word ("Norddjurs-sider", "f.eks.", "5.000", "norddjurs.dk"). A web address beginning
  with http or www counts as one short word.
- A long word has more than 6 letters (digits and dots do not count as letters).
- A sentence ends at `.`, `!`, `?` or `:` followed by a space, a quote or the end, and at a
  line break. The dot after a common abbreviation ("kl.", "ca.", "bl.a.") and after an
  ordinal before a lower-case word ("1. maj") does not end a sentence. Pieces without words
  do not count.
- LIX = words / sentences + 100 * long words / words, rounded to one decimal; 0 for no words.

Plain language and passive verbs are looked up with set operations and one pass over the
text's words, so the cost stays linear in the text, whatever the size of the word lists.

A passive is found without a dictionary, so the rules lean to missing one rather than
flagging an ordinary word (policy/strategy.yaml `passive:` says the same for its lists):
- an s-form the data names ("behandles", and every officialese s-form), anywhere;
- any other word ending in -es/-ås right after an auxiliary ("skal", "kan", "der", ...) with
  at most two listed adverbs between ("kan ikke ses");
- any other word of five letters or more ending in consonant + "es" where a verb stands:
  before a preposition, conjunction, time word or the end of a clause, or after "som"/"nu"
  ("Træerne plantes i marts"). Not after a determiner or genitive ("vores borgeres"), not
  capitalised inside a sentence (a name), not in the data's `not_passive` list;
- "bliver"/"blev"/"blive" (after a modal)/"blevet" (after "er"/"var") + a past participle
  (-et, or a known strong or -t ending), with the subject between in inverted order
  ("Derfor bliver vejen lukket").
Nothing is found with "vi", "I" or "de" as subject ("vi ses": reciprocal, not passive).

Each passive gets one finding with one rewrite that names who acts: the agent of "af ..."
when the text names one; the reader (imperative, or "Du kan/må ...") for the data's reader
verbs and for unlisted verbs after "kan"/"må"; "vi" otherwise. An officialese verb in a
passive is named in that finding ("starte" i stedet for "igangsætte"), never in a second
officialese finding, so one word never gets two suggestions.

Accessibility: with images or video and no alt text -> `alt_text_missing`. With
`captions is False` -> `captions_missing`. With `captions is None` (the proposer skipped the
question, e.g. because there are only images) -> `captions_check`, a gentle reminder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from policy.data import PassiveWords
from policy.models import Finding, Platform

LONG_WORD_LETTERS = 6
ABBREVIATIONS = (
    "f.eks", "bl.a", "m.m", "o.l", "jf", "ca", "mv", "osv", "kl", "nr", "dvs", "mm", "inkl",
    "evt", "pga", "ift", "tlf", "stk", "vedr", "iht", "ifm", "mht", "hhv", "ang", "gl", "str",
)

_WORD_RE = re.compile(r"\w+(?:[-'’.]\w+)*")
_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_URL_RE = re.compile(r"(?:https?://|www\.)\S*[^\s.,!?:;)»”\"']", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?:]+(?=[\s\"'”»)]|$)|\n")
_ABBREVIATION_END_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(a) for a in ABBREVIATIONS) + r")$", re.IGNORECASE
)
_ORDINAL_NEXT_RE = re.compile(r"[ \t]+[a-zæøå]")
_HAS_WORD_RE = re.compile(r"\w")
_IRREGULAR_PRESENT = {"gøre": "gør", "være": "er", "vide": "ved"}


@dataclass(frozen=True, slots=True)
class TextStats:
    chars: int
    words: int
    long_words: int
    sentences: int
    lix: float


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """The length and readability guidance for one platform, as the checks need it."""

    platform: Platform
    label: str
    recommended_chars: int | None = None
    recommended_words: int | None = None
    hard_chars: int | None = None
    lix_max: float | None = None
    guidance: str = ""
    long_text_link_domain: str | None = None
    long_text_link_text: str = ""
    long_text_link_source: str = ""

    def over_recommended(self, stats: TextStats) -> bool:
        return (self.recommended_chars is not None and stats.chars > self.recommended_chars) or (
            self.recommended_words is not None and stats.words > self.recommended_words
        )


def danish_number(value: float, decimals: int = 0) -> str:
    """3001 -> "3.001", 52.25 with one decimal -> "52,3" (Danish separators)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def analyse(text: str) -> TextStats:
    """Count characters, words, long words and sentences, and compute LIX."""
    plain = _URL_RE.sub("link", text) if "http" in text or "www." in text else text
    words = _WORD_RE.findall(plain)
    candidates = [w for w in words if len(w) > LONG_WORD_LETTERS]
    long_words = len([w for w in candidates if w.isalpha() or _letters(w) > LONG_WORD_LETTERS])
    sentences, start = 0, 0
    for end in _SENTENCE_END_RE.finditer(plain):
        at = end.start()
        if end.group(0) == "." and _not_a_sentence_end(plain, at):
            continue
        before = plain[at - 1] if at > start else ""
        if before.isalnum() or _HAS_WORD_RE.search(plain, start, at):
            sentences += 1
        start = end.end()
    if _HAS_WORD_RE.search(plain, start):
        sentences += 1
    value = len(words) / max(sentences, 1) + 100 * long_words / len(words) if words else 0.0
    return TextStats(
        chars=len(text), words=len(words), long_words=long_words, sentences=sentences,
        lix=round(value, 1),
    )


def _not_a_sentence_end(text: str, at: int) -> bool:
    """The dot at `at` closes an abbreviation ("kl.") or an ordinal before a lower-case word."""
    if at and text[at - 1].isdigit():
        return _ORDINAL_NEXT_RE.match(text, at + 1) is not None
    return _ABBREVIATION_END_RE.search(text, max(0, at - 6), at) is not None


def _letters(word: str) -> int:
    return sum(c.isalpha() for c in word)


def lix(text: str) -> float:
    return analyse(text).lix


def _whole(form: str) -> re.Pattern[str]:
    """`form` followed by a non-word, any whitespace between its words. The pattern starts
    with a literal so that the search is fast; `_first_whole` checks the start."""
    body = r"\s+".join(re.escape(part) for part in form.split())
    return re.compile(rf"{body}(?!\w)")


def _first_whole(pattern: re.Pattern[str], lower: str) -> int | None:
    """Where `pattern` first matches as whole words in `lower`, or None."""
    for match in pattern.finditer(lower):
        at = match.start()
        if at == 0 or not (lower[at - 1].isalnum() or lower[at - 1] == "_"):
            return at
    return None


# ---------------------------------------------------------------- passive voice: grammar
# Closed Danish word classes the passive check needs. They are grammar, not policy, so they
# live here; the policy's word lists (which verbs, which exceptions) are in strategy.yaml.

_VOWELS = frozenset("aeiouyæøå")
_SENTENCE_END = frozenset({".", "!", "?", ":", "\n"})
_CLAUSE_END = _SENTENCE_END | {",", ";", ")", "(", "-", "–", "\"", "»", "«"}
_PREPOSITIONS = frozenset({
    "i", "på", "til", "af", "fra", "med", "via", "for", "om", "ved", "efter", "inden",
    "indtil", "senest", "over", "under", "hos", "mellem", "uden", "gennem", "mod", "omkring",
    "blandt", "langs", "bag", "foran", "siden", "trods", "pr", "per",
})
_CONJUNCTIONS = frozenset({
    "og", "eller", "men", "samt", "så", "når", "hvis", "fordi", "da", "mens", "før", "end",
    "at", "som", "der",
})
# Words after which a clause's subject begins ("..., og vejen lukkes").
_CLAUSE_OPENERS = frozenset({
    "og", "eller", "men", "så", "når", "hvis", "fordi", "da", "mens", "at",
})
# A noun phrase that ends in one of these says when, not who ("Hele sommeren holdes der
# åbent", "Hver måned udsendes nyhedsbrevet").
_TIME_WORDS = frozenset({
    "dag", "dagen", "morgen", "aften", "nat", "uge", "ugen", "måned", "måneden", "år", "året",
    "sommer", "sommeren", "vinter", "vinteren", "forår", "foråret", "efterår", "efteråret",
    "weekend", "weekenden", "gang", "tid", "tiden", "mandag", "tirsdag", "onsdag", "torsdag",
    "fredag", "lørdag", "søndag",
})
# A word ending in -es stands where a verb stands when one of these follows it: a genitive
# ("kommunes hal") is followed by a noun, never by these.
_FOLLOWERS = _PREPOSITIONS | _CONJUNCTIONS - {"som", "der", "end"} | frozenset({
    "kl", "hver", "hele", "igen", "ikke", "også", "nu", "snart", "straks", "hurtigt",
    "løbende", "automatisk", "dagligt", "ugentligt", "midlertidigt", "permanent", "helt",
    "delvist", "desværre", "derfor", "allerede", "altid", "aldrig", "kun", "gerne", "først",
    "fremover", "fortsat", "online", "digitalt", "her", "den", "ud", "ind", "op", "ned",
    "hjem", "frem", "sammen", "rundt", "væk", "mandag", "tirsdag", "onsdag", "torsdag",
    "fredag", "lørdag", "søndag", "januar", "februar", "marts", "april", "maj", "juni", "juli",
    "august", "september", "oktober", "november", "december", "weekenden",
})
# ... or when one of these stands right before it ("som tilbydes", "Nu åbnes legepladsen").
_S_PASSIVE_AFTER = frozenset({"som", "nu", "derfor", "her", "hvor", "hvornår", "dag", "morgen"})
# Before a finite verb (and its adverbs) these mean that the subject comes after it ("I
# morgen bliver vejen lukket", "Hvornår bliver mødet afholdt?", "Derfor bliver ...").
_INVERTING = _TIME_WORDS | frozenset({
    "nu", "derfor", "så", "her", "snart", "senere", "igen", "desværre", "endelig", "herefter",
    "hvornår", "hvor", "hvordan", "hvorfor", "hvad", "hvem", "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december",
})
# With these as subject an s-form is mostly reciprocal ("vi ses", "de mødes"), not passive.
_RECIPROCAL_SUBJECTS = frozenset({"vi", "i", "de"})
# With the reader as subject the reader is done to, so the municipality acts ("du kontaktes").
_READER_SUBJECTS = frozenset({"du", "man"})
_OBJECT_PRONOUNS = {
    "du": "dig", "i": "jer", "de": "dem", "han": "ham", "hun": "hende", "jeg": "mig",
    "den": "den", "alle": "alle",
}
_NEGATIONS = frozenset({"ikke", "aldrig", "heller"})
_NO_OBJECT = frozenset({"det", "dette", "man", "der", "her"})
# After "af" these are not who acts ("af hensyn til", "af sted", "af og til").
_NOT_AGENTS = frozenset({"hensyn", "sted", "og", "grund", "frygt", "mangel", "vejen"})
# Names a post often opens a sentence with; a rewrite keeps their capital.
_NAMES = frozenset({"facebook", "instagram", "linkedin", "aula", "youtube", "tiktok"})
# A word right after one of these is a noun ("vores borgeres virkelighed"), never a verb.
_DETERMINERS = frozenset({
    "vores", "deres", "jeres", "min", "mit", "mine", "din", "dit", "dine", "sin", "sit",
    "sine", "hans", "hendes", "dens", "dets", "en", "et", "denne", "dette", "disse", "hver",
    "hvert", "enhver", "ethvert",
})
# Personal pronouns that, right after an s-form, are its subject ("Hermed inviteres du").
_INVERTED_SUBJECTS = frozenset({"du", "han", "hun", "jeg"})
_NOT_IN_NOUN_PHRASE = _PREPOSITIONS | _CONJUNCTIONS | frozenset({
    "er", "var", "har", "havde", "bliver", "blev", "blive", "blevet", "vi", "jeg", "hvor",
    "hvornår", "hvad", "hvem", "hvordan", "hvorfor", "ikke", "kl",
})
_BLIVE_TENSE = {"bliver": "present", "blev": "past", "blive": "modal", "blevet": "perfect"}
_PERFECT_AUXILIARY = {"er": "har", "var": "havde"}  # "er blevet aflyst" -> "har aflyst"
# Strong and -t participles by ending: (infinitive ending, past ending). Any prefix may come
# before ("planlagt", "godkendt", "udsat"). "set" only counts alone.
_PARTICIPLE_ENDINGS: dict[str, tuple[str, str]] = {
    "skrevet": ("skrive", "skrev"), "revet": ("rive", "rev"), "fundet": ("finde", "fandt"),
    "givet": ("give", "gav"), "taget": ("tage", "tog"), "fået": ("få", "fik"),
    "hjulpet": ("hjælpe", "hjalp"), "trukket": ("trække", "trak"), "grebet": ("gribe", "greb"),
    "lagt": ("lægge", "lagde"), "sagt": ("sige", "sagde"), "gjort": ("gøre", "gjorde"),
    "holdt": ("holde", "holdt"), "sat": ("sætte", "satte"), "valgt": ("vælge", "valgte"),
    "solgt": ("sælge", "solgte"), "bragt": ("bringe", "bragte"), "budt": ("byde", "bød"),
    "fortalt": ("fortælle", "fortalte"), "sendt": ("sende", "sendte"),
    "lyst": ("lyse", "lyste"), "købt": ("købe", "købte"), "brugt": ("bruge", "brugte"),
    "ført": ("føre", "førte"), "hørt": ("høre", "hørte"), "kørt": ("køre", "kørte"),
    "nævnt": ("nævne", "nævnte"), "kendt": ("kende", "kendte"), "vist": ("vise", "viste"),
    "delt": ("dele", "delte"), "meldt": ("melde", "meldte"),
    "begyndt": ("begynde", "begyndte"), "tømt": ("tømme", "tømte"),
    "glemt": ("glemme", "glemte"), "spist": ("spise", "spiste"), "lånt": ("låne", "lånte"),
    "fyldt": ("fylde", "fyldte"), "betalt": ("betale", "betalte"),
    "bestilt": ("bestille", "bestilte"), "rejst": ("rejse", "rejste"),
    "løst": ("løse", "løste"),
}
_ENDINGS_LONGEST_FIRST = sorted(_PARTICIPLE_ENDINGS, key=len, reverse=True)
_ENDINGS = tuple(_ENDINGS_LONGEST_FIRST)
# "Billetter kan købes", "Vandet må ikke drikkes": what may or can be done is, in a post to
# citizens, what the reader may or can do. Kept in the rewrite: "Du kan købe billetter".
_MODALS_FOR_THE_READER = frozenset({"kan", "kunne", "må", "måtte"})


@dataclass(frozen=True, slots=True)
class _Passive:
    """One passive found: where, the words quoted, and the one rewrite suggested."""

    at: int
    quoted: str
    suggestion: str | None
    reader: bool
    # For a verb either side may do ("afhentes"): the reader's version too.
    reader_suggestion: str | None = None
    official: str | None = None  # the officialese form it also is ("igangsættes")
    plain_pair: tuple[str, str] | None = None  # ("igangsætte", "starte")


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A text's words and punctuation, lower-cased and as written; a line break is a token."""

    lower: list[str]
    written: list[str]
    names: frozenset[str]  # lower-cased words the text capitalises inside a sentence

    @classmethod
    def of(cls, text: str) -> _Tokens:
        written = _PASSIVE_TOKEN_RE.findall(text)
        lower = [t.lower() for t in written]
        names = frozenset(
            lower[i] for i in range(1, len(written))
            if written[i][:1].isupper() and lower[i - 1] not in _SENTENCE_END
        )
        return cls(lower=lower, written=written, names=names)

    def get(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""

    def starts_sentence(self, i: int) -> bool:
        return i == 0 or self.get(i - 1) in _SENTENCE_END

    def is_name(self, i: int) -> bool:
        """Capitalised inside a sentence: a name ("Agnes", "Norddjurs Kommunes")."""
        return self.written[i][:1].isupper() and not self.starts_sentence(i)

    def is_proper(self, i: int) -> bool:
        """A sentence's first word that keeps its capital in a rewrite: a platform name,
        "LinkedIn", or a word the text capitalises inside a sentence too."""
        word = self.written[i]
        return self.lower[i] in _NAMES | self.names or not word[1:].islower()


# Words as in `analyse` ("LinkedIn-profil", "norddjurs.dk" are one word), punctuation, and
# line breaks, which end sentences.
_PASSIVE_TOKEN_RE = re.compile(r"\w+(?:[-'’.]\w+)*|\n|[^\w\s]")


def _present(phrase: str) -> str:
    """"lukke" -> "lukker", "regne med" -> "regner med"."""
    verb, _, rest = phrase.partition(" ")
    verb = _IRREGULAR_PRESENT.get(verb, verb + "r")
    return f"{verb} {rest}" if rest else verb


def _imperative(phrase: str) -> str:
    """"sende" -> "send", "bestille" -> "bestil", "se" -> "se", "søge om" -> "søg om"."""
    verb, _, rest = phrase.partition(" ")
    if len(verb) > 2 and verb.endswith("e"):
        verb = verb[:-1]
        if verb[-1] == verb[-2] and verb[-1] not in _VOWELS:
            verb = verb[:-1]
    return f"{verb} {rest}" if rest else verb


def _with_object(phrase: str, obj: str | None) -> str:
    """Put the object where "{object}" is, else after the phrase."""
    if "{object}" in phrase:
        return phrase.replace("{object}", obj or "").replace("  ", " ").strip()
    return f"{phrase} {obj}" if obj else phrase


def _sentence(*parts: str | None) -> str:
    words = " ".join(p for p in parts if p)
    return words[:1].upper() + words[1:]


def _reader_object(obj: str | None, bare_noun: bool) -> str | None:
    """A bare noun the reader acts on gets "din"/"dine" where its ending shows the number
    and gender: "ansøgning" -> "din ansøgning", "bemærkninger" -> "dine bemærkninger"."""
    if not obj or not bare_noun:
        return obj
    if obj.endswith(("inger", "ioner", "heder", "elser")):
        return f"dine {obj}"
    if obj.endswith(("ing", "ion", "hed", "else")):
        return f"din {obj}"
    return obj


def participle_forms(word: str) -> tuple[str, str] | None:
    """The infinitive and past tense of a past participle, or None if `word` does not look
    like one: "lukket" -> ("lukke", "lukkede"), "planlagt" -> ("planlægge", "planlagde")."""
    if word == "set":
        return "se", "så"
    if word.endswith(_ENDINGS):  # one C-level test first: most words end in none
        for ending in _ENDINGS_LONGEST_FIRST:
            if word.endswith(ending) and ending != "set":
                infinitive, past = _PARTICIPLE_ENDINGS[ending]
                prefix = word[: len(word) - len(ending)]
                return prefix + infinitive, prefix + past
    if len(word) >= 5 and word.endswith("et") and word[-3] not in _VOWELS:
        return word[:-1], word[:-1] + "de"
    return None


class TextChecker:
    """Compiled once from the strategy's word lists; `check` is then a pure function."""

    def __init__(
        self,
        plain_words: Mapping[str, str],
        passive_words: PassiveWords | Iterable[str],
        auxiliaries: Iterable[str],
        adverbs: Iterable[str],
        not_passive: Iterable[str],
    ) -> None:
        self._plain = {" ".join(k.lower().split()): v for k, v in plain_words.items()}
        # Each form is looked for only when its longest word occurs in the text.
        self._single = frozenset(f for f in self._plain if _TOKEN_RE.fullmatch(f))
        self._keyed: dict[str, list[str]] = {}
        for form in self._plain:
            if form not in self._single:
                key = max(_TOKEN_RE.findall(form), key=len)
                self._keyed.setdefault(key, []).append(form)
        self._patterns = {form: _whole(form) for form in self._plain}
        if isinstance(passive_words, PassiveWords):
            municipality, reader = passive_words.municipality, passive_words.reader
            either = passive_words.either
            self._active = {k.lower(): v for k, v in passive_words.active.items()}
        else:
            municipality, reader, either, self._active = list(passive_words), [], [], {}
        self._reader = frozenset(w.lower() for w in reader)
        self._either = frozenset(w.lower() for w in either)
        self._auxiliaries = frozenset(a.lower() for a in auxiliaries)
        self._adverbs = frozenset(a.lower() for a in adverbs)
        listed = [w.lower() for w in not_passive]
        self._not_passive = frozenset(w for w in listed if not w.startswith("-"))
        self._not_passive_endings = tuple(w[1:] for w in listed if w.startswith("-"))
        # An officialese s-form ("igangsættes") is a passive too: one finding says both.
        official_s_forms = {
            form.split()[0] for form in self._plain
            if form.split()[0].endswith("es") and not self._excluded(form.split()[0])
        }
        self._municipality = frozenset(w.lower() for w in municipality)
        self._named = self._municipality | self._reader | self._either | official_s_forms

    def check(
        self,
        text: str,
        stats: TextStats,
        limits: Sequence[PlatformLimits],
        *,
        has_media: bool,
        alt_text: str | None,
        captions: bool | None,
        link: str | None,
    ) -> list[Finding]:
        lower = text.lower()
        vocabulary = frozenset(_TOKEN_RE.findall(lower))
        passives = self._passives(_Tokens.of(text))
        findings: list[Finding] = []
        findings += _length_findings(text, stats, limits, link)
        findings += _lix_findings(stats, limits)
        findings += self._officialese(lower, vocabulary, {p.official for p in passives})
        findings += [_passive_finding(p) for p in passives]
        findings += _accessibility_findings(has_media, alt_text, captions)
        return findings

    # ------------------------------------------------------------ officialese

    def _officialese(
        self, lower: str, vocabulary: frozenset[str], told: set[str | None]
    ) -> list[Finding]:
        """One finding per officialese form, in text order; `told` forms are already named
        in a passive finding."""
        candidates = list(vocabulary & self._single)
        for key in vocabulary.intersection(self._keyed):
            candidates += self._keyed[key]
        hits: list[tuple[int, str]] = []
        for form in candidates:
            at = _first_whole(self._patterns[form], lower)
            if at is not None:
                hits.append((at, form))
        hits.sort(key=lambda hit: (hit[0], -len(hit[1])))
        findings, covered = [], -1
        for start, form in hits:
            if start < covered:  # a word inside a longer phrase already reported
                continue
            covered = start + len(form)
            if form not in told:
                findings.append(Finding(
                    code="officialese", message=_plain_advice(form, self._plain[form])
                ))
        return findings

    # ------------------------------------------------------------ passive voice

    def _excluded(self, word: str) -> bool:
        return word in self._not_passive or word.endswith(self._not_passive_endings)

    def _passives(self, tokens: _Tokens) -> list[_Passive]:
        """Every passive once (by the words quoted), in text order."""
        found: dict[str, _Passive] = {}
        for i, word in enumerate(tokens.lower):
            if word in _BLIVE_TENSE:
                hit = self._blive_passive(tokens, i)
            elif word in found:  # an s-form is quoted as itself: reported already
                continue
            elif word.endswith(("es", "ås")) and len(word) > 2:
                hit = self._s_passive(tokens, i)
            else:
                continue
            if hit is not None and hit.quoted not in found:
                found[hit.quoted] = hit
        return sorted(found.values(), key=lambda hit: hit.at)

    def _skip_adverbs_back(self, tokens: _Tokens, i: int) -> tuple[int, list[str]]:
        """The index before at most two adverbs that end at `i - 1`, and those adverbs."""
        adverbs: list[str] = []
        j = i - 1
        while j >= 0 and len(adverbs) < 2 and tokens.get(j) in self._adverbs:
            adverbs.insert(0, tokens.get(j))
            j -= 1
        return j, adverbs

    def _skip_adverbs(self, tokens: _Tokens, i: int) -> tuple[int, list[str]]:
        """The index after at most two adverbs that start at `i`, and those adverbs."""
        adverbs: list[str] = []
        while len(adverbs) < 2 and tokens.get(i) in self._adverbs:
            adverbs.append(tokens.get(i))
            i += 1
        return i, adverbs

    def _negated(self, tokens: _Tokens, finite: int) -> bool:
        """A negation before the finite verb ("hvis den ikke bliver brugt") that the rewrite
        would leave out, turning the meaning around: then no rewrite is offered."""
        _, adverbs = self._skip_adverbs_back(tokens, finite)
        return not _NEGATIONS.isdisjoint(adverbs)

    def _noun_shaped(self, tokens: _Tokens, i: int) -> bool:
        """After a determiner or a genitive ("vores borgeres", "kommunens borgeres"), or first
        in a list of genitives ("borgeres, virksomheders og foreningers"): a noun."""
        before = tokens.get(i - 1)
        if before in _DETERMINERS or (len(before) > 4 and before.endswith(("ens", "ets", "nes"))):
            return True
        after = tokens.get(i + 2)
        return tokens.get(i + 1) in {",", "og", "eller"} and after.endswith("s") and not (
            after.endswith(("es", "ås"))
        )

    def _verb_shaped(self, word: str) -> bool:
        """Five letters or more, consonant + "es": "plantes", not "ses", "idees", "stories"."""
        return len(word) >= 5 and word.endswith("es") and word[-3] not in _VOWELS

    def _s_passive(self, tokens: _Tokens, i: int) -> _Passive | None:
        word = tokens.get(i)
        if self._excluded(word):
            return None
        before, adverbs = self._skip_adverbs_back(tokens, i)
        auxiliary = tokens.get(before) if tokens.get(before) in self._auxiliaries else ""
        if not auxiliary:
            before, adverbs = i - 1, []
        named = word in self._named and len(word) >= 5
        placed = self._verb_shaped(word) and (
            tokens.get(i + 1) in _FOLLOWERS or tokens.get(i + 1) in _CLAUSE_END
            or i + 1 == len(tokens.lower) or tokens.get(i - 1) in _S_PASSIVE_AFTER
        )
        if not (named or auxiliary or placed):
            return None
        if not named and (tokens.is_name(i) or self._noun_shaped(tokens, i)):
            return None
        subject_at = before if auxiliary else i
        subject_end, _ = self._skip_adverbs_back(tokens, subject_at)  # "hvis vi ikke ses"
        if tokens.get(subject_end) in _RECIPROCAL_SUBJECTS or tokens.get(i + 1) == "vi" or (
            i + 1 < len(tokens.written) and tokens.written[i + 1] == "I"
        ):
            return None
        hit = self._s_rewrite(tokens, i, auxiliary, adverbs, subject_at)
        return replace(hit, suggestion=None) if self._negated(tokens, subject_at) else hit

    def _s_rewrite(
        self, tokens: _Tokens, i: int, auxiliary: str, adverbs: list[str], subject_at: int
    ) -> _Passive:
        word = tokens.get(i)
        official, plain = self._official_at(tokens, i)
        lemma, pair = self._s_lemma(word, official, plain)
        after = i + 1 + (len(official.split()) - 1 if official else 0)
        if auxiliary == "der":  # "Der afholdes borgermøde": no modal to keep
            auxiliary = ""
        subject, bare, subject_word = self._s_subject(tokens, i, after, subject_at)
        if word == "bedes":  # "Du bedes udfylde skemaet" -> "Udfyld skemaet"
            verb_at, adverbs = self._skip_adverbs(tokens, i + 1)
            verb = tokens.get(verb_at)
            lemma = verb if verb.endswith("e") and len(verb) > 2 else None
            subject, bare = self._noun_phrase_after(tokens, verb_at + 1), False
        reader = word == "bedes" or (
            self._reader_acts(word, lemma, auxiliary) and subject_word not in _READER_SUBJECTS
        )
        agent = self._agent(tokens, after)
        reader = reader and agent is None
        obj = self._object(subject, reader, bare)
        suggestion = reader_suggestion = None
        if lemma is not None:
            who = _who(reader, auxiliary, agent)
            suggestion = _rewrite(lemma, who, auxiliary, adverbs, obj, "present")
            if who == "vi" and word in self._either and subject_word not in _READER_SUBJECTS:
                reader_obj = self._object(subject, True, bare)
                reader_suggestion = _rewrite(lemma, None, "", adverbs, reader_obj, "present")
        return _Passive(
            at=i, quoted=word, suggestion=suggestion, reader=reader, official=official,
            plain_pair=pair, reader_suggestion=reader_suggestion,
        )

    def _reader_acts(self, word: str, lemma: str | None, auxiliary: str) -> bool:
        """The reader acts when the verb is one of `reader`, or when it is in neither list and
        a modal says what can or may be done ("Udstillingen kan opleves")."""
        if word in self._reader or f"{lemma}s" in self._reader:
            return True
        return word not in self._municipality and auxiliary in _MODALS_FOR_THE_READER

    def _s_subject(
        self, tokens: _Tokens, i: int, after: int, subject_at: int
    ) -> tuple[str | None, bool, str]:
        """The s-passive's subject, whether it is a bare noun, and its first word."""
        if tokens.get(subject_at - 1) == "der":
            # "Der afholdes borgermøde": what is done comes after the verb.
            return self._noun_phrase_after(tokens, after), False, "der"
        if tokens.get(i + 1) in _INVERTED_SUBJECTS:  # "Hermed inviteres du"
            return tokens.get(i + 1), False, tokens.get(i + 1)
        if tokens.get(after) == "der":  # "Hele sommeren holdes der åbent"
            return self._noun_phrase_after(tokens, after + 1), False, "der"
        subject, bare = self._noun_phrase_before(tokens, subject_at)
        if subject is None:  # "Nu åbnes legepladsen", "I marts plantes træerne"
            return self._noun_phrase_after(tokens, after), False, ""
        return subject, bare, subject.split()[0].lower()

    def _official_at(self, tokens: _Tokens, i: int) -> tuple[str | None, str | None]:
        """The officialese form that starts at token `i` ("ansøges om"), and its plain one."""
        word = tokens.get(i)
        for form in (f"{word} {tokens.get(i + 1)}", word):
            if form in self._plain:
                return form, self._plain[form]
        return None, None

    def _s_lemma(
        self, word: str, official: str | None, plain: str | None
    ) -> tuple[str | None, tuple[str, str] | None]:
        """The active verb's infinitive phrase for an s-form, and (officialese, plain)
        infinitives when the verb is officialese: "igangsættes" -> "starte"."""
        if word in self._active:
            return self._active[word], None
        if word.endswith(("edes", "dtes")) and len(word) > 6:
            return None, None  # a past form ("afholdtes"): no safe present tense
        if official and plain:
            first, _, rest = _first_alternative(plain).partition(" ")
            if not first.endswith("s"):
                return None, None
            lemma = f"{first[:-1]} {rest}".strip()
            return lemma, (official.split()[0][:-1], first[:-1])
        return word[:-1], None

    def _blive_passive(self, tokens: _Tokens, i: int) -> _Passive | None:
        """"bliver behandlet", "blev flyttet", "vil blive plantet", "er blevet aflyst"."""
        tense = _BLIVE_TENSE[tokens.get(i)]
        finite, adverbs = i, list[str]()
        if tense in ("modal", "perfect"):
            finite, adverbs = self._skip_adverbs_back(tokens, i)
            helper = tokens.get(finite)
            if tense == "modal" and (helper not in self._auxiliaries or helper == "der"):
                return None
            if tense == "perfect" and helper not in _PERFECT_AUXILIARY:
                return None
        # Adverbs before the finite verb belong to a subordinate clause ("som også bliver
        # lukket") or to a fronted adverbial ("Derfor bliver vejen lukket"): look past them.
        before, _ = self._skip_adverbs_back(tokens, finite)
        inverted = before < 0 or tokens.get(before) in _SENTENCE_END | _INVERTING
        found = self._participle_after(tokens, i + 1, inverted)
        if found is None and tokens.get(before) == ",":
            # After a comma either order: "Hvis ..., bliver den fjernet" / "Stien, der går
            # langs søen, bliver lukket".
            found = self._participle_after(tokens, i + 1, True) or self._participle_after(
                tokens, i + 1, False
            )
        if found is None:
            return None
        at, subject_span, more = found
        participle = tokens.get(at)
        official = participle if participle in self._plain else None
        plain = _first_alternative(self._plain[participle]) if official else None
        forms = participle_forms(plain or participle)
        own = participle_forms(participle)
        if forms is None or own is None:
            return None
        subject, bare, subject_word = self._blive_subject(tokens, finite, at, subject_span)
        if subject_word == "vi":  # "Vi blev inviteret": natural, and we are not the actor
            return None
        agent = self._agent(tokens, at + 1)
        reader = (
            tense in ("present", "modal") and agent is None
            and forms[0] + "s" in self._reader and subject_word not in _READER_SUBJECTS
        )
        helper = tokens.get(finite)
        verb: str = {
            "present": forms[0], "past": forms[1], "modal": forms[0],
            "perfect": plain or participle,
        }[tense]
        auxiliary = helper if tense == "modal" else _PERFECT_AUXILIARY.get(helper, "")
        obj = self._object(subject, reader, bare)
        suggestion = None if self._negated(tokens, finite) else _rewrite(
            verb, _who(reader, auxiliary, agent), auxiliary, adverbs + more, obj, tense
        )
        return _Passive(
            at=finite, quoted=" ".join(tokens.lower[finite: at + 1]), suggestion=suggestion,
            reader=reader, official=official,
            plain_pair=(own[0], forms[0]) if official else None,
        )

    def _blive_subject(
        self, tokens: _Tokens, finite: int, at: int, span: tuple[int, int] | None
    ) -> tuple[str | None, bool, str]:
        """The blive-passive's subject (before the verb, or between the verb and the
        participle when inverted), whether it is a bare noun, and its first word."""
        if span is None and tokens.get(finite - 1) == "der":  # "Der vil blive plantet 500 træer"
            return self._noun_phrase_after(tokens, at + 1), False, "der"
        if span is None:
            subject, bare = self._noun_phrase_before(tokens, finite)
            first = subject.split(" ")[0].lower() if subject else tokens.get(finite - 1)
            return subject, bare, first
        if tokens.get(span[0]) == "der":  # "I år bliver der plantet 100 træer"
            return self._noun_phrase_after(tokens, at + 1), False, "der"
        subject, bare = self._span_noun_phrase(tokens, *span)
        return subject, bare, tokens.get(span[0])

    def _participle_after(
        self, tokens: _Tokens, i: int, inverted: bool
    ) -> tuple[int, tuple[int, int] | None, list[str]] | None:
        """The participle after a form of "blive", the subject between (inverted order only:
        "Bliver mødet aflyst?"), and the adverbs skipped."""
        if not inverted:
            at, adverbs = self._skip_adverbs(tokens, i)
            return (at, None, adverbs) if self._is_participle(tokens.get(at)) else None
        for length in range(1, 4):
            last = tokens.get(i + length - 1)
            if not last or not last[0].isalnum():
                return None
            at, adverbs = self._skip_adverbs(tokens, i + length)
            if self._is_participle(tokens.get(at)):
                return at, (i, i + length), adverbs
        return None

    def _is_participle(self, word: str) -> bool:
        return bool(word) and not self._excluded(word) and word not in self._adverbs and (
            participle_forms(word) is not None
        )

    def _noun_phrase_before(self, tokens: _Tokens, i: int) -> tuple[str | None, bool]:
        """The subject right before token `i` when it opens its clause: "Vejen", "Den nye
        vej", "du"; or None. The flag says it is one bare noun (no article)."""
        start = i
        while start > 0 and i - start < 4:
            word = tokens.get(start - 1)
            if not word[:1].isalnum() or word in _NOT_IN_NOUN_PHRASE or word in self._adverbs:
                break
            start -= 1
        opener = tokens.get(start - 1)
        if start == i or not (start == 0 or opener in _CLAUSE_END or opener in _CLAUSE_OPENERS):
            return None, False
        alone = start == i - 1
        if tokens.get(i - 1) in _TIME_WORDS or (alone and tokens.get(start) in self._plain):
            return None, False  # "Hver måned", "Hermed": when or how, not who
        return self._span_noun_phrase(tokens, start, i)

    def _noun_phrase_after(self, tokens: _Tokens, i: int) -> str | None:
        """A short noun phrase from token `i` to the next preposition, conjunction or
        punctuation ("Der afholdes borgermøde i hallen" -> "borgermøde")."""
        end = i
        while end < len(tokens.lower) and end - i < 4:
            word = tokens.get(end)
            joins = word == "og" and end > i and tokens.get(end + 1)[:1].isalnum()
            if not joins and (
                not word[:1].isalnum() or word in _NOT_IN_NOUN_PHRASE or word in self._adverbs
            ):
                break
            end += 1
        if tokens.get(end - 1) == "og":
            end -= 1
        return self._span_noun_phrase(tokens, i, end)[0] if end > i else None

    def _span_noun_phrase(self, tokens: _Tokens, start: int, end: int) -> tuple[str | None, bool]:
        words = tokens.written[start:end]
        if not words or any(not w[:1].isalnum() for w in words):
            return None, False
        if tokens.starts_sentence(start) and not tokens.is_proper(start) and all(
            w[:1].islower() for w in words[1:]
        ):
            words = [words[0][:1].lower() + words[0][1:], *words[1:]]
        first = words[0].lower()
        return " ".join(words), len(words) == 1 and first not in _OBJECT_PRONOUNS

    def _agent(self, tokens: _Tokens, i: int) -> str | None:
        """Who does it, when the text says so: "behandles af Jobcentret" -> "Jobcentret"."""
        if tokens.get(i) != "af":
            return None
        agent = self._noun_phrase_after(tokens, i + 1)
        if agent is None or not _NOT_AGENTS.isdisjoint(agent.lower().split()):
            return None
        return agent

    def _object(self, subject: str | None, reader: bool, bare: bool) -> str | None:
        """The passive's subject as the active sentence's object: "Vejen" -> "vejen",
        "du" -> "dig"; the reader's bare noun gets "din"/"dine"."""
        if subject is None or subject.lower() in _NO_OBJECT:
            return None
        pronoun = _OBJECT_PRONOUNS.get(subject.lower())
        if pronoun is not None and " " not in subject:
            return pronoun
        return _reader_object(subject, bare) if reader else subject


def _first_alternative(plain: str) -> str:
    return next((a.strip() for a in plain.split("|") if a.strip() != "-"), plain)


def _rewrite(
    verb: str, who: str | None, auxiliary: str, adverbs: list[str], obj: str | None,
    tense: str,
) -> str:
    """The active sentence. `verb` is the infinitive (the participle after "har", the past
    form for "past"); `who` None means the imperative. "Vi lukker vejen", "Send din
    ansøgning", "Du kan købe billetter", "Vi har aflyst koncerten", "Borgmesteren åbner
    den nye vej"."""
    between = " ".join(adverbs) or None
    if who is None:  # "Betal …": a bare imperative needs its object, so show the gap
        first, _, rest = _imperative(verb).partition(" ")
        return _sentence(first, between, _with_object(rest, obj) if rest else obj or "…")
    if auxiliary:
        return _sentence(who, auxiliary, between, _with_object(verb, obj))
    first, _, rest = (verb if tense == "past" else _present(verb)).partition(" ")
    return _sentence(who, first, between, _with_object(rest, obj) if rest else obj)


def _who(reader: bool, auxiliary: str, agent: str | None) -> str | None:
    """Who the rewrite names: the agent of "af ..." when the text names one, else the reader
    ("du" after "kan"/"må", the imperative otherwise), else the municipality ("vi")."""
    if agent:
        return agent
    if reader:
        return "du" if auxiliary in _MODALS_FOR_THE_READER else None
    return "vi"


def _plain_advice(form: str, plain: str) -> str:
    """'Skriv "hvis" i stedet for "såfremt".'; "-" among the alternatives: drop the word."""
    alternatives = [a.strip() for a in plain.split("|")]
    words = " eller ".join(f'"{a}"' for a in alternatives if a != "-")
    if alternatives[0] == "-":
        return f'Drop "{form}", eller skriv {words}.'
    if "-" in alternatives:
        return f'Skriv {words} i stedet for "{form}", eller drop ordet.'
    return f'Skriv {words} i stedet for "{form}".'


def _passive_finding(passive: _Passive) -> Finding:
    """One sentence per passive: who should act, the plain verb if it was officialese, and
    the rewrite."""
    heavy = passive.official is not None
    head = f'Passiv form{" og tungt ord" if heavy else ""}: "{passive.quoted}".'
    who = (
        "Her er det læseren, der skal gøre noget, så skriv direkte til læseren"
        if passive.reader else "Skriv hellere aktivt, hvem der gør hvad"
    )
    if passive.plain_pair:
        official, plain = passive.plain_pair
        who += f', og "{plain}" i stedet for "{official}"'
    elif heavy:
        who += " og med et lettere ord"
    example = f', fx "{passive.suggestion}"' if passive.suggestion else ""
    if passive.reader_suggestion:
        example += f', eller "{passive.reader_suggestion}", hvis det er læseren, der gør det'
    return Finding(code="passive", message=f"{head} {who}{example}.")


def _length_findings(
    text: str, stats: TextStats, limits: Sequence[PlatformLimits], link: str | None
) -> list[Finding]:
    findings = []
    chars, words = danish_number(stats.chars), danish_number(stats.words)
    for limit in limits:
        if limit.hard_chars is not None and stats.chars > limit.hard_chars:
            findings.append(Finding(
                code="too_long_hard", platform=limit.platform,
                message=(
                    f"Teksten er {chars} tegn, men {limit.label} tillader højst "
                    f"{danish_number(limit.hard_chars)} tegn. Forkort den, før den kan bruges der."
                ),
            ))
        elif limit.over_recommended(stats):
            findings.append(Finding(
                code="length", platform=limit.platform,
                message=(
                    f"Teksten er {chars} tegn og {words} ord, mere end anbefalet på "
                    f"{limit.label}. {limit.guidance}"
                ).strip(),
            ))
        domain = limit.long_text_link_domain
        if domain and limit.over_recommended(stats) and not _links_to(domain, text, link):
            findings.append(Finding(
                code="link_norddjurs" if domain == "norddjurs.dk" else "link_missing",
                platform=limit.platform,
                message=(
                    f"Teksten er lang ({chars} tegn) og linker ikke til {domain}. "
                    f"{limit.long_text_link_text} Strategien: \"{limit.long_text_link_source}\""
                ),
            ))
    return findings


def _links_to(domain: str, text: str, link: str | None) -> bool:
    if link:
        host = (urlsplit(link).hostname or "").lower()
        if host == domain or host.endswith("." + domain):
            return True
    lower = text.lower()
    if domain not in lower:
        return False
    for match in re.finditer(rf"{re.escape(domain)}(?!\w)", lower):
        at = match.start()
        if at == 0 or not (lower[at - 1].isalnum() or lower[at - 1] in "_-"):
            return True
    return False


def _lix_findings(stats: TextStats, limits: Sequence[PlatformLimits]) -> list[Finding]:
    over = [lim for lim in limits if lim.lix_max is not None and stats.lix > lim.lix_max]
    if not over:
        return []
    labels = " og ".join(lim.label for lim in over)
    ceiling = min(lim.lix_max for lim in over if lim.lix_max is not None)
    return [Finding(
        code="lix_high",
        platform=over[0].platform if len(over) == 1 else None,
        message=(
            f"LIX-tallet er {danish_number(stats.lix, 1)}, så teksten er svær at læse for "
            f"borgerne på {labels}. Sigt efter højst {danish_number(ceiling)}: "
            "korte sætninger og korte ord."
        ),
    )]


def _accessibility_findings(
    has_media: bool, alt_text: str | None, captions: bool | None
) -> list[Finding]:
    if not has_media:
        return []
    findings = []
    if not alt_text:
        findings.append(Finding(
            code="alt_text_missing",
            message=(
                "Opslaget har billeder eller video, men ingen alt-tekst. Beskriv kort, hvad "
                "billedet viser, så skærmlæsere kan læse det op for blinde og svagsynede."
            ),
        ))
    if captions is False:
        findings.append(Finding(
            code="captions_missing",
            message=(
                "Videoen har ingen undertekster. Tilføj undertekster, så alle kan følge med, "
                "også uden lyd og med nedsat hørelse."
            ),
        ))
    elif captions is None:
        findings.append(Finding(
            code="captions_check",
            message=(
                "Hvis opslaget har video med tale, så husk undertekster: mange ser video uden lyd."
            ),
        ))
    return findings
