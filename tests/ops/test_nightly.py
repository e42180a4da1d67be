"""The nightly backup inside the server (OPSLAG_BACKUP_DIR, OPSLAG_BACKUP_KEEP): one good copy a
night however many servers share the database, old copies removed, a failed night tried again,
and the weekly digest telling the central team when the last good copy was made."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from bot import backup, schedule
from bot.digest import TEXT, build
from bot.store import check_copy
from handlers.console_digest import render_digest
from opslag.server import OPERATIONS_KEY, SCHEDULER_KEY
from tests.conftest import FakeClock
from tests.fakes.connector import FakeConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.resilience.conftest import MakeClient, StartServer
from tests.resilience.harness import REVIEW_CHANNEL, open_intake_modal
from tests.slack.helpers import SlackServer
from tests.teams import activities as A

# Copenhagen is UTC+1 in November.
TUESDAY_0230 = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)
MONDAY_0800 = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
LINE = "Seneste gode sikkerhedskopi af beslutningsjournalen: {when}"


async def nightly(server: SlackServer) -> Path | None:
    return await server.app[OPERATIONS_KEY].nightly.run_due()


async def test_two_servers_make_one_good_copy_a_night(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    clock: FakeClock, tmp_path: Path,
) -> None:
    folder = tmp_path / "kopier"
    folder.mkdir()
    one = await start_server(background=False, opslag_backup_dir=folder)
    two = await start_server(background=False, opslag_backup_dir=folder)
    client = await make_client(one.url)
    view = await open_intake_modal(client, slack_api)
    await client.propose("slack", view, 1, "nat")

    # 01:00 on Tuesday: Monday's night (from 02:00) was missed while nobody ran; made now.
    clock.now = TUESDAY_0230 - dt.timedelta(hours=1, minutes=30)
    made = await asyncio.gather(nightly(one), nightly(two))
    assert sorted(path.name for path in made if path) == ["opslag-2026-11-23.db"]
    clock.now = TUESDAY_0230
    made = await asyncio.gather(nightly(one), nightly(two), nightly(one), nightly(two))
    assert sorted(path.name for path in made if path) == ["opslag-2026-11-24.db"]
    clock.advance(hours=20)  # still Tuesday's night until 02:00 on Wednesday
    assert await asyncio.gather(nightly(one), nightly(two)) == [None, None]

    assert sorted(path.name for path in folder.iterdir()) == [
        "opslag-2026-11-23.db", "opslag-2026-11-24.db"]
    checked = check_copy(folder / "opslag-2026-11-24.db")
    assert (checked.proposals, checked.history) == (1, 1)
    assert backup.last_good(two.core.store) == TUESDAY_0230


async def test_copies_older_than_the_days_kept_are_removed_and_nothing_else(
    start_server: StartServer, clock: FakeClock, tmp_path: Path,
) -> None:
    folder = tmp_path / "kopier"
    folder.mkdir()
    others = ["noter.txt", "opslag-2026-11-01.db.tmp", "opslag.db", "opslag-2026-1-01.db"]
    for name in [*others, *(f"opslag-2026-11-{day:02d}.db" for day in range(15, 24))]:
        (folder / name).write_bytes(b"")
    server = await start_server(background=False, opslag_backup_dir=folder,
                                opslag_backup_keep=3)
    clock.now = TUESDAY_0230
    assert await nightly(server) == folder / "opslag-2026-11-24.db"
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [*others, "opslag-2026-11-22.db", "opslag-2026-11-23.db", "opslag-2026-11-24.db"])


async def test_a_night_whose_copy_failed_is_tried_again(
    start_server: StartServer, clock: FakeClock, tmp_path: Path,
) -> None:
    folder = tmp_path / "kopier"  # not there yet: the share is not mounted
    one = await start_server(background=False, opslag_backup_dir=folder)
    two = await start_server(background=False, opslag_backup_dir=folder)
    clock.now = TUESDAY_0230
    with pytest.raises(FileNotFoundError):
        await nightly(one)
    assert backup.last_good(one.core.store) is None
    folder.mkdir()
    assert await nightly(two) == folder / "opslag-2026-11-24.db"  # the other server may too
    assert await nightly(one) is None
    assert [path.name for path in folder.iterdir()] == ["opslag-2026-11-24.db"]


async def test_the_weekly_digest_says_when_the_last_good_copy_was_made_on_every_surface(
    start_server: StartServer, make_client: MakeClient, slack_api: FakeSlackApi,
    connector: FakeConnector, clock: FakeClock, tmp_path: Path,
) -> None:
    server = await start_server(background=False, opslag_backup_dir=tmp_path,
                                opslag_digest_cron="0 8 * * 1")
    client = await make_client(server.url)
    await client.teams_say("godkendelseskanal", A.CENTRAL, where="channel")
    core = server.core
    line = LINE.format(when="mandag 30. november kl. 02.30")

    clock.now = MONDAY_0800
    assert TEXT["no_backup"] in render_digest(schedule.week_overview(core))
    clock.now = MONDAY_0800 - dt.timedelta(hours=5, minutes=30)
    assert await nightly(server) is not None
    clock.now = MONDAY_0800
    assert server.app[SCHEDULER_KEY].run_due()
    await core.outbox.run_once()

    (posted,) = [call for call in slack_api.sent("chat.postMessage", channel=REVIEW_CHANNEL)
                 if str(call.args.get("text", "")).startswith("Uge 49")]
    assert line in json.dumps(posted.args["blocks"], ensure_ascii=False)
    cards = [json.dumps(sent.cards, ensure_ascii=False) for sent in connector.of("send")
             if sent.conversation_id == A.REVIEW_CHANNEL]
    assert any("Uge 49" in card and line in card for card in cards)
    assert render_digest(schedule.week_overview(core)).endswith("\n" + line)


def test_a_copy_older_than_two_days_or_none_at_all_is_flagged() -> None:
    now = MONDAY_0800
    week = (2026, 49)
    fresh = build([], week, now, 48, last_backup=now - dt.timedelta(hours=29))
    assert render_digest(fresh).endswith(LINE.format(when="søndag 29. november kl. 03.00"))
    stale = build([], week, now, 48, last_backup=now - dt.timedelta(hours=49))
    assert render_digest(stale).endswith(
        "⚠️ Seneste gode sikkerhedskopi af beslutningsjournalen: lørdag 28. november kl. 07.00,"
        " for over 48 timer siden. Sig det til IT.")
    assert render_digest(build([], week, now, 48)).endswith(TEXT["no_backup"])
