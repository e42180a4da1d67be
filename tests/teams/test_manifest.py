"""teams/manifest.json against the Teams v1.30 schema, its icons, and the package target."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from handlers.teams import text as T
from handlers.teams.extension import COMMAND_ID
from tests.data_files import schema_path

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ROOT / "teams"


def _manifest() -> dict[str, Any]:
    return dict(json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8")))


def _schema() -> dict[str, Any]:
    text = schema_path("teams-manifest").read_text(encoding="utf-8")
    # \p{L} is not a Python regex: the one pattern that uses it, rewritten in memory.
    return dict(json.loads(text.replace(r"^[\\p{L}][\\p{L}0-9._]*$", r"^[^\\W\\d_][\\w.]*$")))


def test_the_manifest_follows_the_v1_30_schema() -> None:
    validator = jsonschema.Draft7Validator(_schema())  # draft-07, so const and if/then count
    errors = sorted(validator.iter_errors(_manifest()), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_manifest_matches_the_bot() -> None:
    manifest = _manifest()
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team"}
    titles = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    assert titles == {*T.PROPOSE_COMMANDS - {"foreslaa-opslag"}, T.REVIEW_CHANNEL_COMMAND,
                      T.WEEK_COMMAND, "hjælp"}
    (extension,) = manifest["composeExtensions"]
    (command,) = extension["commands"]
    assert command["id"] == COMMAND_ID
    assert command["type"] == "action" and command["context"] == ["message"]
    assert command["fetchTask"] is True


def _png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGBA bytes) of a non-interlaced 8-bit RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        header = body if tag == b"IHDR" else header
        idat += body if tag == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert (depth, color) == (8, 6), "8-bit RGBA"
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = [raw[i * stride:(i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows), "written without filters"
    return width, height, [row[1:] for row in rows]


def test_the_icons_have_the_sizes_teams_wants() -> None:
    width, height, _ = _png(TEAMS / "color.png")
    assert (width, height) == (192, 192)
    width, height, rows = _png(TEAMS / "outline.png")
    assert (width, height) == (32, 32)
    pixels = [row[i:i + 4] for row in rows for i in range(0, len(row), 4)]
    visible = [p for p in pixels if p[3] > 0]
    assert any(p[3] == 0 for p in pixels), "transparent background"
    assert visible and all(p[:3] == b"\xff\xff\xff" for p in visible), "white only"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_teams_package_zips_manifest_and_icons(tmp_path: Path) -> None:
    package = TEAMS / "opslag-teams.zip"
    package.unlink(missing_ok=True)
    subprocess.run(["make", "-s", "teams-package", "PYTHON=python3"], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        with zipfile.ZipFile(package) as zipped:
            assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
    finally:
        package.unlink(missing_ok=True)
