"""The strategy as a pure engine: intake in, recommendation out; no clock, network or database.

`strategy.yaml` (next to this file) is read and validated once, when this module is imported;
a broken data file fails the import with an error naming the line and the key. A municipality's
own file (`OPSLAG_STRATEGY`) is read with `load_policy` and put in use with `use_policy` by the
entry points at start; every recommendation keeps the version of the strategy it was made from.

How a platform's fit is decided: every rule whose condition holds either raises the fit
(`at_least`) or caps it (`at_most`). The fit is the highest raise (none: not_recommended),
lowered to the lowest cap (none: no cap), so a cap always beats a raise. The reasons given
are the rules that decided the fit, then the ones that support it; a raise that a cap
overruled is not shown. Each reason quotes the strategy sentence it rests on, as
`... Strategien: "<sentence>"`.

Further choices, all visible in `strategy.yaml`:
- A text is "long" (rule fact `long_text`) when it is over the recommended length of the
  strategy's `long_text_platform` (Facebook); the strategy sends longer stories to norddjurs.dk.
- Length, readability and link findings are given only for platforms that are not ruled out.
- Review (koncernlinjen): a crisis goes to the central team as urgent; a post whose best fits
  include one of the main profiles (Facebook, LinkedIn, Instagram) goes to the central team;
  a post whose best fits are the department's own channels, the intranet or norddjurs.dk stays
  in the department.
- Short first: `summary` is at most three lines (where, who approves, the one thing to fix;
  a missing consent or a crisis comes first). A "frarådes" platform shows only the reason that
  decided it. Each strategy sentence is quoted once per answer, in the order the answer is
  read (platforms, text findings, warnings, review); later uses show the reason alone.
- Crisis: `crisis_checklist` replaces every tone tip, so no everyday "humour" or "like a
  neighbour" advice reaches a crisis post.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import reduce
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypedDict, get_args

from pydantic import ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from policy.data import (
    FIT_RANK,
    Condition,
    GateRule,
    Guidance,
    QuestionSpec,
    Rule,
    Strategy,
    WarningRule,
)
from policy.loader import SHIPPED, StrategyFile, read_strategy
from policy.models import (
    SUMMARY_CHARS,
    SUMMARY_LINES,
    AdviceWarning,
    Finding,
    Fit,
    Gate,
    Intake,
    Option,
    Platform,
    PlatformFit,
    Question,
    Recommendation,
    Review,
    TextChecks,
    clean_line,
    link_host,
)
from policy.textchecks import PlatformLimits, TextChecker, analyse, danish_number

__all__ = [
    "POLICY_VERSION",
    "CoverageGroup",
    "Policy",
    "active_policy",
    "compile_policy",
    "coverage_groups",
    "department_choice_help",
    "gates",
    "intake_errors",
    "label",
    "load_policy",
    "parse_intake",
    "policy_version",
    "questions",
    "recommend",
    "use_policy",
    "validation_errors",
]

DATA_FILE = SHIPPED
# The kinds of platform the code knows; a strategy uses some or all of them, in its own order.
PLATFORM_ORDER: tuple[Platform, ...] = get_args(Platform)
_FITS: tuple[Fit, Fit, Fit] = ("not_recommended", "possible", "recommended")
_SHIPPED = read_strategy()  # validated at import: a broken shipped file never reaches a request
# The shipped strategy's version. `policy_version()` is the version of the one in use, which
# OPSLAG_STRATEGY may have replaced.
POLICY_VERSION: str = _SHIPPED.version


class CoverageGroup(TypedDict):
    """A strength position or focus area, and the intake themes that count towards it."""

    key: str
    label: str
    kind: Literal["styrkeposition", "fokusomraade"]
    themes: list[str]


class _Facts(NamedTuple):
    """What the rules look at; a tuple, so the compiled predicates index it cheaply."""

    crisis: bool
    has_media: bool
    long_text: bool
    audience: frozenset[str]
    theme: str
    content_type: str
    job_level: str | None
    media_kind: str | None
    people_in_media: str | None
    consent: bool  # True only when the proposer answered yes
    alt_text: bool  # an alt text was written
    captions: bool  # True only when the proposer answered yes
    mentions: frozenset[str]  # the `mentions` lists the text (or title) matches


_Predicate = Callable[[_Facts], bool]
_INDEX = {name: i for i, name in enumerate(_Facts._fields)}


def _compile(cond: Condition) -> _Predicate:
    """Turn a condition into one fast predicate over the facts of an intake."""
    tests: list[_Predicate] = []
    for flag in ("crisis", "has_media", "long_text", "consent", "alt_text", "captions"):
        value = getattr(cond, flag)
        if value is not None:
            tests.append(_is(_INDEX[flag], value))
    if cond.audience_any is not None:
        tests.append(_audience_any(cond.audience_any))
    if cond.audience_none is not None:
        tests.append(_audience_none(cond.audience_none))
    if cond.audience_only is not None:
        tests.append(_audience_only(cond.audience_only))
    for attr, values, wanted in (
        ("theme", cond.theme, True), ("theme", cond.theme_not, False),
        ("content_type", cond.content_type, True), ("content_type", cond.content_type_not, False),
        ("job_level", cond.job_level, True), ("job_level", cond.job_level_not, False),
        ("media_kind", cond.media_kind, True), ("media_kind", cond.media_kind_not, False),
        ("people_in_media", cond.people_in_media, True),
    ):
        if values is not None:
            tests.append(_member(_INDEX[attr], frozenset(values), wanted))
    if cond.mentions_any is not None:
        tests.append(_mentions(cond.mentions_any, wanted=True))
    if cond.mentions_none is not None:
        tests.append(_mentions(cond.mentions_none, wanted=False))
    if not tests:
        return lambda facts: True
    return reduce(_and, tests)


def _and(first: _Predicate, second: _Predicate) -> _Predicate:
    return lambda facts: first(facts) and second(facts)


def _is(index: int, value: bool) -> _Predicate:
    return lambda facts: facts[index] is value


def _audience_any(values: frozenset[str]) -> _Predicate:
    return lambda facts: not values.isdisjoint(facts.audience)


def _audience_none(values: frozenset[str]) -> _Predicate:
    return lambda facts: values.isdisjoint(facts.audience)


def _audience_only(values: frozenset[str]) -> _Predicate:
    return lambda facts: facts.audience <= values


def _mentions(names: frozenset[str], *, wanted: bool) -> _Predicate:
    if wanted:
        return lambda facts: not names.isdisjoint(facts.mentions)
    return lambda facts: names.isdisjoint(facts.mentions)


def _member(index: int, values: frozenset[str], wanted: bool) -> _Predicate:
    if wanted:
        return lambda facts: facts[index] in values
    return lambda facts: facts[index] not in values


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: Rule
    holds: _Predicate
    low: int | None  # rank of at_least
    high: int | None  # rank of at_most
    reason: _Cited


class _Cited(NamedTuple):
    """A sentence of ours and the strategy sentence it rests on, quoted when shown."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class _ToneRule:
    holds: _Predicate
    platforms: frozenset[str]
    tip: str
    key: bool


