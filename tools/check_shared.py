"""Compare the project's copies in tests/data with the originals in a `shared/` folder.

Not part of `make test`: a clone has no `shared/`. Run `make check-shared` (or
`python tools/check_shared.py PATH`) where the originals lie. Exits 1 on a difference,
2 when the folder is missing."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
# copy in tests/data -> original inside shared/
COPIES = {
    "schemas/adaptive-card.1.5.0.json": "schemas/adaptive-card.1.5.0.json",
    "schemas/slack-manifest.schema.1.0.0.json": "schemas/slack-manifest.schema.1.0.0.json",
    "schemas/MicrosoftTeams.v1.30.schema.json": "schemas/MicrosoftTeams.v1.30.schema.json",
    "sociale-medier-2023.txt": "strategy/sociale-medier-2023.txt",
}


def differing(shared: Path) -> list[str]:
    return [copy for copy, original in COPIES.items()
            if (DATA / copy).read_bytes() != (shared / original).read_bytes()]


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else REPO.parent / "shared"
    if not shared.is_dir():
        print(f"Mappen {shared} findes ikke; angiv stien til shared/.", file=sys.stderr)
        return 2
    changed = differing(shared)
    for copy in changed:
        print(f"tests/data/{copy} afviger fra originalen i {shared}", file=sys.stderr)
    if not changed:
        print(f"Alle {len(COPIES)} kopier i tests/data er magen til originalerne i {shared}.")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
