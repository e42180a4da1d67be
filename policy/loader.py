"""Reading a strategy file: YAML in, the validated `Strategy` and its version out, or every
problem named in Danish with its line and key.

The communications team revises the strategy without a developer (`opslag strategi tjek FIL`),
so a mistake is told the way they can find it: "linje 212, rules → nr. 4 (fb_culture) → when →
theme: 'klima' er ikke en af: ... Mente du klima_miljoe?". pydantic says what is wrong and
where in the data (its `loc`); the YAML node tree says on which line that is.

Reads only the file it is given (or the shipped `strategy.yaml`): the policy stays pure.
"""

from __future__ import annotations

import difflib
import hashlib
import types
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from policy.data import PROBLEM, Strategy

SHIPPED = "strategy.yaml"
SHIPPED_NAME = "policy/strategy.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# What the person revising the file reads, by pydantic's error type: after "linje N, key: ".
# {input} is the value they wrote.
_MESSAGES = {
    "missing": "mangler",
    "extra_forbidden": "ukendt nøgle",
    "string_type": "skal være tekst",
    "int_type": "skal være et helt tal",
    "int_parsing": "skal være et helt tal, ikke {input}",
    "int_from_float": "skal være et helt tal, ikke {input}",
    "float_type": "skal være et tal",
    "float_parsing": "skal være et tal, ikke {input}",
    "bool_type": "skal være true eller false",
    "bool_parsing": "skal være true eller false, ikke {input}",
    "list_type": "skal være en liste (linjer, der begynder med \"- \")",
    "frozen_set_type": "skal være en liste (fx [a, b])",
    "set_type": "skal være en liste (fx [a, b])",
    "dict_type": "skal være nøgler med værdier (nøgle: værdi)",
    "model_type": "skal være nøgler med værdier (nøgle: værdi)",
    "string_too_short": "må ikke være tom",
    "too_short": "skal have mindst {min_length}",
    "too_long": "må højst have {max_length}",
    "string_too_long": "må højst være {max_length} tegn",
    "set_item_not_hashable": "skal være en liste af tekster",
}
# Patterns the data models use, said in words.
_PATTERNS = {
    "^[a-z][a-z0-9_]*$": "må kun have små bogstaver a-z, tal og _, og skal begynde med et bogstav",
    "^https://": "skal begynde med https://",
}
_NO_VALUE = "har ingen værdi; skriv den efter kolonet"
# PyYAML's problems (English; libyaml words some of them its own way), the common ones in
# Danish; another is shown as PyYAML says it.
_COLON = ("et kolon står, hvor det ikke må; sæt teksten i anførselstegn (\"...\"), hvis den "
          "indeholder \": \"")
_TAB = "der står en tabulator; ryk ind med mellemrum"
_BAD_CHARACTER = "found character that cannot start any token"
_YAML_PROBLEMS = {
    "mapping values are not allowed here": _COLON,
    "mapping values are not allowed in this context": _COLON,
    "could not find expected ':'": "der mangler et kolon efter nøglen, eller indrykningen passer "
                                   "ikke",
    "did not find expected key": "indrykningen passer ikke, eller der mangler et kolon",
    "did not find expected '-' indicator": "indrykningen passer ikke i listen",
    "found character '\\t' that cannot start any token": _TAB,
    "found unexpected end of stream": "filen slutter, før anførselstegnet er lukket",
    "found unhashable key": "en nøgle kan ikke være en liste eller et sæt nøgler",
}
# The keys that name a list item, shown beside its number: "rules → nr. 4 (fb_culture)".
_ITEM_NAMES = ("id", "key", "word", "code")


@dataclass(frozen=True, slots=True)
class StrategyFile:
    """A strategy file read and validated; `version` is the first 12 hex characters of the
    sha256 of its bytes, which every recommendation made from it keeps."""

    name: str
    strategy: Strategy
    version: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a strategy file: the line (1-based; None for the file as a whole),
    the key it is about (`rules → nr. 4 (fb_culture) → when → theme`) and what is wrong."""

    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"linje {self.line}" if self.line is not None else "filen"
        return f"{where}, {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class StrategyError(Exception):
    """A strategy file that cannot be used; `problems` name each mistake, in file order."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"Strategifilen {self.name} kan ikke bruges:"]
        return "\n".join(lines + [f"  {problem}" for problem in self.problems])


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def shipped_bytes() -> bytes:
    return resources.files("policy").joinpath(SHIPPED).read_bytes()


