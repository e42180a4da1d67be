"""Every Danish word the Slack surface shows, in one place.

Templates use `str.format` fields. Values that a user typed are escaped by the caller before
they are put into a template that ends up as mrkdwn.
"""

from __future__ import annotations

from typing import Final

from bot import readout

# -- the command, the mention and help ----------------------------------------------------------

HELP_WORDS: Final = frozenset({"hjælp", "hjaelp", "help", "?"})
WEEK_WORDS: Final = frozenset({"uge", "ugen", "week"})

HELP_TITLE: Final = "Opslag hjælper dig med opslag på kommunens sociale medier"
HELP_BODY: Final = (
    "• `/foreslå-opslag` åbner en formular med nogle få spørgsmål om dit opslag.\n"
    "• `/foreslå-opslag Din tekst her` åbner formularen med teksten udfyldt.\n"
    "• Vælg *Foreslå som opslag* i menuen (⋮) på en besked for at bruge den som udkast.\n"
    "• `/foreslå-opslag uge` viser ugens planlagte opslag.\n\n"
    "Du får straks en anbefaling efter kommunens strategi for sociale medier: hvilke platforme "
    "der passer, tonen og forslag til teksten. Derefter ser den centrale "
    "kommunikationsafdeling på forslaget, og du får svar her i Slack."
)
HELP_ALT_COMMAND: Final = "Virker `å` ikke i jeres Slack, så brug `/foreslaa-opslag`."
HELP_BUTTON: Final = "Foreslå et opslag"
HELP_FALLBACK: Final = "Sådan foreslår du et opslag"
MODAL_FAILED: Final = (
    "Formularen kunne ikke åbnes (Slack svarede ikke i tide). Prøv kommandoen igen."
)

# -- the intake modal ---------------------------------------------------------------------------

MODAL_TITLE_NEW: Final = "Foreslå et opslag"
MODAL_TITLE_EDIT: Final = "Ret dit forslag"
MODAL_SUBMIT_NEW: Final = "Se anbefalingen"
MODAL_SUBMIT_EDIT: Final = "Se anbefalingen"
MODAL_CLOSE: Final = "Annullér"
MODAL_INTRO: Final = (
    "Svarene bruges til at anbefale platform, tone og rettelser efter kommunens strategi for "
    "sociale medier. Du ser anbefalingen, før du vælger at sende forslaget til godkendelse."
)
MODAL_INTRO_EDIT: Final = (
    "Ret det, der blev bedt om. Du ser den nye anbefaling, før du sender igen, og godkenderne "
    "ser den nye udgave i samme tråd."
)
YES: Final = "Ja"
NO: Final = "Nej"
SELECT_PLACEHOLDER: Final = "Vælg"
DATE_PLACEHOLDER: Final = "Vælg en dato"
LONG_TEXT_HINT: Final = "Højst {max} tegn."
PREFILL_CUT: Final = "Teksten var for lang og er forkortet til {max} tegn."

THANKS_TITLE: Final = "Tak for dit forslag"
THANKS_CLOSE: Final = "Luk"
THANKS_NEW: Final = (
    "*Forslag nr. {id} er gemt og sendt til godkendelse.* Du får en kvittering i en besked "
    "fra mig, og besked igen, når der er truffet en beslutning."
)
THANKS_EDIT: Final = (
    "*Den rettede udgave af forslag nr. {id} er gemt.* Godkenderne får besked i samme tråd."
)
NOTICE_TITLE: Final = "Opslag"

# -- the advice, before the proposal is sent ----------------------------------------------------

ADVICE_TITLE: Final = "Anbefaling"
ADVICE_SEND: Final = "Send til godkendelse"
ADVICE_DROP: Final = "Drop"
ADVICE_EDIT: Final = "Ret"
ADVICE_DETAILS: Final = "Vis begrundelser og tips"
ADVICE_DETAILS_TITLE: Final = "Begrundelser og tips"
ADVICE_BACK: Final = "Tilbage"
ADVICE_CHOICES: Final = (
    "*Send til godkendelse* gemmer forslaget og sender det videre. *Ret* fører dig tilbage til "
    "spørgsmålene med dine svar. *Drop* lukker uden at gemme noget."
)
ADVICE_GONE: Final = (
    "Dine svar er ikke gemt længere (der gik for lang tid). Start forfra med /foreslå-opslag."
)
ALREADY_SUBMITTED: Final = "Dette forslag er allerede sendt."