@dataclass(frozen=True, slots=True)
class _Warning:
    rule: WarningRule
    holds: _Predicate


@dataclass(frozen=True, slots=True)
class _Gate:
    rule: GateRule
    holds: _Predicate


@dataclass(frozen=True, slots=True)
class _State:
    """A strategy file compiled for the engine (public as `Policy`): its conditions as
    predicates, its labels and questions, and the name and version of the file."""

    strategy: Strategy
    rules: dict[str, tuple[_CompiledRule, ...]]
    tone_rules: tuple[_ToneRule, ...]
    warnings: tuple[_Warning, ...]
    gates: tuple[_Gate, ...]
    mentions: dict[str, re.Pattern[str]]
    limits: dict[str, PlatformLimits]
    checker: TextChecker
    questions: tuple[Question, ...]
    labels: dict[str, dict[str, str]]
    groups: tuple[CoverageGroup, ...]
    question_specs: dict[str, QuestionSpec]
    name: str
    version: str
    platforms: tuple[Platform, ...]  # the strategy's own, in its order


def _cite(text: str, source: str) -> str:
    return f'{text} Strategien: "{source}"'


def compile_policy(file: StrategyFile) -> _State:
    """A validated strategy file, ready to answer from."""
    strategy = file.strategy
    rules: dict[str, list[_CompiledRule]] = {p: [] for p in strategy.platforms}
    for rule in strategy.rules:
        rules[rule.platform].append(_CompiledRule(
            rule=rule, holds=_compile(rule.when),
            low=None if rule.at_least is None else FIT_RANK[rule.at_least],
            high=None if rule.at_most is None else FIT_RANK[rule.at_most],
            reason=_Cited(rule.reason, rule.source),
        ))
    limits: dict[str, PlatformLimits] = {}
    for key, spec in strategy.platforms.items():
        length = spec.length
        limits[key] = PlatformLimits(
            platform=key, label=spec.label, recommended_chars=length.recommended_chars,
            recommended_words=length.recommended_words, hard_chars=length.hard_chars,
            lix_max=spec.lix_max, guidance=length.guidance,
            long_text_link_domain=length.long_text_link_domain,
            long_text_link_text=length.long_text_link.text if length.long_text_link else "",
            long_text_link_source=length.long_text_link.source if length.long_text_link else "",
        )
    plain: dict[str, str] = {}
    for entry in strategy.plain_words:
        plain[entry.word] = entry.plain
        plain.update(entry.forms)
    checker = TextChecker(
        plain, strategy.passive.words, strategy.passive.auxiliaries, strategy.passive.adverbs,
        strategy.passive.not_passive,
    )
    labels: dict[str, dict[str, str]] = {
        "platform": {k: v.label for k, v in strategy.platforms.items()},
        "audience": _str_dict(strategy.audiences),
        "theme": _str_dict(strategy.themes),
        "content_type": _str_dict(strategy.content_types),
        "job_level": _str_dict(strategy.job_levels),
        "media_kind": _str_dict(strategy.media_kinds),
        "people_in_media": _str_dict(strategy.people_in_media),
        "fit": _str_dict(strategy.fits),
        "route": _str_dict(strategy.routes),
        "gate": {gate.code: gate.label for gate in strategy.gates},
    }
    options = {
        "audiences": labels["audience"], "themes": labels["theme"],
        "content_types": labels["content_type"], "job_levels": labels["job_level"],
        "media_kinds": labels["media_kind"], "people_in_media": labels["people_in_media"],
    }
    built = tuple(
        Question(
            id=q.id, label=q.label, help=q.help, kind=q.kind, required=q.required,
            options=[
                Option(value=k, label=v) for k, v in options[q.options_from].items()
            ] if q.options_from else [],
            max_length=_max_length(q.id),
            applies_when={k: list(v) for k, v in q.applies_when.items()},
        )
        for q in strategy.questions
    )
    groups = tuple(
        CoverageGroup(key=g.key, label=g.label, kind=g.kind, themes=list(g.themes))
        for g in strategy.coverage_groups
    )
    return _State(
        strategy=strategy,
        rules={k: tuple(v) for k, v in rules.items()},
        tone_rules=tuple(
            _ToneRule(_compile(t.when), frozenset(t.platforms), t.tip, t.key)
            for t in strategy.tone_rules
        ),
        warnings=tuple(_Warning(w, _compile(w.when)) for w in strategy.warnings),
        gates=tuple(_Gate(g, _compile(g.when)) for g in strategy.gates),
        mentions={
            name: re.compile("|".join(f"(?:{p})" for p in spec.patterns), re.IGNORECASE)
            for name, spec in strategy.mentions.items()
        },
        limits=limits,
        checker=checker,
        questions=built,
        labels=labels,
        groups=groups,
        question_specs={q.id: q for q in strategy.questions},
        name=file.name,
        version=file.version,
        platforms=tuple(strategy.platforms),
    )


