"""The departments file (OPSLAG_DEPARTMENTS): the municipality's departments as data.

For each department: its name and the other names people use for it (aliases), its own
profiles and pages (which the advice names instead of "afdelingens egne kanaler"), its review
channel on each platform and its reviewers' ids on each platform. Platforms are named by their
machine key (`Platform.name`); a channel is written as that platform's settings write one.

The file is read and checked once, at start (`read_departments`, through the settings): a
wrong file stops the server with one Danish line that names the file, the line and the key.
docs/departments.example.yaml is an example for Norddjurs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from policy.models import blank, breaks_line, clean_line

# As long as the intake's department answer may be: the name is what a proposal stores.
NAME_MAX = 120
# A platform's machine key, as the edges name themselves (bot/platform.py).
PLATFORM_KEY = r"^[a-z][a-z0-9_-]*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
PlatformKey = Annotated[str, StringConstraints(pattern=PLATFORM_KEY)]


class DepartmentsError(ValueError):
    """The departments file cannot be used; the message is one Danish line naming the place."""


def same_name(name: str) -> str:
    """A name as it is compared: case, accents written two ways and spacing do not matter
    ("Børn og  skole" is "Børn og Skole")."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    aliases: list[Name] = Field(default_factory=list)
    # The department's own profiles and pages, as people name them ("Facebook: Norddjurs
    # Skoler", "Aula", "norddjurs.dk/skoler").
    profiles: list[Text] = Field(default_factory=list)
    # Platform key -> the department's review channel there.
    review_channel: dict[PlatformKey, Text] = Field(default_factory=dict)
    # Platform key -> the ids of the people who review the department's proposals there.
    reviewers: dict[PlatformKey, list[Text]] = Field(default_factory=dict)

    @field_validator("name", "aliases", "profiles")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        # A name becomes the intake's one-line department answer and a label in every form.
        for text in value if isinstance(value, list) else [value]:
            if any(breaks_line(char) for char in text) or blank(text):
                raise ValueError("skal være én synlig linje uden styretegn")
        return value

    def names(self) -> Iterator[str]:
        """The name, then the aliases."""
        yield self.name
        yield from self.aliases

    def reviewer_ids(self, platform: str) -> frozenset[str]:
        return frozenset(self.reviewers.get(platform, ()))

    def is_reviewer(self, platform: str, user_id: str) -> bool:
        return bool(user_id) and user_id in self.reviewer_ids(platform)

    def channel(self, platform: str) -> str | None:
        return self.review_channel.get(platform)

    @property
    def has_reviewers(self) -> bool:
        return any(self.reviewers.values())


