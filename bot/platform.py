"""The contract between the core and a platform edge, and the registry of the edges.

An edge (`handlers/<platform>/`) describes itself as a `Platform` and is registered with one
call, `Core.add_platform`. From then on the core asks the registered platforms, and never
names one: where each reviews, whose entries in OPSLAG_DIGEST_CHANNELS are whose, whether a
channel can be reached now, who is in the central team, and how each kind of message is sent.

Registration checks the contract, so that a gap fails at start, not at a delivery: a unique
name, and a sender (when the process delivers for the platform) with one method per `Kind`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.departments import Department
    from bot.outbox import Sender
    from bot.store import Store


class Kind(StrEnum):
    """The kinds of outgoing message. A sender has one method per kind, named as its value."""

    RECOMMENDATION = "recommendation"
    REVIEW_POST = "review_post"
    REVIEW_UPDATE = "review_update"
    THREAD_REPLY = "thread_reply"
    DECISION_NOTICE = "decision_notice"
    ESCALATION = "escalation"
    ESCALATION_DM = "escalation_dm"
    DIGEST = "digest"
    # The notice to the central team about a message that was given up (see bot/outbox.py).
    UNDELIVERED = "undelivered"
    # Issue 12 §6: the reminder to publish an approved post on its planned day (to whoever
    # publishes it), the reminder in a review thread past the SLA (naming the reviewers), and
    # the notice to the publisher that a published post must be taken down (with its links).
    PUBLISH_REMINDER = "publish_reminder"
    REVIEW_REMINDER = "review_reminder"
    TAKEDOWN_NOTICE = "takedown_notice"
    # The publish reminder once the post is marked published or taken down: the reminder's
    # message is changed to say so, without its button.
    PUBLISH_REMINDER_UPDATE = "publish_reminder_update"
    # Issue 13 §2: the monthly strategy summary in a review channel.
    MONTHLY_REPORT = "monthly_report"


class PlatformError(Exception):
    """A platform that does not keep the contract; raised when it is registered."""


@dataclass(frozen=True, order=True)
class Target:
    """Where one digest goes: a platform and a channel in the form its sender reads."""

    platform: str
    channel: str


class Platform(Protocol):
    """What the core knows of a platform edge."""

    @property
    def name(self) -> str:
        """The machine key: the `platform` of outbox rows and of the people who act there."""

    @property
    def label(self) -> str:
        """The platform's name as people read it."""

    @property
    def sender(self) -> Sender | None:
        """Delivers the outbox's messages; None when this process does not deliver for the
        platform (the terminal, or a platform switched off): its rows wait in the outbox."""

    @property
    def bare_channels(self) -> bool:
        """Whether an OPSLAG_DIGEST_CHANNELS entry without `<name>:` is this platform's (one
        platform may say so: the one whose channel ids were written bare before there were
        two)."""

    @property
    def channel_syntax(self) -> str:
        """How an entry of this platform is written, for the message about a wrong one."""

    @property
    def public(self) -> bool:
        """Whether other machines must reach this server for the platform (it then listens on
        every interface unless HOST says otherwise)."""

    def review_channel(self, store: Store) -> str | None:
        """The central team's review channel, as the sender reads it; None until one is
        chosen (the platform then takes no review messages)."""

    def department_channel(self, department: Department, store: Store) -> str | None:
        """A department's review channel on this platform (from the departments file, or
        chosen there with a command), as the sender reads it; None when it has none here."""

    def channel(self, entry: str) -> str | None:
        """The channel an OPSLAG_DIGEST_CHANNELS entry (`<name>:<channel>`) names, when the
        entry is this platform's and well formed; else None."""

    def reachable(self, channel: str, store: Store) -> bool:
        """Whether a message to `channel` can be delivered now."""

    def central_members(self) -> Iterable[str]:
        """The ids of the central team on this platform now (configured and live lists)."""


def missing_kinds(sender: object) -> list[Kind]:
    """The kinds a sender has no method for."""
    return [kind for kind in Kind if not callable(getattr(sender, kind.value, None))]


class Platforms:
    """The registered platforms, in the order they were registered."""

    def __init__(self) -> None:
        self._platforms: dict[str, Platform] = {}

    def add(self, platform: Platform) -> None:
        """Check the contract and register; raises PlatformError naming what is wrong."""
        name = platform.name
        if not name or ":" in name or name in self._platforms:
            raise PlatformError(f"Platformen {name!r} kan ikke registreres: navnet skal være "
                                "unikt, ikke tomt og uden kolon")
        if platform.sender is not None:
            missing = missing_kinds(platform.sender)
            if missing:
                raise PlatformError(
                    f"Platformen {name!r} kan ikke registreres: dens afsender mangler en metode "
                    f"for beskedtyperne {', '.join(kind.value for kind in missing)}"
                )
        if platform.bare_channels and any(p.bare_channels for p in self):
            raise PlatformError(f"Platformen {name!r} kan ikke registreres: en anden platform "
                                "tager allerede kanal-id'er uden platformens navn")
        self._platforms[name] = platform

    def __iter__(self) -> Iterator[Platform]:
        return iter(list(self._platforms.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._platforms

    def get(self, name: str) -> Platform | None:
        return self._platforms.get(name)

    def label(self, name: str) -> str:
        platform = self._platforms.get(name)
        return platform.label if platform is not None else name

    def reviewing(self, store: Store) -> list[str]:
        """The platforms with a review channel now (one can be chosen while the server runs)."""
        return [p.name for p in self if p.review_channel(store) is not None]

    def reviewing_for(self, department: Department, store: Store) -> list[str]:
        """The platforms where `department` has a review channel now."""
        return [p.name for p in self if p.department_channel(department, store) is not None]

    def review_targets(self, store: Store) -> list[Target]:
        targets = []
        for platform in self:
            channel = platform.review_channel(store)
            if channel is not None:
                targets.append(Target(platform.name, channel))
        return targets

    def target(self, entry: str) -> Target | None:
        """The platform and channel an OPSLAG_DIGEST_CHANNELS entry names; None when no
        registered platform takes it."""
        prefix, sep, _ = entry.partition(":")
        if not sep:
            bare = next((p for p in self if p.bare_channels), None)
            if bare is None or not entry:
                return None
            prefix, entry = bare.name, f"{bare.name}:{entry}"
        platform = self._platforms.get(prefix)
        channel = platform.channel(entry) if platform is not None else None
        return Target(prefix, channel) if platform is not None and channel else None

    def syntax(self) -> str:
        """How entries are written, for the message about a wrong one."""
        return " eller ".join(p.channel_syntax for p in self) or "<platform>:<kanal>"