def read_strategy(path: str | Path | None = None) -> StrategyFile:
    """The strategy in `path`, or the shipped one when no path is given; raises StrategyError
    naming every problem."""
    if path is None:
        return parse_strategy(shipped_bytes(), SHIPPED_NAME)
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise StrategyError(name, [Problem(None, "", "findes ikke")]) from None
    except IsADirectoryError:
        raise StrategyError(name, [Problem(None, "", "er en mappe, ikke en fil")]) from None
    except PermissionError:
        raise StrategyError(name, [Problem(None, "", "ingen adgang til at læse den")]) from None
    except OSError as exc:
        said = f"kan ikke læses ({exc.strerror or exc})"
        raise StrategyError(name, [Problem(None, "", said)]) from None
    return parse_strategy(data, name)


def parse_strategy(data: bytes, name: str) -> StrategyFile:
    """The strategy in `data` (the bytes of a YAML file called `name` in messages)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        said = "er ikke UTF-8; gem filen som UTF-8"
        raise StrategyError(name, [Problem(line, "", said)]) from None
    root, raw = _compose(text, name)
    if root is None:
        raise StrategyError(name, [Problem(None, "", "er tom")])
    problems = _duplicate_keys(root)
    if problems:
        raise StrategyError(name, problems)
    if not isinstance(raw, dict):
        said = "skal bestå af nøgler med værdier (platforms:, rules:, ...)"
        raise StrategyError(name, [Problem(_line(root), "", said)])
    try:
        strategy = Strategy.model_validate(raw)
    except ValidationError as exc:
        raise StrategyError(name, _problems(exc, root)) from None
    return StrategyFile(name=name, strategy=strategy, version=version_of(data))


def _compose(text: str, name: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree (which knows the lines) and the data built from it, in one parse."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        return root, None if root is None else loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        said = exc.problem or exc.context or str(exc)
        danish = _YAML_PROBLEMS.get(said, f"er ikke gyldig YAML ({said})")
        if said == _BAD_CHARACTER and mark is not None:
            danish = _bad_character(text, mark.line, mark.column)
        raise StrategyError(name, [Problem(line, "", danish)]) from None
    except yaml.YAMLError as exc:
        raise StrategyError(name, [Problem(None, "", f"er ikke gyldig YAML ({exc})")]) from None
    finally:
        loader.dispose()


def _bad_character(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    char = lines[line][column] if line < len(lines) and column < len(lines[line]) else ""
    if char == "\t":
        return _TAB
    return f"tegnet {char!r} kan ikke stå her; sæt teksten i anførselstegn (\"...\")"


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    """A key written twice in one mapping: YAML keeps the last silently, so a revision that
    adds `facebook:` again would lose the first one's rules without a word."""
    problems: list[Problem] = []

    def walk(node: yaml.Node, path: list[str]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, value in node.value:
                label = str(key.value)
                if isinstance(key, yaml.ScalarNode) and key.value in seen:
                    problems.append(Problem(
                        _line(key), " → ".join([*path, label]),
                        f"står to gange (første gang på linje {seen[key.value]}); YAML ville "
                        "bruge den sidste og glemme den første",
                    ))
                elif isinstance(key, yaml.ScalarNode):
                    seen[key.value] = _line(key)
                walk(value, [*path, label])
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, [*path, _item_label(item, index)])

    walk(root, [])
    return sorted(problems, key=lambda problem: problem.line or 0)


def _item_label(item: yaml.Node, index: int) -> str:
    label = f"nr. {index + 1}"
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if key.value in _ITEM_NAMES and isinstance(value, yaml.ScalarNode):
                return f"{label} ({value.value})"
    return label


def _problems(exc: ValidationError, root: yaml.Node) -> list[Problem]:
    """One problem per place in the file; the branches of one value's alternatives (text or
    yes/no) are said together."""
    by_place: dict[tuple[int | None, str], list[str]] = {}
    for error in exc.errors():
        loc = list(error["loc"])
        if error["type"] == PROBLEM:
            loc += list((error.get("ctx") or {}).get("where", []))
        line, key = _locate(root, loc, error["type"])
        message = _message(error, loc)
        place = by_place.setdefault((line, key), [])
        if message not in place:
            place.append(message)
    problems = [
        Problem(line, key, " eller ".join(_or_parts(messages)))
        for (line, key), messages in by_place.items()
    ]
    return sorted(problems, key=lambda problem: problem.line or 0)


