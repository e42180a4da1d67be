"""The copies in tests/data are the official files of shared/, unchanged."""

from __future__ import annotations

import pytest

from tests.shared import DATA, SCHEMA_FILES, schema_path, shared_dir


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_schema_copy_matches_shared(name: str) -> None:
    shared = shared_dir()
    assert shared is not None, "shared/ should lie beside the repository"
    assert schema_path(name).read_bytes() == (shared / "schemas" / SCHEMA_FILES[name]).read_bytes()


def test_strategy_copy_matches_shared() -> None:
    shared = shared_dir()
    assert shared is not None, "shared/ should lie beside the repository"
    original = shared / "strategy" / "sociale-medier-2023.txt"
    assert (DATA / "sociale-medier-2023.txt").read_bytes() == original.read_bytes()
