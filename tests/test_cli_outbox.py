"""`opslag outbox`: operations staff see the messages the outbox gave up, and send them again
or let them go, so that the review thread behind them moves on."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.store import NewMessage, Store
from opslag.cli import main

LEASE = dt.timedelta(seconds=120)


def _given_up_thread(db_path: Path) -> tuple[int, int]:
    """A review post the outbox gave up, and the thread reply waiting behind it."""
    store = Store(db_path)
    now = dt.datetime.now(dt.UTC)
    for kind in ("review_post", "thread_reply"):
        store.enqueue(NewMessage(platform="slack", kind=kind, dedupe_key=f"p1:{kind}",
                                 payload={}, proposal_id=1, lane="review"), now)
    post, reply = store.outbox_rows()
    assert [row.id for row in store.claim_due(now, "w", LEASE, {"slack"})] == [post.id]
    assert store.give_up(post.id, "w", now, "channel_not_found", notices=[])
    store.close()
    return post.id, reply.id


@pytest.fixture
def cli(make_settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Any:
    make_settings()

    def call(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def _claimable(db_path: Path) -> list[str]:
    store = Store(db_path)
    rows = store.claim_due(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), "x", LEASE,
                           {"slack"})
    store.close()
    return [row.kind for row in rows]


def test_lists_given_up_messages_in_danish(cli: Any, db_path: Path) -> None:
    post, reply = _given_up_thread(db_path)
    code, out, _ = cli("outbox")
    assert code == 0
    assert f"{post:<4} opgivet" in out and "channel_not_found" in out
    assert f"\n{reply:<4}" not in out  # still waiting, shown with --alle only
    code, out, _ = cli("outbox", "--alle")
    assert f"{reply:<4} venter" in out
    code, out, _ = cli("outbox", "--json")
    assert [row["id"] for row in json.loads(out)] == [post]


def test_retry_sends_the_post_again_before_its_thread(cli: Any, db_path: Path) -> None:
    post, _ = _given_up_thread(db_path)
    assert _claimable(db_path) == []  # the reply waits behind the given-up post
    code, out, _ = cli("outbox", "retry", str(post))
    assert (code, out.strip()) == (0, f"Besked nr. {post} sendes igen.")
    assert _claimable(db_path) == ["review_post"]


def test_release_lets_the_thread_go_on(cli: Any, db_path: Path) -> None:
    post, _ = _given_up_thread(db_path)
    code, _, _ = cli("outbox", "release", str(post))
    assert code == 0
    assert _claimable(db_path) == ["thread_reply"]
    assert cli("outbox")[1].strip() == "Ingen opgivne beskeder."


@pytest.mark.parametrize("argv", [["retry", "999"], ["release", "999"], ["retry", "x1"]])
def test_a_wrong_number_is_one_danish_line(cli: Any, db_path: Path, argv: list[str]) -> None:
    _given_up_thread(db_path)
    code, out, err = cli("outbox", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "beskednummer" in err or "ikke opgivet" in err