# -- the reason modal ---------------------------------------------------------------------------

# "approve": the Approve button while something is missing (bot/workflow.py `gates`): the
# reviewer may approve anyway, with a written reason.
REASON_TITLE: Final = {"request_changes": "Bed om ændringer", "reject": "Afvis forslag",
                       "approve": readout.OVERRIDE}
REASON_SUBMIT: Final = {"request_changes": "Send", "reject": "Afvis",
                        "approve": readout.OVERRIDE}
REASON_LABEL: Final = {
    "request_changes": "Hvad skal rettes?",
    "reject": "Hvorfor afvises forslaget?",
    "approve": readout.OVERRIDE_QUESTION,
}
# Above the reason when approving anyway: what is missing, one line each.
REASON_GATES: Final = f"*{readout.GATES}:*"
REASON_HINT: Final = "Forslagsstilleren får begrundelsen i en privat besked."
REASON_ABOUT: Final = "Forslag nr. {id}: {title}"
REASON_MAX: Final = readout.NOTE_MAX
REASON_LOST: Final = (
    "Formularen mangler oplysninger om forslaget. Luk den, og klik på knappen igen."
)

# -- refusals and other ephemeral answers -------------------------------------------------------

NOT_CENTRAL: Final = (
    "Tak fordi du kigger med! Det er kun den centrale kommunikationsafdeling, der kan godkende, "
    "bede om ændringer eller afvise forslag. Intet er ændret."
)
ALREADY: Final = "Forslag nr. {id} er allerede {status}{by}. Intet er ændret."
ALREADY_BY: Final = " af {who}"
NOT_PROPOSER: Final = "Kun den, der har stillet forslaget, kan rette det."
WITHDRAWN_OK: Final = "Forslag nr. {id} er trukket tilbage."

# -- the receipt (DM to the proposer after Send) ------------------------------------------------

RECEIPT_HEADER: Final = "Dit forslag er sendt til godkendelse"
RECEIPT_HEADER_AGAIN: Final = "Din rettede udgave er sendt til godkendelse"
RECEIPT_FALLBACK: Final = "Forslag nr. {id} er sendt til godkendelse: {title}"
REC_ABOUT: Final = "Forslag nr. {id} · *{title}*"
REC_MORE: Final = "… og {n} mere"
REC_WITHDRAW: Final = "Træk forslaget tilbage"
REC_WITHDRAW_CONFIRM_TITLE: Final = "Træk tilbage?"
REC_WITHDRAW_CONFIRM_TEXT: Final = "Forslaget trækkes tilbage, og godkenderne får besked."
REC_WITHDRAW_CONFIRM_YES: Final = "Træk tilbage"
REC_WITHDRAW_CONFIRM_NO: Final = "Fortryd"

# -- the review post ----------------------------------------------------------------------------

REVIEW_HEADER: Final = "Nyt forslag til opslag"
REVIEW_HEADER_CRISIS: Final = "🚨 HASTER: krisekommunikation"
REVIEW_CRISIS_PING: Final = "{group} et krise-opslag venter på jeres godkendelse."
REVIEW_FALLBACK: Final = "Forslag nr. {id} fra {who}: {title}"
REVIEW_FALLBACK_CRISIS: Final = "🚨 Krise-opslag nr. {id} fra {who}: {title}"
REVIEW_TITLE: Final = "*{title}*"
REVIEW_RECOMMENDED: Final = "*Anbefalede platforme*"
REVIEW_CHECKS: Final = "{words} ord · LIX {lix} · {findings} bemærkninger til teksten"
REVIEW_DRAFT: Final = "*Udkast*"
REVIEW_DRAFT_CUT: Final = "_Udkastet er forkortet her ({shown} af {total} tegn)._"
REVIEW_CONTEXT: Final = "Forslag nr. {id} · version {revision} · strategi {policy}"
NO_DATE: Final = readout.NO_DATE
BUTTON_APPROVE: Final = "Godkend"
BUTTON_CHANGES: Final = "Bed om ændringer"
BUTTON_REJECT: Final = "Afvis"

