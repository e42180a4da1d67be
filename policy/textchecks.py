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

Plain language and passive verbs are looked up in a lower-cased copy of the text with set
operations and one pass over its words, so the cost stays linear in the text, whatever the
size of the word lists. A passive is a listed s-form ("behandles") anywhere, or any word
ending in -es/-ås right after an auxiliary ("skal", "kan", "der", ...) with at most two
listed adverbs between and no punctuation ("kan ikke ses").

Accessibility: with images or video and no alt text -> `alt_text_missing`. With
`captions is False` -> `captions_missing`. With `captions is None` (the proposer skipped the
question, e.g. because there are only images) -> `captions_check`, a gentle reminder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

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


class TextChecker:
    """Compiled once from the strategy's word lists; `check` is then a pure function."""

    def __init__(
        self,
        plain_words: Mapping[str, str],
        passive_words: Iterable[str],
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
        self._passive_words = frozenset(w.lower() for w in passive_words)
        self._auxiliaries = frozenset(a.lower() for a in auxiliaries)
        self._adverbs = frozenset(a.lower() for a in adverbs)
        self._not_passive = frozenset(w.lower() for w in not_passive)

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
        tokens = _TOKEN_RE.findall(lower)
        vocabulary = frozenset(tokens)
        findings: list[Finding] = []
        findings += _length_findings(text, stats, limits, link)
        findings += _lix_findings(stats, limits)
        findings += self._officialese(lower, vocabulary)
        findings += self._passive(tokens, vocabulary)
        findings += _accessibility_findings(has_media, alt_text, captions)
        return findings

    def _officialese(self, lower: str, vocabulary: frozenset[str]) -> list[Finding]:
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
            findings.append(Finding(
                code="officialese", message=f'Skriv "{self._plain[form]}" i stedet for "{form}".'
            ))
        return findings

    def _passive(self, tokens: list[str], vocabulary: frozenset[str]) -> list[Finding]:
        hits: dict[str, int] = {}
        for word in vocabulary & self._passive_words:
            hits[word] = tokens.index(word)
        if not vocabulary.isdisjoint(self._auxiliaries):
            aux, adverbs, not_passive = self._auxiliaries, self._adverbs, self._not_passive
            count = len(tokens)
            for i, word in enumerate(tokens):
                if word not in aux:
                    continue
                for j in range(i + 1, min(i + 4, count)):
                    candidate = tokens[j]
                    if (
                        len(candidate) > 2 and candidate.endswith(("es", "ås"))
                        and candidate not in not_passive
                    ):
                        hits.setdefault(candidate, j)
                        break
                    if candidate not in adverbs:
                        break
        findings = []
        for word in sorted(hits, key=hits.__getitem__):
            active = self._active(word)
            hint = f', fx "vi {active}"' if active else ""
            findings.append(Finding(
                code="passive",
                message=f'Passiv form: "{word}". Skriv hellere aktivt, hvem der gør hvad{hint}.',
            ))
        return findings

    def _active(self, word: str) -> str | None:
        """"behandles" -> "behandler"; uses the plain word when there is one ("afholdes")."""
        base = self._plain.get(word, word)
        if " " in base or not base.endswith("s"):
            return None
        infinitive = base[:-1]
        return _IRREGULAR_PRESENT.get(infinitive, infinitive + "r")


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
