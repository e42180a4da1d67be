"""The outbox's pacer remembers only the channels it is pacing now: each person's DM is a
channel of its own, and a server that has written to thousands of people must not keep a
lock and a timestamp for every one of them for good (issue 15: memory grew with the soak)."""

from __future__ import annotations

import pytest

from bot.outbox import PACER_SWEEP_MIN, Pacer, RetryLater

PEOPLE = 5_000


async def test_the_pacer_forgets_the_channels_it_no_longer_paces() -> None:
    clock = [1_000.0]
    pacer = Pacer(rate=1, burst=3, now=lambda: clock[0])
    for number in range(PEOPLE):  # one DM each, a hundred a second
        async with pacer.turn(f"D{number}"):
            pass
        clock[0] += 0.01
    # Only the last second's channels still have a slot ahead; the rest cost nothing.
    assert pacer.tracked <= 2 * PACER_SWEEP_MIN


async def test_a_channel_it_forgot_is_paced_as_before() -> None:
    clock = [1_000.0]
    pacer = Pacer(rate=1, burst=1, max_wait=0.5, now=lambda: clock[0])
    async with pacer.turn("C1"):
        pass
    for number in range(4 * PACER_SWEEP_MIN):  # enough others to make it sweep
        clock[0] += 0.01
        async with pacer.turn(f"D{number}"):
            pass
    with pytest.raises(RetryLater):  # D's last slot is still ahead: not forgotten
        async with pacer.turn(f"D{4 * PACER_SWEEP_MIN - 1}"):
            pass
    async with pacer.turn("C1"):  # its slot passed long ago: goes at once
        pass