# -- thread replies and decision notices: their words are the core's (bot/readout.py) ---------

NOTICE_RESUBMIT: Final = "Ret og send igen"

# -- escalation ---------------------------------------------------------------------------------

ESCALATION: Final = (
    "🚨 {group}Krise-opslag nr. {id} *{title}* fra {who} venter stadig på en beslutning."
)
ESCALATION_FALLBACK: Final = "🚨 Krise-opslag nr. {id} venter stadig på en beslutning"
ESCALATION_DM: Final = (
    "🚨 Krise-opslag nr. {id} *{title}* fra {who} venter på en beslutning. Se forslaget i {where}."
)
ESCALATION_WHERE_UNKNOWN: Final = "godkendelseskanalen"

# -- dates --------------------------------------------------------------------------------------

WEEKDAYS: Final = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS: Final = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)
DATE: Final = "{weekday} {day}. {month} {year}"

# -- why Slack refused a message for good (the central team's notice about it) ------------------

_NO_ACCESS: Final = (
    "Opslags adgang til Slack virker ikke (nøglen er ugyldig eller trukket tilbage)."
)
_NOT_ALLOWED: Final = "Opslag har ikke tilladelse til det i Slack."
_BAD_MESSAGE: Final = "Slack kunne ikke vise beskeden (den er for lang eller ugyldig)."
_NO_USER: Final = "Modtageren findes ikke (længere) i Slack."
REFUSED: Final = {
    "channel_not_found": (
        "Slack kender ikke kanalen (er den slettet, eller er kanal-id'et forkert?)."
    ),
    "not_in_channel": "Opslag er ikke medlem af kanalen. Inviter appen i kanalen.",
    "is_archived": "Kanalen er arkiveret.",
    "channel_is_archived": "Kanalen er arkiveret.",
    "invalid_auth": _NO_ACCESS, "not_authed": _NO_ACCESS, "account_inactive": _NO_ACCESS,
    "token_revoked": _NO_ACCESS, "token_expired": _NO_ACCESS,
    "missing_scope": _NOT_ALLOWED, "no_permission": _NOT_ALLOWED,
    "not_allowed_token_type": _NOT_ALLOWED, "restricted_action": _NOT_ALLOWED,
    "team_access_not_granted": _NOT_ALLOWED, "ekm_access_denied": _NOT_ALLOWED,
    "user_not_found": _NO_USER, "user_disabled": _NO_USER,
    "cannot_dm_bot": "Modtageren er en bot.",
    "invalid_blocks": _BAD_MESSAGE, "invalid_blocks_format": _BAD_MESSAGE,
    "msg_too_long": _BAD_MESSAGE, "msg_blocks_too_long": _BAD_MESSAGE, "no_text": _BAD_MESSAGE,
    "invalid_arguments": _BAD_MESSAGE,
}
NO_REVIEW_CHANNEL: Final = "Der er ikke valgt en godkendelseskanal i Slack (SLACK_REVIEW_CHANNEL)."
NO_DIGEST_CHANNEL: Final = "Der er ingen kanal at sende ugeoversigten til i Slack."
NO_HISTORY: Final = (
    "Opslag kunne ikke se efter, om beskeden allerede var sendt, fordi appen ikke må læse "
    "kanalens historik (channels:history og groups:history). Tilføj tilladelserne fra "
    "slack/manifest.yaml, installér appen igen, og send så beskeden igen."
)

# -- bolt's own answers, in Danish ----------------------------------------------------------------

# What bolt would answer if it found no way to act for the workspace (its English default asks
# to reinstall the app). `authorize` always finds one, so this is only a safety net.
NOT_READY: Final = "Opslag kan ikke svare lige nu. Prøv igen om lidt."

# -- from approved to published (the wording is the core's: bot/readout.py) -------------------

PUBLISH_REMINDER_FALLBACK: Final = "Forslag nr. {id} er planlagt til i dag: {title}"
REVIEW_REMINDER_FALLBACK: Final = "Påmindelse: forslag nr. {id} venter på godkendelse"
TAKEDOWN_FALLBACK: Final = "Opslaget fra forslag nr. {id} skal tages ned: {title}"