def _str_dict(mapping: Mapping[Any, str]) -> dict[str, str]:
    return {str(key): value for key, value in mapping.items()}


def _max_length(field: str) -> int | None:
    for constraint in Intake.model_fields[field].metadata:
        value = getattr(constraint, "max_length", None)
        if isinstance(value, int):
            return value
    return None


Policy = _State
_SHIPPED_POLICY = compile_policy(_SHIPPED)
_active = _SHIPPED_POLICY


def _state() -> Policy:
    """The policy in use: the shipped strategy, or the one `use_policy` put in its place."""
    return _active


def load_policy(path: str | Path | None = None) -> Policy:
    """The strategy in `path` (the shipped one when None), validated and compiled; raises
    StrategyError naming each problem by line and key."""
    if path is None:
        return _SHIPPED_POLICY
    return compile_policy(read_strategy(path))


def use_policy(policy: Policy) -> None:
    """Answer from `policy` from now on (the entry points do this once, at start)."""
    global _active
    _active = policy


def active_policy() -> Policy:
    return _active


def policy_version() -> str:
    """The version of the strategy in use, which every recommendation keeps."""
    return _active.version


# --------------------------------------------------------------------------- public API


def questions() -> list[Question]:
    """The guided questions in the order they are asked; every surface renders these."""
    return [q.model_copy(deep=True) for q in _state().questions]