def _or_parts(messages: list[str]) -> list[str]:
    """"skal være tekst" and "skal være true eller false" -> "skal være tekst eller true eller
    false" rather than saying "skal være" twice."""
    if len(messages) > 1 and all(m.startswith("skal være ") for m in messages):
        return [messages[0]] + [m.removeprefix("skal være ") for m in messages[1:]]
    return messages


def _locate(root: yaml.Node, loc: list[Any], kind: str) -> tuple[int | None, str]:
    """The line and the key path of `loc` in the file. A part the file does not have (the
    missing key, or pydantic's name for a branch of a union) is named only when it is the last
    and the key is missing."""
    node: yaml.Node = root
    line: int | None = _line(root)
    labels: list[str] = []
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if part == "[key]":
            continue  # the key itself is wrong: its line is the one already found
        step = _step(node, part)
        if step is None:
            if last and kind == "missing":
                labels.append(str(part))
            return line, " → ".join(labels)
        key_node, value_node, label = step
        labels.append(label)
        node = value_node
        # A wrong or unknown key is on its key's line; a value on its own line (a list or a
        # block of keys starts on the line after its key, so the key's line is shown then).
        if kind == "extra_forbidden" or (position + 1 < len(loc) and loc[position + 1] == "[key]"):
            line = _line(key_node)
        elif isinstance(value_node, yaml.ScalarNode):
            line = _line(value_node)
        else:
            line = _line(key_node)
    return line, " → ".join(labels)


def _step(node: yaml.Node, part: Any) -> tuple[yaml.Node, yaml.Node, str] | None:
    """The key node, value node and label one step from `node` (a mapping's key or a list's
    position); None when the file has no such step."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and _same_key(key, part):
                return key, value, str(key.value)
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and (
        0 <= part < len(node.value)
    ):
        item = node.value[part]
        return item, item, _item_label(item, part)
    return None


def _same_key(key: yaml.ScalarNode, part: Any) -> bool:
    # YAML may read a key as a bool or a number ("yes", "1"); pydantic names it as read.
    return bool(key.value == str(part) or key.value.lower() == str(part).lower())


def _message(error: ErrorDetails, loc: list[Any]) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    given = error.get("input")
    if kind == PROBLEM:
        return str(ctx.get("message", ""))
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind in ("literal_error", "enum"):
        return _not_one_of(given, str(ctx.get("expected", "")), loc)
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        said = _PATTERNS.get(pattern, f"skal passe til mønsteret {pattern}")
        return f"{_shown(given)} {said}"
    if given is None and kind.endswith("_type"):
        return _NO_VALUE
    template = _MESSAGES.get(kind)
    if template is None:  # a check of the models without a Danish message of its own
        return f"er ugyldig ({str(error['msg']).removeprefix('Value error, ')})"
    return template.format(input=_shown(given), **ctx)


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _not_one_of(given: Any, expected: str, loc: list[Any]) -> str:
    options = [option.strip().strip("'") for option in expected.replace(" or ", ", ").split(",")]
    options = [option for option in options if option]
    listed = ", ".join(options[:-1]) + " eller " + options[-1] if len(options) > 1 else expected
    message = f"{_shown(given)} er ikke en af: {listed}"
    if loc and loc[0] == "platforms" and "[key]" in loc:
        message += (". Opslag kender kun disse slags kanaler; en ny slags kræver en udvikler "
                    "(docs/strategy-format.md)")
    guess = difflib.get_close_matches(str(given), options, n=1, cutoff=0.6)
    return message + (f". Mente du {guess[0]}?" if guess else "")


def _unknown_key(loc: list[Any]) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return "ukendt nøgle"
    known = list(model.model_fields)
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if guess:
        return f"ukendt nøgle. Mente du {guess[0]}?"
    return f"ukendt nøgle; her kan stå: {', '.join(known)}"


def _model_at(loc: list[Any]) -> type[BaseModel] | None:
    """The data model that reads the mapping at `loc`, to name the keys it knows."""
    annotation: Any = Strategy
    for part in loc:
        annotation = _unwrapped(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (list, frozenset, set, tuple):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    annotation = _unwrapped(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unwrapped(annotation: Any) -> Any:
    """`X | None` as `X`."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation
