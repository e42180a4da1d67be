"""The hostile corpus, as data: what people (or someone pretending to be Slack or Teams) may
send the bot. The tests drive each entry through every surface where it applies.

- `TYPED`: text a person types into a free-text answer (the draft unless `field` says which).
  `valid` says whether the intake accepts it (stored whole) or refuses it with a field error.
  `stored` is what the intake keeps when that is not the text itself: the draft loses its
  control and bidi characters, and a link its non-ASCII host (shown as punycode).
  `probe` is a visible fragment used to follow the text downstream ("" when too generic).
- `ANSWERS`: forged values for choice, yes/no and date answers, which no honest form sends.
- `REFS`: what may stand where a proposal number belongs (a button's value, a card's data).
- `METADATA`: a modal's private_metadata, which comes back to us inside a signed request.
- `RAW`: whole requests: malformed bodies, wrong content types, odd headers.
- `SLACK_MALFORMED`: signed Slack requests in a shape Slack never sends (a 309-digit timestamp,
  JSON nested 100,000 deep, a view whose state is no object, a shortcut without its trigger id):
  refused with a 4xx before any listener runs, with one warning and no traceback in the log.
  The few that are well-shaped but empty get Slack's 200 with a field error, nothing stored.
- `INVOKES`: Teams invokes with values no Teams client sends. Those no handler takes are
  answered 501 Not Implemented with an empty body (the SDK's answer); the rest in the body.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from handlers.slack import ids
from handlers.teams.extension import COMMAND_ID

SLACK = "/slack/events"
TEAMS = "/api/messages"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Typed:
    id: str
    value: str
    valid: bool = True
    field: str = "text"
    probe: str = ""
    blank: bool = False  # an optional answer with nothing visible: stored as not given
    stored: str | None = None  # what is kept, when not `value` itself

    @property
    def kept(self) -> str | None:
        """What the intake stores for this answer (before stripping surrounding whitespace)."""
        if self.blank:
            return None
        return self.value if self.stored is None else self.stored

    @property
    def json_only(self) -> bool:
        """Lone surrogates survive a JSON escape but cannot be URL-encoded as UTF-8."""
        return any(0xD800 <= ord(char) <= 0xDFFF for char in self.value)


@dataclass(frozen=True)
class Answer:
    id: str
    field: str
    value: Any
    valid: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ref:
    id: str
    value: Any


@dataclass(frozen=True)
class Metadata:
    """`proposal` is replaced by the id of a real proposal (someone else's, where it matters)."""

    id: str
    value: str


@dataclass(frozen=True)
class Invoke:
    id: str
    name: str
    value: Any
    status: int


@dataclass(frozen=True)
class Raw:
    id: str
    path: str
    body: bytes
    content_type: str
    status: int
    signed: bool = True
    headers: dict[str, str] = field(default_factory=dict)


EXACT = ("Ord " * 749) + "Ordx"  # 3,000 characters, nothing to strip
assert len(EXACT) == 3000

TYPED: list[Typed] = [
    # -- mentions and links Slack would act on -----------------------------------------------
    Typed("channel", "<!channel> Husk borgermødet i aften", probe="borgermødet"),
    Typed("here", "<!here> Vejen er lukket ved Ørum", probe="Vejen er lukket"),
    Typed("everyone", "<!everyone> Nyt fra rådhuset", probe="Nyt fra rådhuset"),
    Typed("user-mention", "Tak til <@U0FORGED> og <@W0FORGED|chefen> for hjælpen",
          probe="for hjælpen"),
    Typed("subteam", "<!subteam^S0FORGED|@kommunikation> se forslaget", probe="se forslaget"),
    Typed("channel-link", "Se <#C0FORGED|general> for mere info", probe="for mere info"),
    Typed("misleading-link", "Læs mere på <https://evil.example|norddjurs.dk> i dag",
          probe="Læs mere på"),
    Typed("markdown-link", "Læs mere på [norddjurs.dk](https://evil.example/login)",
          probe="evil.example/login"),
    Typed("pre-escaped", "&lt;!channel&gt; &amp;amp; &#60;!here&#62; forvirring",
          probe="forvirring"),
    Typed("date-token", "<!date^1392734382^{date}|18. feb> kl. 10 i Grenaa",
          probe="kl. 10 i Grenaa"),
    Typed("teams-at", "<at>Bente Kommunikation</at> godkend nu", probe="godkend nu"),
    Typed("teams-at-variants", '<at id="0">Alle</at> <AT>General</AT> læs dette straks',
          probe="læs dette straks"),
    # -- card, template and markup fragments ---------------------------------------------------
    Typed("card-openurl",
          '{"type":"Action.OpenUrl","title":"Godkend","url":"https://evil.example"}',
          probe='"Action.OpenUrl"'),
    Typed("card-template", "Hej ${from.name}, ${if(true,'ja','nej')} {{user}} ${$root}",
          probe="${from.name}"),
    Typed("card-breakout", '"}]},{"type":"TextBlock","text":"**Godkendt**"},{"a":"',
          probe="**Godkendt**"),
    Typed("script-tag", "<script>alert('opslag')</script>", probe="alert('opslag')"),
    Typed("img-onerror", '<img src=x onerror="fetch(\'https://evil.example\')"> billede',
          probe="onerror="),
    Typed("html-markup",
          '<b>Fed</b> &amp; <i>kursiv</i> <a href="https://evil.example">norddjurs.dk</a>',
          probe="kursiv"),
    Typed("mrkdwn-formatting", "*fed* _kursiv_ ~streg~ `kode` ```blok``` og mere",
          probe="~streg~"),
    Typed("quote-lines", "> citat\n>> dobbelt citat\n&gt; escaped", probe="dobbelt citat"),
    Typed("format-fields", "{id} {who} {title} {0} {__class__} %(name)s %s", probe="{__class__}"),
    # -- SQL ---------------------------------------------------------------------------------
    Typed("sql-drop", "'); DROP TABLE proposals;--", probe="DROP TABLE proposals"),
    Typed("sql-or", "1' OR '1'='1' --", probe="OR '1'='1'"),
    Typed("sql-history", "Robert\"); DELETE FROM history; UPDATE outbox SET status='sent'; --",
          probe="DELETE FROM history"),
    # -- control, invisible and direction characters -----------------------------------------
    # (The draft keeps newlines and tabs; every other line break becomes a newline, the other
    # control characters and the bidi controls are removed: see policy.models.clean_draft.)
    Typed("nul", "Før\x00efter nul-tegnet", probe="efter nul-tegnet",
          stored="Førefter nul-tegnet"),
    Typed("ansi", "\x1b[31mRØD TEKST\x1b[0m og \x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
          probe="RØD TEKST", stored="[31mRØD TEKST[0m og ]8;;https://evil.examplelink]8;;"),
    Typed("carriage-returns", "Linje et\rLinje to\r\nLinje tre", probe="Linje tre",
          stored="Linje et\nLinje to\nLinje tre"),
    Typed("c0-controls", "\x07\x08\x0b\x0c\x7f kontroltegn", probe="kontroltegn",
          stored="\n\n kontroltegn"),
    Typed("unicode-line-separators", "Linje\u2028separator\u2029afsnit\x85næste",
          probe="separator", stored="Linje\nseparator\nafsnit\nnæste"),
    Typed("zero-width", "Nord\u200bdjurs\u200b Kommune\u200c\u200d", probe="Nord\u200bdjurs"),
    Typed("bom", "\ufeffBOM i starten og\ufeff midten", probe="midten"),
    Typed("rtl-override", "Fakturaen \u202eexe.fdp\u202c er vedhæftet", probe="er vedhæftet",
          stored="Fakturaen exe.fdp er vedhæftet"),
    Typed("bidi-isolates", "\u2066\u2067\u2068isolerede\u2069 retninger \u200f\u200e",
          probe="retninger", stored="isolerede retninger \u200f\u200e"),
    # -- emoji, combining marks, normalisation -------------------------------------------------
    Typed("emoji-4-byte", "Fest 🎉🇩🇰👩‍👩‍👧‍👦🧑🏽‍🚀 i Grenaa", probe="i Grenaa"),
    Typed("combining-marks", "Z̷̢̛̙a̴͖͋l̶̰̓g̷̙̈́o̵͈̍ besøger Auning", probe="besøger Auning"),
    Typed("nfd", "Ærø og A\u030arhus og e\u0301 ", probe="Ærø og"),
    Typed("backslashes", 'C:\\Windows\\ \\" \\n \\u0000 \'\'\' """', probe="Windows"),
    # -- lengths -------------------------------------------------------------------------------
    Typed("exactly-3000", EXACT),
    Typed("3001", EXACT + "y", valid=False),
    Typed("3000-emoji", "🎉" * 3000),  # 6,000 UTF-16 units: the limit counts characters
    Typed("3001-emoji", "🎉" * 3001, valid=False),
    Typed("3000-angle-brackets", "<" * 3000),  # 12,000 characters once escaped for Slack
    Typed("3000-ampersands", "&" * 3000),
    Typed("300-channel-pings", "<!channel>" * 300),
    # -- empty and invisible -----------------------------------------------------------------
    Typed("empty", "", valid=False),
    Typed("whitespace", "   \n\t \r\n  ", valid=False),
    Typed("wide-spaces", "\xa0\u3000\u2003", valid=False),
    Typed("zero-width-only", "\u200b\ufeff\u200d\u2060", valid=False),
    Typed("newlines-only", "\n\n\n", valid=False),
    Typed("lone-surrogate", "\ud800 halvt tegn", valid=False),
    # -- other free-text answers ---------------------------------------------------------------
    Typed("title-ping", "<!channel> Vigtigt", field="title", probe="Vigtigt"),
    Typed("title-150", "T" * 150, field="title"),
    Typed("title-151", "T" * 151, field="title", valid=False),
    Typed("title-lone-surrogate", "Titel \udfff", field="title", valid=False),
    Typed("title-invisible", "\u200b\u200b", field="title", blank=True),  # as if not given
    # A one-line answer with a line break or control character can only be forged: refused.
    Typed("title-newline", "Godkendt\n*Status: godkendt*", field="title", valid=False),
    Typed("title-nul", "Titel\x00", field="title", valid=False),
    Typed("title-rtl-override", "Titel \u202eexe.fdp", field="title", valid=False),
    Typed("department-tab", "Teknik\tog Miljø", field="department", valid=False),
    Typed("alt-text-line-separator", "To børn\u2028i sandkassen", field="alt_text",
          valid=False),
    Typed("department-ping", "<!here> Teknik og Miljø", field="department",
          probe="Teknik og Miljø"),
    Typed("department-121", "D" * 121, field="department", valid=False),
    Typed("alt-text-mention", "<@U0FORGED> står på billedet", field="alt_text",
          probe="står på billedet"),
    Typed("alt-text-1001", "A" * 1001, field="alt_text", valid=False),
    Typed("link-misleading", "https://evil.example|norddjurs.dk", field="link",
          probe="evil.example|norddjurs.dk"),
    Typed("link-mentions", "https://norddjurs.dk/<!channel>?a=<@U0FORGED>", field="link",
          probe="norddjurs.dk/"),
    Typed("link-javascript", "javascript:alert(1)", field="link", valid=False),
    Typed("link-data", "data:text/html,<script>alert(1)</script>", field="link", valid=False),
    Typed("link-501", "https://norddjurs.dk/" + "a" * 480, field="link", valid=False),
    Typed("link-http", "http://norddjurs.dk/", field="link", valid=False),
    Typed("link-userinfo", "https://norddjurs.dk@evil.example/", field="link", valid=False),
    Typed("link-space", "https://norddjurs.dk/borger service", field="link", valid=False),
    Typed("link-newline", "https://norddjurs.dk/\n*Godkendt*", field="link", valid=False),
    Typed("link-mixed-script", "https://norddјurs.dk/", field="link",
          stored="https://xn--norddurs-gih.dk/"),  # a Cyrillic "ј": shown as what it is
]

ANSWERS: list[Answer] = [
    Answer("theme-sport", "theme", "sport", valid=False),
    Answer("theme-upper", "theme", "KLIMA_MILJOE", valid=False),
    Answer("theme-sql", "theme", "klima_miljoe' OR '1'='1", valid=False),
    Answer("audience-hackers", "audience", ["hackers"], valid=False),
    Answer("audience-mixed", "audience", ["borgere", "hackers"], valid=False),
    Answer("audience-none", "audience", [], valid=False),
    Answer("audience-twice", "audience", ["borgere", "borgere"], valid=True),
    Answer("content-type-drop", "content_type", "'); DROP TABLE proposals;--", valid=False),
    Answer("crisis-maybe", "crisis", "maybe", valid=False),
    Answer("has-media-maybe", "has_media", "maybe", valid=False),
    # Asked only about a video.
    Answer("captions-maybe", "captions", "maybe", valid=False, extra={"media_kind": "video"}),
    Answer("date-feb-30", "planned_for", "2026-02-30", valid=False),
    Answer("date-danish", "planned_for", "30-11-2026", valid=False),
    Answer("date-words", "planned_for", "i morgen", valid=False),
    Answer("date-far-future", "planned_for", "9999-12-31", valid=True),
    Answer("date-year-one", "planned_for", "0001-01-01", valid=True),
    Answer("job-level-unknown", "job_level", "direktør", valid=False,
           extra={"content_type": "jobopslag"}),
    Answer("job-level-missing", "job_level", None, valid=False,
           extra={"content_type": "jobopslag"}),
]

REFS: list[Ref] = [
    Ref("letters", "abc"),
    Ref("empty", ""),
    Ref("negative", "-1"),
    Ref("zero", "0"),
    Ref("decimal", "1.5"),
    Ref("huge", "99999999999999999999999"),
    Ref("just-past-sqlite", "9223372036854775808"),
    Ref("sql", "1; DROP TABLE proposals"),
    Ref("sql-or", "0 OR 1=1"),
    Ref("nul", "\x00"),
    Ref("hex", "0x1F"),
    Ref("object", {"$gt": 0}),
    Ref("list", [1, 2]),
    Ref("null", None),
    Ref("boolean", True),
]

# "{proposal}" is replaced with the id of a real proposal of someone else.
METADATA: list[Metadata] = [
    Metadata("not-json", "not json"),
    Metadata("json-list", "[1, 2]"),
    Metadata("id-letters", '{"proposal_id": "abc"}'),
    Metadata("id-huge", '{"proposal_id": 99999999999999999999999}'),
    Metadata("id-object", '{"proposal_id": {"$ne": 0}}'),
    Metadata("someone-elses", '{"proposal_id": {proposal}}'),
    Metadata("someone-elses-claiming-owner",
             '{"proposal_id": {proposal}, "user_id": "UANNA", "proposer": "UANNA"}'),
]

REASON_METADATA: list[Metadata] = [
    Metadata("empty", ""),
    Metadata("not-json", "not json"),
    Metadata("null", "null"),
    Metadata("missing-id", '{"decision": "reject"}'),
    Metadata("missing-decision", '{"proposal_id": {proposal}}'),
    Metadata("unknown-decision", '{"proposal_id": {proposal}, "decision": "delete"}'),
    Metadata("id-letters", '{"proposal_id": "abc", "decision": "reject"}'),
    Metadata("id-huge", '{"proposal_id": 99999999999999999999999, "decision": "reject"}'),
    Metadata("id-list", '{"proposal_id": [1], "decision": "reject"}'),
]


def _activity(**extra: Any) -> bytes:
    base = {"type": "message", "id": "1", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/",
            "from": {"id": "29:x", "aadObjectId": "aad-x"},
            "conversation": {"id": "a:x", "conversationType": "personal"},
            "recipient": {"id": "28:bot"}, "text": "hjælp"}
    base.update(extra)
    return json.dumps(base).encode()


RAW: list[Raw] = [
    # -- Slack, correctly signed ---------------------------------------------------------------
    Raw("slack-payload-not-json", SLACK, b"payload=not-json", FORM, 400),
    Raw("slack-payload-half-json", SLACK, b"payload=%7B%22type%22%3A", FORM, 400),
    Raw("slack-payload-list", SLACK, b"payload=%5B1%2C2%5D", FORM, 400),
    Raw("slack-payload-null", SLACK, b"payload=null", FORM, 400),
    Raw("slack-payload-string", SLACK, b"payload=%22block_actions%22", FORM, 400),
    Raw("slack-payload-team-string", SLACK,
        b"payload=%7B%22type%22%3A%22block_actions%22%2C%22team%22%3A%22T1%22%2C%22user%22"
        b"%3A%22U1%22%2C%22actions%22%3A%22x%22%7D", FORM, 400),
    Raw("slack-bad-percent-escapes", SLACK, b"%zz%%=&&&==&command=%", FORM, 400),
    Raw("slack-json-truncated", SLACK, b'{"type": "event_callback", "event": {', JSON, 400),
    Raw("slack-json-list", SLACK, b"[1, 2, 3]", JSON, 400),
    Raw("slack-json-event-string", SLACK,
        b'{"type": "event_callback", "event_id": "EvRaw1", "event": "app_mention"}', JSON, 400),
    Raw("slack-invalid-utf8", SLACK, b"payload=%7B%7D&text=\xff\xfe\xc3\x28", FORM, 400),
    Raw("slack-invalid-utf8-json", SLACK, b'{"type": "url_verification", "challenge": "\xff"}',
        JSON, 400),
    Raw("slack-empty-body", SLACK, b"", FORM, 404),
    Raw("slack-xml", SLACK, b"<?xml version='1.0'?><payload>x</payload>", "application/xml",
        404),
    Raw("slack-multipart", SLACK, b"--b\r\nContent-Disposition: form-data; name=\"payload\""
        b"\r\n\r\n{}\r\n--b--\r\n", "multipart/form-data; boundary=b", 404),
    # -- Slack, not signed or signed oddly: refused before anything is parsed ------------------
    Raw("slack-unsigned-garbage", SLACK, b"payload=not-json", FORM, 401, signed=False),
    Raw("slack-unsigned-invalid-json", SLACK, b"{", JSON, 401, signed=False),
    Raw("slack-timestamp-letters", SLACK, b"payload=%7B%7D", FORM, 401, signed=False,
        headers={"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
    Raw("slack-signature-non-ascii", SLACK, b"payload=%7B%7D", FORM, 401, signed=False,
        headers={"X-Slack-Signature": "v0=\xe9\xe9"}),
    # -- Teams (local mode: from this machine) -------------------------------------------------
    Raw("teams-json-truncated", TEAMS, b'{"type": "message", "text": ', JSON, 400),
    Raw("teams-json-list", TEAMS, b"[]", JSON, 400),
    Raw("teams-json-null", TEAMS, b"null", JSON, 400),
    Raw("teams-json-string", TEAMS, b'"message"', JSON, 400),
    Raw("teams-type-number", TEAMS, _activity(type=5), JSON, 400),
    Raw("teams-from-string", TEAMS, _activity(**{"from": "aad-bente-central"}), JSON, 400),
    Raw("teams-text-number", TEAMS, _activity(text=12345), JSON, 400),
    Raw("teams-no-conversation", TEAMS, _activity(conversation=None), JSON, 400),
    Raw("teams-invalid-utf8", TEAMS, b'{"type": "message", "text": "\xff\xfe"}', JSON, 400),
    Raw("teams-empty-body", TEAMS, b"", JSON, 400),
    Raw("teams-text-plain", TEAMS, _activity(), "text/plain", 415),
    Raw("teams-form-encoded", TEAMS, b"type=message&text=hj%C3%A6lp", FORM, 415),
    Raw("teams-no-content-type", TEAMS, _activity(), "", 415),
]

# -- Slack requests that are signed but shaped as Slack never sends them ----------------------

DEEP = 100_000  # json.loads gives up (RecursionError) long before this
_DEEP_MARK = '"__deep__"'
_TEAM = {"id": "T0NORDDJURS", "domain": "norddjurs"}
_USER = {"id": "UANNA", "username": "uanna", "name": "uanna", "team_id": "T0NORDDJURS"}


def _deep(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _json(body: dict[str, Any]) -> str:
    """`body` as JSON, with a list nested `DEEP` levels wherever it holds "__deep__"."""
    return json.dumps(body).replace(_DEEP_MARK, _deep())


def _form(payload: dict[str, Any] | str) -> bytes:
    """An interactivity request: the payload as JSON in the form field `payload`."""
    text = payload if isinstance(payload, str) else _json(payload)
    return urllib.parse.urlencode({"payload": text}).encode()


def _command(**fields: str | None) -> bytes:
    base: dict[str, str | None] = {
        "token": "x", "team_id": "T0NORDDJURS", "team_domain": "norddjurs",
        "channel_id": "CGENERAL", "user_id": "UANNA", "user_name": "uanna",
        "command": "/foreslå-opslag", "text": "hej", "api_app_id": "A1",
        "response_url": "http://127.0.0.1:9/unused", "trigger_id": "trigger-cmd",
    }
    base.update(fields)
    return urllib.parse.urlencode({k: v for k, v in base.items() if v is not None}).encode()


def _shortcut(**parts: Any) -> bytes:
    payload = {
        "type": "message_action", "callback_id": ids.SHORTCUT, "trigger_id": "trigger-sc",
        "team": _TEAM, "user": _USER, "channel": {"id": "CGENERAL", "name": "general"},
        "message_ts": "1.2", "response_url": "http://127.0.0.1:9/unused", "token": "x",
        "message": {"type": "message", "user": "UOUTSIDER", "ts": "1.2", "text": "Et udkast"},
    }
    payload.update(parts)
    return _form({key: value for key, value in payload.items() if value is not None})


def _click(action_id: str, **parts: Any) -> bytes:
    payload = {
        "type": "block_actions", "user": _USER, "api_app_id": "A1", "token": "x",
        "team": _TEAM, "trigger_id": "trigger-click",
        "container": {"type": "message", "message_ts": "1.0", "channel_id": "CREVIEW"},
        "channel": {"id": "CREVIEW", "name": "kommunikation"},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": "1",
                     "action_ts": "1.1"}],
    }
    payload.update(parts)
    return _form({key: value for key, value in payload.items() if value is not None})


def _submission(callback_id: str = ids.INTAKE_VIEW, *, user: Any = _USER, **view: Any) -> bytes:
    """A view_submission of our intake (or reason) modal; `view` replaces parts of the view."""
    base: dict[str, Any] = {
        "id": "VMALFORMED", "team_id": "T0NORDDJURS", "type": "modal",
        "callback_id": callback_id, "private_metadata": "", "hash": "h1",
        "blocks": [{"type": "input", "block_id": "text",
                    "element": {"type": "plain_text_input", "action_id": "text"}}],
        "state": {"values": {"text": {"text": {"type": "plain_text_input", "value": "Hej"}}}},
    }
    base.update(view)
    payload = {"type": "view_submission", "team": _TEAM, "user": user, "api_app_id": "A1",
               "token": "x", "trigger_id": "trigger-view",
               "view": {key: value for key, value in base.items() if value is not None}}
    return _form({key: value for key, value in payload.items() if value is not None})


def _element(**state: Any) -> dict[str, Any]:
    """state.values where the intake question `theme` (or another) answered in this shape."""
    return {"values": {name: {name: value} for name, value in state.items()}}


def _event(event: Any, **parts: Any) -> bytes:
    body = {"token": "x", "team_id": "T0NORDDJURS", "api_app_id": "A1",
            "type": "event_callback", "event_id": "EvMalformed", "event_time": 1,
            "event": event, **parts}
    return _json(body).encode()


_MENTION = {"type": "app_mention", "user": "UANNA", "text": "<@UBOT>", "ts": "7.7",
            "channel": "CGENERAL", "event_ts": "7.7"}
_NOT_A_STAMP = {"X-Slack-Signature": "v0=" + "0" * 64}

SLACK_MALFORMED: list[Raw] = [
    # -- the signature's timestamp -------------------------------------------------------------
    Raw("timestamp-309-digits", SLACK, _command(), FORM, 401, signed=False,
        headers={"X-Slack-Request-Timestamp": "9" * 309, **_NOT_A_STAMP}),
    Raw("timestamp-minus-309-digits", SLACK, _command(), FORM, 401, signed=False,
        headers={"X-Slack-Request-Timestamp": "-" + "9" * 309, **_NOT_A_STAMP}),
    Raw("timestamp-5000-digits", SLACK, _command(), FORM, 401, signed=False,
        headers={"X-Slack-Request-Timestamp": "1" * 5000, **_NOT_A_STAMP}),
    Raw("timestamp-signed-309-digits", SLACK, _command(), FORM, 401,
        headers={"X-Slack-Request-Timestamp": "9" * 309}),
    # -- JSON nested deeper than any parser goes ----------------------------------------------
    Raw("payload-deep-list", SLACK, _form(_deep()), FORM, 400),
    # (objects 25,000 deep: 100,000 would be over the 1 MB limit once URL-encoded)
    Raw("payload-deep-object", SLACK, _form('{"a":' * 25_000 + "1" + "}" * 25_000), FORM, 400),
    Raw("payload-deep-inside-a-click", SLACK,
        _click(ids.APPROVE, actions=[{"action_id": ids.APPROVE, "value": "__deep__"}]),
        FORM, 400),
    Raw("payload-deep-inside-a-view", SLACK, _submission(state="__deep__"), FORM, 400),
    Raw("events-deep-list", SLACK, _deep().encode(), JSON, 400),
    Raw("events-deep-object", SLACK, ('{"a":' * DEEP + "1" + "}" * DEEP).encode(), JSON, 400),
    Raw("events-deep-inside-an-event", SLACK, _event({**_MENTION, "blocks": "__deep__"}),
        JSON, 400),
    # -- a view in a shape no modal has --------------------------------------------------------
    Raw("view-state-string", SLACK, _submission(state="values"), FORM, 400),
    Raw("view-state-list", SLACK, _submission(state=[{"values": {}}]), FORM, 400),
    Raw("view-state-number", SLACK, _submission(state=7), FORM, 400),
    Raw("view-values-string", SLACK, _submission(state={"values": "text"}), FORM, 400),
    Raw("view-values-list", SLACK, _submission(state={"values": [{"text": {}}]}), FORM, 400),
    Raw("view-block-string", SLACK, _submission(state={"values": {"text": "Hej"}}), FORM, 400),
    Raw("view-element-string", SLACK, _submission(state=_element(text="Hej")), FORM, 400),
    Raw("view-value-number", SLACK,
        _submission(state=_element(text={"type": "plain_text_input", "value": 7})), FORM, 400),
    Raw("view-selected-option-string", SLACK,
        _submission(state=_element(theme={"type": "static_select",
                                          "selected_option": "klima_miljoe"})), FORM, 400),
    Raw("view-selected-options-string", SLACK,
        _submission(state=_element(audience={"type": "checkboxes",
                                             "selected_options": "borgere"})), FORM, 400),
    Raw("view-selected-options-numbers", SLACK,
        _submission(state=_element(audience={"type": "checkboxes",
                                             "selected_options": [1, 2]})), FORM, 400),
    Raw("view-option-without-value", SLACK,
        _submission(state=_element(theme={"type": "static_select",
                                          "selected_option": {"text": "Klima"}})), FORM, 400),
    Raw("view-date-number", SLACK,
        _submission(state=_element(planned_for={"type": "datepicker",
                                                "selected_date": 20261130})), FORM, 400),
    Raw("view-blocks-string", SLACK, _submission(blocks="input"), FORM, 400),
    Raw("view-blocks-of-strings", SLACK, _submission(blocks=["input", "text"]), FORM, 400),
    Raw("view-without-type", SLACK, _submission(type=None), FORM, 400),
    Raw("view-without-id", SLACK, _submission(id=None), FORM, 400),
    Raw("view-id-object", SLACK, _submission(id={"id": "V1"}), FORM, 400),
    Raw("reason-view-state-string", SLACK, _submission(ids.REASON_VIEW, state="values"),
        FORM, 400),
    Raw("reason-view-block-string", SLACK,
        _submission(ids.REASON_VIEW, state={"values": {ids.REASON_BLOCK: "Fordi"}}), FORM, 400),
    Raw("form-change-view-state-string", SLACK,
        _click("content_type", view={"id": "VOPEN", "callback_id": ids.INTAKE_VIEW,
                                     "state": "values"}), FORM, 400),
    Raw("form-change-view-without-id", SLACK,
        _click("content_type", view={"callback_id": ids.INTAKE_VIEW,
                                     "state": {"values": {}}}), FORM, 400),
    # well-shaped, but no question in it: a field error (under the draft's place), not a crash
    Raw("view-without-blocks-or-answers", SLACK, _submission(blocks=[], state={"values": {}}),
        FORM, 200),
    Raw("view-without-blocks", SLACK, _submission(blocks=None, state={"values": {}}), FORM, 200),
    Raw("view-without-state", SLACK, _submission(blocks=[], state=None), FORM, 200),
    # -- private_metadata that is no string ----------------------------------------------------
    Raw("metadata-number", SLACK, _submission(private_metadata=7), FORM, 400),
    Raw("metadata-object", SLACK, _submission(private_metadata={"proposal_id": 1}), FORM, 400),
    Raw("metadata-list", SLACK, _submission(private_metadata=[1]), FORM, 400),
    Raw("metadata-true", SLACK, _submission(private_metadata=True), FORM, 400),
    Raw("reason-metadata-object", SLACK,
        _submission(ids.REASON_VIEW, private_metadata={"proposal_id": 1, "decision": "reject"}),
        FORM, 400),
    Raw("form-change-metadata-object", SLACK,
        _click("content_type", view={"id": "VOPEN", "callback_id": ids.INTAKE_VIEW,
                                     "private_metadata": {"proposal_id": 1},
                                     "state": {"values": {}}}), FORM, 400),
    # -- whoever acted, and the trigger id a modal opens with ----------------------------------
    Raw("shortcut-without-trigger-id", SLACK, _shortcut(trigger_id=None), FORM, 400),
    Raw("shortcut-trigger-id-number", SLACK, _shortcut(trigger_id=7), FORM, 400),
    Raw("shortcut-without-user", SLACK, _shortcut(user=None), FORM, 400),
    Raw("shortcut-user-without-id", SLACK, _shortcut(user={"name": "anna"}), FORM, 400),
    Raw("command-without-trigger-id", SLACK, _command(trigger_id=None), FORM, 400),
    Raw("command-without-user", SLACK, _command(user_id=None), FORM, 400),
    Raw("click-without-trigger-id", SLACK, _click(ids.OPEN_INTAKE, trigger_id=None), FORM, 400),
    Raw("click-action-id-number", SLACK,
        _click(ids.APPROVE, actions=[{"action_id": 7, "value": "1"}]), FORM, 400),
    Raw("click-without-user", SLACK, _click(ids.APPROVE, user=None), FORM, 400),
    Raw("submission-without-user", SLACK, _submission(user=None), FORM, 400),
    Raw("submission-user-id-number", SLACK, _submission(user={"id": 7}), FORM, 400),
    # -- events --------------------------------------------------------------------------------
    Raw("mention-without-channel", SLACK,
        _event({key: value for key, value in _MENTION.items() if key != "channel"}), JSON, 400),
    Raw("mention-channel-object", SLACK, _event({**_MENTION, "channel": {"id": "C1"}}),
        JSON, 400),
    Raw("mention-thread-number", SLACK, _event({**_MENTION, "thread_ts": 7.7}), JSON, 400),
    Raw("event-without-type", SLACK, _event({"channel": "CGENERAL"}), JSON, 400),
]

INVOKES: list[Invoke] = [
    Invoke("action-value-string", "adaptiveCard/action", "approve", 200),
    Invoke("action-value-list", "adaptiveCard/action", [1, 2], 200),
    Invoke("action-not-an-object", "adaptiveCard/action", {"action": "approve"}, 200),
    Invoke("action-data-string", "adaptiveCard/action",
           {"action": {"type": "Action.Execute", "verb": "approve", "data": "1"}}, 200),
    Invoke("action-data-null", "adaptiveCard/action",
           {"action": {"type": "Action.Execute", "verb": "submit_intake", "data": None}}, 200),
    Invoke("action-unknown-verb", "adaptiveCard/action",
           {"action": {"type": "Action.Execute", "verb": "delete_everything", "data": {}}}, 200),
    Invoke("action-verb-number", "adaptiveCard/action",
           {"action": {"type": "Action.Execute", "verb": 7, "data": {}}}, 200),
    Invoke("extension-value-string", "composeExtension/submitAction", "x", 501),
    Invoke("extension-data-string", "composeExtension/submitAction",
           {"commandId": COMMAND_ID, "data": "x"}, 200),
    Invoke("extension-unknown-command", "composeExtension/submitAction",
           {"commandId": "slet_alt", "data": {}}, 501),
    Invoke("extension-fetch-body-number", "composeExtension/fetchTask",
           {"commandId": COMMAND_ID,
            "messagePayload": {"body": {"contentType": "html", "content": 42}}}, 200),
    Invoke("extension-fetch-no-payload", "composeExtension/fetchTask",
           {"commandId": COMMAND_ID}, 200),
    Invoke("unknown-invoke", "opslag/slet-alt", {"proposal_id": 1}, 501),
]