def gates(intake: Intake) -> list[Gate]:
    """What stops an approval of this intake until it is fixed (people without consent, an
    image without alt text, a video without subtitles), in the data file's order; empty when
    nothing does. Whether a reviewer may approve past one is the workflow's to decide."""
    state = _state()
    facts = _facts(intake, state, long_text=False)  # no gate reads the text (data.GateRule)
    return [
        Gate(code=gate.rule.code, label=gate.rule.label, message=gate.rule.text,
             guidance=_guidance(gate.rule.guidance, state))
        for gate in state.gates if gate.holds(facts)
    ]


def department_choice_help() -> str:
    """The department question's help when it is a choice from the departments file."""
    return _state().strategy.messages.department_choice_help


def label(kind: str, key: str) -> str:
    """The Danish label of a platform, audience, theme, content_type, fit, route, job_level or
    gate (its clause: "billedet mangler alt-tekst")."""
    return _state().labels.get(kind, {}).get(key, key)


def coverage_groups() -> list[CoverageGroup]:
    """The strength positions, then the focus areas, for the weekly digest."""
    return [
        CoverageGroup(key=g["key"], label=g["label"], kind=g["kind"], themes=list(g["themes"]))
        for g in _state().groups
    ]


def parse_intake(data: dict[str, Any]) -> Intake:
    """A validated intake; raises pydantic's ValidationError, also for cross-field rules."""
    intake = Intake.model_validate(data)
    if intake.content_type == "jobopslag" and intake.job_level is None:
        raise ValidationError.from_exception_data("Intake", [InitErrorDetails(
            type=PydanticCustomError("job_level_required", "job_level is required for jobopslag"),
            loc=("job_level",), input=data.get("job_level"),
        )])
    return intake


