"""The strategies the engine tests run against: Norddjurs's shipped file, and Havkøbing's, a
made-up municipality with three platforms (tests/data/strategy-havkoebing.yaml). Each comes
with the strategy document its `source` sentences are copied from.

A test that asks for the `strategy` fixture runs once per strategy, with that strategy in use
(`policy.use_policy`) and the shipped one back in use afterwards. A test that does not ask for
it tests Norddjurs's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy import Policy, active_policy, load_policy, use_policy

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class TestStrategy:
    __test__ = False  # not a test class, whatever its name

    key: str
    path: Path
    document: Path
    shipped: bool = False

    def raw(self) -> dict[str, Any]:
        """The file as YAML data, to change in a test and validate again."""
        data = yaml.safe_load(self.path.read_bytes())
        assert isinstance(data, dict)
        return data

    def text(self) -> str:
        """The strategy document, which every `source` quotes verbatim."""
        return self.document.read_text(encoding="utf-8")

    def load(self) -> Policy:
        return load_policy(None if self.shipped else self.path)


NORDDJURS = TestStrategy(
    "norddjurs", ROOT / "policy" / "strategy.yaml", DATA / "sociale-medier-2023.txt", shipped=True
)
HAVKOEBING = TestStrategy(
    "havkoebing", DATA / "strategy-havkoebing.yaml", DATA / "havkoebing-strategi.txt"
)
STRATEGIES = (NORDDJURS, HAVKOEBING)


@dataclass(frozen=True)
class InUse:
    """A strategy while it is the one in use: its files and the compiled policy."""

    strategy: TestStrategy
    policy: Policy

    @property
    def key(self) -> str:
        return self.strategy.key

    def text(self) -> str:
        return self.strategy.text()

    def raw(self) -> dict[str, Any]:
        return self.strategy.raw()

    @property
    def main_profiles(self) -> set[str]:
        return {key for key, spec in self.policy.strategy.platforms.items() if spec.main_profile}


@contextmanager
def in_use(strategy: TestStrategy) -> Iterator[InUse]:
    """`strategy` in use for the duration; the one in use before comes back after."""
    before = active_policy()
    policy = strategy.load()
    use_policy(policy)
    try:
        yield InUse(strategy, policy)
    finally:
        use_policy(before)


@pytest.fixture(params=STRATEGIES, ids=[s.key for s in STRATEGIES])
def strategy(request: pytest.FixtureRequest) -> Iterator[InUse]:
    with in_use(request.param) as used:
        yield used
