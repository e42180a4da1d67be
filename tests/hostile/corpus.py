"""The hostile corpus, as data: what people (or someone pretending to be Slack or Teams) may
send the bot. The tests drive each entry through every surface where it applies.

- `TYPED`: text a person types into a free-text answer (the draft unless `field` says which).
  `valid` says whether the intake accepts it (stored whole) or refuses it with a field error.
  `probe` is a visible fragment used to follow the text downstream ("" when too generic).
- `ANSWERS`: forged values for choice, yes/no and date answers, which no honest form sends.
- `REFS`: what may stand where a proposal number belongs (a button's value, a card's data).
- `METADATA`: a modal's private_metadata, which comes back to us inside a signed request.
- `RAW`: whole requests: malformed bodies, wrong content types, odd headers.
- `INVOKES`: Teams invokes with values no Teams client sends. Those no handler takes are
  answered 501 Not Implemented with an empty body (the SDK's answer); the rest in the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    Typed("nul", "Før\x00efter nul-tegnet", probe="efter nul-tegnet"),
    Typed("ansi", "\x1b[31mRØD TEKST\x1b[0m og \x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
          probe="RØD TEKST"),
    Typed("carriage-returns", "Linje et\rLinje to\r\nLinje tre", probe="Linje tre"),
    Typed("c0-controls", "\x07\x08\x0b\x0c\x7f kontroltegn", probe="kontroltegn"),
    Typed("unicode-line-separators", "Linje\u2028separator\u2029afsnit\x85næste",
          probe="separator"),
    Typed("zero-width", "Nord\u200bdjurs\u200b Kommune\u200c\u200d", probe="Nord\u200bdjurs"),
    Typed("bom", "\ufeffBOM i starten og\ufeff midten", probe="midten"),
    Typed("rtl-override", "Fakturaen \u202eexe.fdp\u202c er vedhæftet", probe="er vedhæftet"),
    Typed("bidi-isolates", "\u2066\u2067\u2068isolerede\u2069 retninger \u200f\u200e",
          probe="retninger"),
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
    Answer("captions-maybe", "captions", "maybe", valid=False),
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
    import json

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
    Raw("slack-bad-percent-escapes", SLACK, b"%zz%%=&&&==&command=%", FORM, 404),
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