def intake_errors(data: dict[str, Any]) -> dict[str, str]:
    """Field name -> one short Danish message; empty when `parse_intake(data)` would succeed."""
    state = _state()
    messages = state.strategy.messages
    if not isinstance(data, dict):
        return {"intake": messages.not_an_object}
    errors: dict[str, str] = {}
    try:
        Intake.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc)
    content_type, job_level = data.get("content_type"), data.get("job_level")
    if content_type == "jobopslag" and (job_level is None or str(job_level).strip() == ""):
        errors.setdefault("job_level", state.question_specs["job_level"].errors.missing)
    return errors


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """Field name -> one short Danish message, for what `parse_intake` refused."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        if not error["loc"]:
            errors.setdefault("intake", _state().strategy.messages.not_an_object)
            continue
        field = str(error["loc"][0])
        errors.setdefault(field, _message(field, error))
    return errors


# Error types `Intake` raises that have a message of their own in the field's `errors`.
_SPECIFIC_ERRORS = frozenset(
    {"control_character", "link_whitespace", "link_userinfo", "link_host"}
)


def _message(field: str, error: ErrorDetails) -> str:
    state = _state()
    messages = state.strategy.messages
    kind = error["type"]
    if kind == "extra_forbidden":
        return messages.unknown_field.format(field=field)
    spec = state.question_specs.get(field)
    if spec is None:  # cannot happen while the questions cover the intake; be safe anyway
        return messages.unknown_field.format(field=field)
    blank = isinstance(error.get("input"), str) and not str(error.get("input")).strip()
    if kind in ("missing", "too_short", "string_too_short", "job_level_required") or blank:
        return spec.errors.missing
    if kind in _SPECIFIC_ERRORS and getattr(spec.errors, kind):
        return str(getattr(spec.errors, kind))
    if kind == "string_too_long" and spec.errors.too_long:
        ctx = error.get("ctx") or {}
        # Counted as the limit counts: without surrounding whitespace, without what the draft
        # loses (control characters), and for a link with its host in ASCII ("actual").
        actual = ctx.get("actual") or len(str(error.get("input", "")).strip())
        limit = ctx.get("max_length") or _max_length(field) or 0
        return spec.errors.too_long.format(
            max=danish_number(int(limit)), actual=danish_number(actual)
        )
    if kind.startswith("bool"):
        return messages.bool_invalid
    if kind.startswith("date"):
        return messages.date_invalid
    return spec.errors.invalid


# The text findings in the order they matter for the summary's "most important" line: what
# blocks the post first, then what the reader meets first.
_FINDING_PRIORITY = (
    "too_long_hard", "alt_text_missing", "captions_missing", "length", "link_norddjurs",
    "link_missing", "lix_high", "passive", "officialese", "captions_check",
)
_CAPTION_FINDINGS = frozenset({"captions_missing", "captions_check"})
_QUOTED = re.compile(r'^(?P<text>.*?) Strategien: "(?P<source>[^"]+)"$', re.DOTALL)


class _Quotes:
    """Quotes each strategy sentence once per answer: the first reason that rests on it shows
    it, later ones show only their own sentence."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def cite(self, cited: _Cited) -> str:
        if cited.source in self._seen:
            return cited.text
        self._seen.add(cited.source)
        return _cite(cited.text, cited.source)

    def finding(self, finding: Finding) -> Finding:
        match = _QUOTED.match(finding.message)
        if match is None:
            return finding
        message = self.cite(_Cited(match["text"], match["source"]))
        return finding.model_copy(update={"message": message})


def recommend(
    intake: Intake, *, crisis_phone: str | None = None, own_channels: Sequence[str] = (),
    department_reviewer: str | None = "", policy: Policy | None = None,
) -> Recommendation:
    """Which platforms fit, in which tone, what to fix in the text, and who reviews it.

    `crisis_phone` is the communications team's crisis phone number (a setting the caller
    reads; the policy stays pure). Without it the crisis advice says to call them, with no
    number. `own_channels` names the proposing department's own profiles and pages (from the
    departments file, which the caller reads): the advice then names them where it would say
    "afdelingens egne kanaler". `department_reviewer` is who approves a department's own post
    in Opslag: "" the department, unnamed (the strategy's word for it); a department's name
    when its own reviewers decide; None when it has none, so the central team approves in its
    place and the answer says so (the route is then central). `policy`: another strategy than
    the one in use (`opslag strategi tjek` compares two)."""
    state = policy if policy is not None else _state()
    strategy = state.strategy
    stats = analyse(intake.text)
    long_text = state.limits[strategy.long_text_platform].over_recommended(stats)
    facts = _facts(intake, state, long_text=long_text)
    decided = sorted(
        (_platform_fit(platform, facts, state) for platform in state.platforms),
        key=lambda pf: -FIT_RANK[pf[0]],
    )
    active = [platform for fit, platform, _ in decided if fit != "not_recommended"]
    names = _Names(tuple(own_channels), state)
    quotes = _Quotes()
    fits = [
        PlatformFit(platform=platform, fit=fit, reasons=[quotes.cite(r) for r in reasons])
        for fit, platform, reasons in decided
    ]

    findings = state.checker.check(
        intake.text, stats, [state.limits[p] for p in active if p in state.limits],
        has_media=intake.has_media, alt_text=intake.alt_text, captions=intake.captions,
        link=intake.link,
    )
    if intake.media_kind == "foto":  # subtitles are advice for video only
        findings = [f for f in findings if f.code not in _CAPTION_FINDINGS]
    findings = [quotes.finding(f) for f in findings]

    phone = _phone(crisis_phone)
    fired = [w.rule for w in state.warnings if w.holds(facts)]
    warnings = [
        AdviceWarning(code=rule.code, message=_warning_message(rule, phone, quotes, state))
        for rule in fired
    ]
    if not active:
        warnings.append(AdviceWarning(code="no_platform", message=strategy.messages.no_platform))
    host = link_host(intake.link) if intake.link else None
    if host and _punycode_host(host):
        warnings.append(AdviceWarning(
            code="link_not_ascii", message=strategy.messages.link_not_ascii.format(host=host),
        ))
    review, review_reason = _review(intake, fits, state, names)
    if review.route == "department" and department_reviewer is None:
        review = review.model_copy(update={"route": "central"})
        fallback = strategy.messages.department_fallback
        review_reason = _Cited(f"{review_reason.text} {fallback}", review_reason.source)
    review = review.model_copy(update={"reason": quotes.cite(review_reason)})
    names = replace(names, reviewer=department_reviewer or "")
    key_tips = [
        rule.tip for rule in state.tone_rules
        if rule.key and not intake.crisis and rule.holds(facts)
        and any(p in rule.platforms for p in active)
    ]
    return Recommendation(
        summary=_summary(fits, review, fired, phone, findings, key_tips, warnings, state, names),
        platforms=fits,
        tone_tips={} if intake.crisis else _tone_tips(fits, facts, state, names),
        text_checks=TextChecks(lix=stats.lix, words=stats.words, findings=findings),
        review=review,
        warnings=warnings,
        crisis_checklist=_crisis_checklist(phone, state) if intake.crisis else [],
        policy_version=state.version,
    )


def _facts(intake: Intake, state: _State, *, long_text: bool) -> _Facts:
    searched = f"{intake.title or ''}\n{intake.text}"
    return _Facts(
        crisis=intake.crisis, has_media=intake.has_media, long_text=long_text,
        audience=frozenset(intake.audience), theme=intake.theme,
        content_type=intake.content_type, job_level=intake.job_level,
        media_kind=intake.media_kind if intake.has_media else None,
        people_in_media=intake.people_in_media if intake.has_media else None,
        consent=intake.consent is True,
        alt_text=bool(intake.alt_text),
        captions=intake.captions is True,
        mentions=frozenset(
            name for name, pattern in state.mentions.items() if pattern.search(searched)
        ),
    )


def _phone(value: str | None) -> str | None:
    """The crisis phone number as one line, or None when it is not set."""
    if value is None:
        return None
    cleaned = " ".join(clean_line(value).split())
    return cleaned or None


def _tone_tips(
    fits: list[PlatformFit], facts: _Facts, state: _State, names: _Names
) -> dict[str, list[str]]:
    """This post's tips first, then the platform's everyday ones: all of them where it is
    recommended, only the first (its tone in one sentence) where it merely can be used; none
    where it is ruled out. The department's own channels, when known, open its tips."""
    tone_tips: dict[str, list[str]] = {}
    for fit in fits:
        if fit.fit == "not_recommended":
            continue
        platform = fit.platform
        tips = names.tips(platform)
        tips += [r.tip for r in state.tone_rules if platform in r.platforms and r.holds(facts)]
        everyday = state.strategy.platforms[platform].tone_tips
        tips += everyday if fit.fit == "recommended" else everyday[:1]
        tone_tips[platform] = list(dict.fromkeys(tips))
    return tone_tips


def _call(phone: str | None) -> str:
    return f" på {phone}" if phone else ""


def _warning_text(rule: WarningRule, phone: str | None) -> str:
    return rule.text.replace("{call}", _call(phone))


def _warning_message(
    rule: WarningRule, phone: str | None, quotes: _Quotes, state: _State
) -> str:
    text = _warning_text(rule, phone)
    if rule.source is not None:
        text = quotes.cite(_Cited(text, rule.source))
    if rule.guidance is not None:
        text += " " + _guidance(rule.guidance, state)
    return text


def _guidance(guidance: Guidance, state: _State) -> str:
    return state.strategy.messages.guidance.format(
        name=guidance.name, says=guidance.says, url=guidance.url
    )


def _crisis_checklist(phone: str | None, state: _State) -> list[str]:
    messages = state.strategy.messages
    call = messages.crisis_call_phone.format(phone=phone) if phone else messages.crisis_call
    return [item.text for item in state.strategy.crisis_checklist] + [call]


def _summary(
    fits: list[PlatformFit], review: Review, fired: list[WarningRule], phone: str | None,
    findings: list[Finding], key_tips: list[str], warnings: list[AdviceWarning], state: _State,
    names: _Names,
) -> list[str]:
    """At most three short lines: what must be read first (a missing consent, a crisis),
    then where to post, who approves, and the one most important thing to fix."""
    messages = state.strategy.messages
    lines = [_warning_text(rule, phone) for rule in fired if rule.first]
    lines.append(_where(fits, state, names))
    route = state.labels["route"].get(review.route, review.route)
    if review.route == "department" and names.reviewer:
        route = names.reviewer
    who = messages.summary_who_urgent if review.urgent else messages.summary_who
    lines.append(who.format(route=route))
    advice = _most_important(fired, phone, findings, key_tips, warnings)
    if advice:
        lines.append(messages.summary_fix.format(advice=advice))
    return [_short(line) for line in lines[:SUMMARY_LINES]]


def _where(fits: list[PlatformFit], state: _State, names: _Names) -> str:
    messages = state.strategy.messages
    recommended = [f.platform for f in fits if f.fit == "recommended"]
    possible = [names.in_sentence(f.platform) for f in fits if f.fit == "possible"]
    if recommended:
        # The first name opens the line after "Hvor:", so it keeps its capital.
        shown = [names.label(recommended[0])] + [names.in_sentence(p) for p in recommended[1:]]
        line = messages.summary_where.format(recommended=_join(shown))
        if possible:
            line += " " + messages.summary_also.format(possible=_join(possible))
        return line
    if possible:
        return messages.summary_only_possible.format(possible=_join(possible))
    return messages.no_platform


def _most_important(
    fired: list[WarningRule], phone: str | None, findings: list[Finding], key_tips: list[str],
    warnings: list[AdviceWarning],
) -> str | None:
    """What to fix before the post goes out, else the tip that matters most for this post,
    else the first note (the warnings that opened the summary are not repeated)."""
    for rule in fired:
        if rule.fix and not rule.first:
            return _warning_text(rule, phone)
    ranked = sorted(
        (f for f in findings if f.code in _FINDING_PRIORITY),
        key=lambda f: _FINDING_PRIORITY.index(f.code),
    )
    if ranked:
        return _unquoted(ranked[0].message)
    if key_tips:
        return key_tips[0]
    opened = {rule.code for rule in fired if rule.first}
    notes = [w.message for w in warnings if w.code not in opened]
    return _unquoted(notes[0]) if notes else None


def _unquoted(message: str) -> str:
    """A message without its strategy quote and guidance: the summary is the short form."""
    for marker in (' Strategien: "', " Vejledning: "):
        message = message.split(marker, 1)[0]
    return message


def _short(line: str) -> str:
    """A summary line of at most SUMMARY_CHARS characters: whole sentences when they fit,
    else cut at a word with "…"."""
    if len(line) <= SUMMARY_CHARS:
        return line
    cut = max(line.rfind(". ", 0, SUMMARY_CHARS), line.rfind(": ", 0, SUMMARY_CHARS))
    if cut > SUMMARY_CHARS // 2 and line[cut] == ".":
        return line[: cut + 1]
    return line[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0].rstrip(",:;") + "…"


def _punycode_host(host: str) -> bool:
    """The intake writes a host that is not ASCII in punycode: one label begins with "xn--"
    (whether the proposer wrote it so or the intake did)."""
    return any(part.lower().startswith("xn--") for part in host.split("."))