class Departments(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    departments: list[Department] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_name_once(self) -> Departments:
        # A name or alias of two departments: a proposal from it would belong to both.
        duplicate = first_duplicate(self.departments)
        if duplicate is not None:
            raise ValueError(_TWICE.format(name=duplicate[1]))
        return self

    def names(self) -> tuple[str, ...]:
        """The departments' names in the file's order: the choices of the department question."""
        return tuple(department.name for department in self.departments)

    def find(self, name: str | None) -> Department | None:
        """The department `name` names (its name or an alias, see `same_name`); None when no
        department has that name."""
        if not name:
            return None
        wanted = same_name(name)
        for department in self.departments:
            if any(same_name(known) == wanted for known in department.names()):
                return department
        return None

    def platforms(self) -> set[str]:
        """Every platform key the file uses (to check them against the registered edges)."""
        return {key for d in self.departments for key in (*d.review_channel, *d.reviewers)}


_TWICE = "navnet »{name}« bruges af mere end én afdeling"


def first_duplicate(departments: list[Department]) -> tuple[int, str] | None:
    """The first department (its index) with a name or alias an earlier one has, and the name."""
    seen: dict[str, int] = {}
    for index, department in enumerate(departments):
        for name in department.names():
            if seen.setdefault(same_name(name), index) != index:
                return index, name
    return None


# -- reading the file --------------------------------------------------------------------------


def read_departments(value: object) -> Departments | None:
    """The departments a setting names: None when unset or empty, the file's departments for
    a path. Raises DepartmentsError (a ValueError, so the settings report it under the
    variable's name) with one Danish line naming the file, the line and the key."""
    if value is None or isinstance(value, Departments):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    if not isinstance(value, str | Path):
        raise DepartmentsError("skal være stien til en YAML-fil")
    return load_departments(Path(value))


def load_departments(path: Path) -> Departments:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DepartmentsError(f"filen {path} findes ikke") from None
    except IsADirectoryError:
        raise DepartmentsError(f"{path} er en mappe, ikke en fil") from None
    except OSError as exc:
        raise DepartmentsError(f"filen {path} kan ikke læses ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise DepartmentsError(f"{path.name}: filen er ikke UTF-8 (byte {exc.start})") from None
    node = _compose(text, path)
    if node is None:
        raise DepartmentsError(f"{path.name}: filen er tom")
    data = yaml.SafeLoader(text).construct_document(node)
    try:
        return Departments.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        if not error["loc"] and isinstance(data, dict):  # each department was fine alone
            error = _located_duplicate(error, data)
        raise DepartmentsError(_describe(error, node, data, path)) from None


def _located_duplicate(error: ErrorDetails, data: dict[str, Any]) -> ErrorDetails:
    """The duplicate name's error at the department that repeats it (the check across
    departments has no place of its own)."""
    departments = [Department.model_validate(item) for item in data["departments"]]
    duplicate = first_duplicate(departments)
    if duplicate is None:
        return error
    return {**error, "loc": ("departments", duplicate[0])}


def _compose(text: str, path: Path) -> yaml.Node | None:
    """The file's node tree (which knows each value's line); a duplicate key is an error here,
    where YAML would quietly keep the last one."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", linje {mark.line + 1}" if mark else ""
        raise DepartmentsError(
            f"{path.name}{line}: ikke gyldig YAML ({exc.problem or exc.context})"
        ) from None
    except yaml.YAMLError as exc:
        raise DepartmentsError(f"{path.name}: ikke gyldig YAML ({exc})") from None
    for mapping in _mappings(node):
        keys: set[Any] = set()
        for key, _ in mapping.value:
            if key.value in keys:
                raise DepartmentsError(
                    f"{path.name}, linje {key.start_mark.line + 1}: "
                    f"nøglen »{key.value}« står to gange"
                )
            keys.add(key.value)
    return node


def _mappings(node: yaml.Node | None) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        yield node
        for key, value in node.value:
            yield from _mappings(key)
            yield from _mappings(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mappings(item)


# What went wrong, by pydantic's error type, in Danish.
_PROBLEMS = {
    "missing": "mangler",
    "extra_forbidden": "ukendt nøgle",
    "string_type": "skal være tekst",
    "list_type": "skal være en liste",
    "dict_type": "skal være en tabel af platform: værdi",
    "model_type": "skal være en tabel af nøgle: værdi",
    "model_attributes_type": "skal være en tabel af nøgle: værdi",
    "too_short": "må ikke være tom",
    "string_too_short": "må ikke være tom",
    "string_pattern_mismatch": "skal være en platforms navn, med små bogstaver",
}


def _describe(error: ErrorDetails, node: yaml.Node | None, data: Any, path: Path) -> str:
    """One line: the file, the line of the value (or of its parent when the key is missing),
    the key as written in the file, and what is wrong."""
    loc = [part for part in error["loc"] if part != "[key]"]
    found, line = _locate(node, loc)
    place = _key_path(loc, data)
    kind = error["type"]
    if kind == "string_too_long":
        problem = f"må højst være {error.get('ctx', {}).get('max_length')} tegn"
    elif kind == "value_error":
        problem = str(error["msg"]).removeprefix("Value error, ")
    else:
        problem = _PROBLEMS.get(kind, "ugyldig værdi")
    if kind == "missing" and not found:
        problem = f"mangler nøglen »{loc[-1]}«" if loc else "filen er tom"
        place = _key_path(loc[:-1], data)
    where = ", ".join(part for part in (path.name, f"linje {line}" if line else "", place) if part)
    return f"{where}: {problem}"


def _locate(node: yaml.Node | None, loc: list[int | str]) -> tuple[bool, int | None]:
    """Follow `loc` down the node tree: whether it was all there, and the line (1-based) where
    the deepest part reached is written (a key's own line, also when its value is a list below
    it)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((key, value) for key, value in node.value if key.value == part), None)
            if pair is None:
                return False, line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and part < len(node.value)):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return False, line
    return True, line


def _key_path(loc: list[int | str], data: Any) -> str:
    """The key as people read it: "departments → nr. 2 (»Børn og Skole«) → reviewers"."""
    parts: list[str] = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(part, int):
            name = current[part].get("name") if _is_department(current, part, index) else None
            shown = f" (»{_short(name)}«)" if isinstance(name, str) and name.strip() else ""
            parts.append(f"nr. {part + 1}{shown}")
        else:
            parts.append(str(part))
        current = _step(current, part)
    return " → ".join(parts)


def _short(name: str) -> str:
    """A name as the one-line message can show it, whatever the file holds."""
    line = " ".join(clean_line(name).split())
    return line if len(line) <= 40 else line[:39] + "…"


def _is_department(current: Any, part: int, index: int) -> bool:
    return index == 1 and isinstance(current, list) and part < len(current) and isinstance(
        current[part], dict
    )


def _step(current: Any, part: int | str) -> Any:
    if isinstance(current, dict):
        return current.get(part)
    if isinstance(current, list) and isinstance(part, int) and part < len(current):
        return current[part]
    return None
