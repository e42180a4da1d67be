"""The strategy as a pure engine: intake in, recommendation out; no clock, network or database.

`strategy.yaml` (next to this file) is read and validated once, when this module is imported;
a broken data file fails the import with a pydantic error naming the key.

How a platform's fit is decided: every rule whose condition holds either raises the fit
(`at_least`) or caps it (`at_most`). The fit is the highest raise (none: not_recommended),
lowered to the lowest cap (none: no cap), so a cap always beats a raise. The reasons given
are the rules that decided the fit, then the ones that support it; a raise that a cap
overruled is not shown. Each reason quotes the strategy sentence it rests on, as
`... Strategien: "<sentence>"`.

Further choices, all visible in `strategy.yaml`:
- A text is "long" (rule fact `long_text`) when it is over Facebook's recommended length;
  the strategy sends longer stories to norddjurs.dk.
- Length, readability and link findings are given only for platforms that are not ruled out.
- Review: a crisis goes to the central team as urgent; a post that fits one of the main
  profiles (Facebook, LinkedIn, Instagram) goes to the central team; a post for the intranet
  or norddjurs.dk only stays in the department.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, reduce
from importlib import resources
from typing import Any, Literal, NamedTuple, TypedDict, get_args

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from policy.data import FIT_RANK, Condition, QuestionSpec, Rule, Strategy
from policy.models import (
    Fit,
    Intake,
    Option,
    Platform,
    PlatformFit,
    Question,
    Recommendation,
    Review,
    TextChecks,
    link_host,
)
from policy.textchecks import PlatformLimits, TextChecker, analyse, danish_number

__all__ = [
    "POLICY_VERSION",
    "CoverageGroup",
    "coverage_groups",
    "intake_errors",
    "label",
    "parse_intake",
    "questions",
    "recommend",
    "validation_errors",
]

DATA_FILE = "strategy.yaml"
PLATFORM_ORDER: tuple[Platform, ...] = get_args(Platform)
_FITS: tuple[Fit, Fit, Fit] = ("not_recommended", "possible", "recommended")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _data_bytes() -> bytes:
    return resources.files("policy").joinpath(DATA_FILE).read_bytes()


_BYTES = _data_bytes()
POLICY_VERSION: str = hashlib.sha256(_BYTES).hexdigest()[:12]


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


_Predicate = Callable[[_Facts], bool]
_INDEX = {name: i for i, name in enumerate(_Facts._fields)}


def _compile(cond: Condition) -> _Predicate:
    """Turn a condition into one fast predicate over the facts of an intake."""
    tests: list[_Predicate] = []
    for flag in ("crisis", "has_media", "long_text"):
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
    ):
        if values is not None:
            tests.append(_member(_INDEX[attr], frozenset(values), wanted))
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
    reason: str


@dataclass(frozen=True, slots=True)
class _State:
    strategy: Strategy
    rules: dict[str, tuple[_CompiledRule, ...]]
    tone_rules: tuple[tuple[_Predicate, frozenset[str], str], ...]
    warnings: tuple[tuple[_Predicate, str], ...]
    limits: dict[str, PlatformLimits]
    checker: TextChecker
    questions: tuple[Question, ...]
    labels: dict[str, dict[str, str]]
    groups: tuple[CoverageGroup, ...]
    question_specs: dict[str, QuestionSpec]


def _cite(text: str, source: str) -> str:
    return f'{text} Strategien: "{source}"'


@cache
def _state() -> _State:
    strategy = Strategy.model_validate(yaml.load(_BYTES, Loader=_LOADER))
    rules: dict[str, list[_CompiledRule]] = {p: [] for p in PLATFORM_ORDER}
    for rule in strategy.rules:
        rules[rule.platform].append(_CompiledRule(
            rule=rule, holds=_compile(rule.when),
            low=None if rule.at_least is None else FIT_RANK[rule.at_least],
            high=None if rule.at_most is None else FIT_RANK[rule.at_most],
            reason=_cite(rule.reason, rule.source),
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
        "fit": _str_dict(strategy.fits),
        "route": _str_dict(strategy.routes),
    }
    options = {
        "audiences": labels["audience"], "themes": labels["theme"],
        "content_types": labels["content_type"], "job_levels": labels["job_level"],
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
            (_compile(t.when), frozenset(t.platforms), t.tip) for t in strategy.tone_rules
        ),
        warnings=tuple((_compile(w.when), _cite(w.text, w.source)) for w in strategy.warnings),
        limits=limits,
        checker=checker,
        questions=built,
        labels=labels,
        groups=groups,
        question_specs={q.id: q for q in strategy.questions},
    )


def _str_dict(mapping: Mapping[Any, str]) -> dict[str, str]:
    return {str(key): value for key, value in mapping.items()}


def _max_length(field: str) -> int | None:
    for constraint in Intake.model_fields[field].metadata:
        value = getattr(constraint, "max_length", None)
        if isinstance(value, int):
            return value
    return None


_state()  # validate the data file at import: a broken file never reaches a request


# --------------------------------------------------------------------------- public API


def questions() -> list[Question]:
    """The guided questions in the order they are asked; every surface renders these."""
    return [q.model_copy(deep=True) for q in _state().questions]


def label(kind: str, key: str) -> str:
    """The Danish label of a platform, audience, theme, content_type, fit, route or job_level."""
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


def recommend(intake: Intake) -> Recommendation:
    """Which platforms fit, in which tone, what to fix in the text, and who reviews it."""
    state = _state()
    strategy = state.strategy
    stats = analyse(intake.text)
    facts = _Facts(
        crisis=intake.crisis, has_media=intake.has_media,
        long_text=state.limits["facebook"].over_recommended(stats),
        audience=frozenset(intake.audience), theme=intake.theme,
        content_type=intake.content_type, job_level=intake.job_level,
    )
    fits = sorted(
        (_platform_fit(platform, facts, state) for platform in PLATFORM_ORDER),
        key=lambda pf: -FIT_RANK[pf.fit],
    )
    active = [pf.platform for pf in fits if pf.fit != "not_recommended"]

    tone_tips: dict[str, list[str]] = {}
    for platform in active:
        tips = [tip for holds, where, tip in state.tone_rules if platform in where and holds(facts)]
        tips += strategy.platforms[platform].tone_tips
        tone_tips[platform] = list(dict.fromkeys(tips))

    findings = state.checker.check(
        intake.text, stats, [state.limits[p] for p in active],
        has_media=intake.has_media, alt_text=intake.alt_text, captions=intake.captions,
        link=intake.link,
    )
    warnings = [text for holds, text in state.warnings if holds(facts)]
    if not active:
        warnings.append(strategy.messages.no_platform)
    host = link_host(intake.link) if intake.link else None
    if host and _punycode_host(host):
        warnings.append(strategy.messages.link_not_ascii.format(host=host))
    return Recommendation(
        platforms=fits,
        tone_tips=tone_tips,
        text_checks=TextChecks(lix=stats.lix, words=stats.words, findings=findings),
        review=_review(intake, active, state),
        warnings=warnings,
        policy_version=POLICY_VERSION,
    )


def _punycode_host(host: str) -> bool:
    """The intake writes a host that is not ASCII in punycode: one label begins with "xn--"
    (whether the proposer wrote it so or the intake did)."""
    return any(part.lower().startswith("xn--") for part in host.split("."))


def _platform_fit(platform: Platform, facts: _Facts, state: _State) -> PlatformFit:
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
        reasons = [_cite(default.text, default.source)]
    reasons = list(dict.fromkeys(reasons + supporting))
    return PlatformFit(platform=platform, fit=_FITS[final], reasons=reasons)


def _review(intake: Intake, active: list[Platform], state: _State) -> Review:
    strategy = state.strategy
    review = strategy.review
    if intake.crisis:
        return Review(
            route="central", urgent=True, reason=_cite(review.crisis.text, review.crisis.source)
        )
    main = [p for p in active if strategy.platforms[p].main_profile]
    if main:
        quoted = next(p for p in review.central_source_preference if p in main)
        source = strategy.platforms[quoted].central_source or ""
        text = review.central.format(platforms=_join([label("platform", p) for p in main]))
        return Review(route="central", urgent=False, reason=_cite(text, source))
    if active:
        text = review.department.text.format(
            platforms=_join([label("platform", p) for p in active])
        )
        reason = _cite(text, review.department.source)
        return Review(route="department", urgent=False, reason=reason)
    return Review(
        route="department", urgent=False,
        reason=_cite(review.no_platform.text, review.no_platform.source),
    )


def _join(items: list[str]) -> str:
    """["a", "b", "c"] -> "a, b og c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