def _platform_fit(
    platform: Platform, facts: _Facts, state: _State
) -> tuple[Fit, Platform, list[_Cited]]:
    """The fit and the reasons for it, deciding ones first; a ruled-out platform gets only the
    one reason that ruled it out."""
    fired: list[_CompiledRule] = []
    floor, ceiling = 0, 2
    for rule in state.rules[platform]:
        if rule.holds(facts):
            fired.append(rule)
            if rule.low is not None and rule.low > floor:
                floor = rule.low
            if rule.high is not None and rule.high < ceiling:
                ceiling = rule.high
    final = min(floor, ceiling)
    binding_caps = [r.reason for r in fired if r.high == final]
    binding_raises = [r.reason for r in fired if r.low == final and r.high != final]
    supporting = [
        r.reason for r in fired
        if r.low != final and r.high != final
        and ((r.low is not None and r.low < final) or (r.high is not None and r.high > final))
        and not (r.low is not None and r.low > final)
    ]
    reasons = binding_caps + binding_raises
    if not reasons:
        default = state.strategy.platforms[platform].default
        reasons = [_Cited(default.text, default.source)]
    # One reason per strategy sentence: a second rule resting on the same sentence says the
    # same thing again in other words.
    by_source: dict[str, _Cited] = {}
    for reason in reasons + supporting:
        by_source.setdefault(reason.source, reason)
    reasons = list(by_source.values())
    if final == 0:
        reasons = reasons[:1]
    return _FITS[final], platform, reasons


def _review(
    intake: Intake, fits: list[PlatformFit], state: _State, names: _Names
) -> tuple[Review, _Cited]:
    """Who approves (koncernlinjen): the central team in a crisis and when one of its main
    profiles is among the best fits; otherwise the department, which owns its own channels."""
    strategy = state.strategy
    review = strategy.review
    if intake.crisis:
        return (Review(route="central", urgent=True, reason=""),
                _Cited(review.crisis.text, review.crisis.source))
    top = max((FIT_RANK[f.fit] for f in fits), default=0)
    best = [f.platform for f in fits if top > 0 and FIT_RANK[f.fit] == top]
    main = [p for p in best if strategy.platforms[p].main_profile]
    if main:
        quoted = next(p for p in review.central_source_preference if p in main)
        source = strategy.platforms[quoted].central_source or ""
        text = review.central.format(platforms=_join([names.in_sentence(p) for p in main]))
        return Review(route="central", urgent=False, reason=""), _Cited(text, source)
    if best:
        text = review.department.text.format(
            platforms=_join([names.in_sentence(p) for p in best])
        )
        return (Review(route="department", urgent=False, reason=""),
                _Cited(text, review.department.source))
    return (Review(route="department", urgent=False, reason=""),
            _Cited(review.no_platform.text, review.no_platform.source))


def _in_sentence(platform: Platform, state: _State) -> str:
    """A platform's name inside a sentence ("på afdelingens egne kanaler")."""
    spec = state.strategy.platforms[platform]
    return spec.label_in_sentence or spec.label


@dataclass(frozen=True, slots=True)
class _Names:
    """How one answer names the platforms: as the data file does, except the department's own
    channels, which are named when the departments file lists them ("afdelingens egne kanaler
    (Facebook: Norddjurs Skoler og Aula)")."""

    own_channels: tuple[str, ...]
    state: _State
    reviewer: str = ""  # the department that approves its own post, by name ("" unnamed)

    def label(self, platform: Platform) -> str:
        return self._named(platform, self.state.labels["platform"].get(platform, platform))

    def in_sentence(self, platform: Platform) -> str:
        return self._named(platform, _in_sentence(platform, self.state))

    def tips(self, platform: Platform) -> list[str]:
        if platform != "department" or not self.own_channels:
            return []
        tip = self.state.strategy.messages.own_channels_tip
        return [tip.format(channels=_join(list(self.own_channels)))]

    def _named(self, platform: Platform, name: str) -> str:
        if platform != "department" or not self.own_channels:
            return name
        own = self.state.strategy.messages.own_channels
        return own.format(label=name, channels=_join(list(self.own_channels)))


def _join(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b og c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
