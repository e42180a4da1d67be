"""Every user-facing Danish text of the Teams surface, in one place."""

from __future__ import annotations

from typing import Final

# -- commands -----------------------------------------------------------------------------

PROPOSE_COMMANDS: Final = frozenset({"foreslå-opslag", "foreslaa-opslag"})
REVIEW_CHANNEL_COMMAND: Final = "godkendelseskanal"
HELP_COMMANDS: Final = frozenset({"hjælp", "hjaelp", "help"})
WEEK_COMMAND: Final = "ugeoversigt"

HELP = (
    "**Opslag** hjælper dig med at planlægge opslag efter Norddjurs Kommunes strategi for "
    "sociale medier.\n\n"
    "- **foreslå-opslag** (evt. efterfulgt af din tekst): svar på spørgsmålene og få en "
    "anbefaling af kanal, tone og tekst. Derefter vælger du, om forslaget skal sendes til "
    "godkendelse.\n"
    "- **Foreslå som opslag**: vælg det i menuen (…) på en besked for at gøre den til et "
    "forslag.\n"
    "- **ugeoversigt**: ugens planlagte opslag.\n"
    "- **godkendelseskanal**: den centrale kommunikationsafdeling skriver det i den kanal, "
    "hvor forslag skal godkendes. En afdelings godkendere skriver **godkendelseskanal** og "
    "afdelingens navn i den kanal, hvor afdelingens egne forslag skal godkendes.\n"
    "- **hjælp**: denne besked."
)
UNKNOWN_COMMAND = (
    "Det forstod jeg ikke. Skriv **foreslå-opslag** for at foreslå et opslag eller **hjælp** "
    "for at se, hvad jeg kan."
)
WELCOME_PERSONAL = "Hej! Jeg er Opslag. " + HELP
WELCOME_TEAM = (
    "Hej! Jeg er Opslag. Skriv **@Opslag foreslå-opslag** for at foreslå et opslag. "
    "Den centrale kommunikationsafdeling skriver **@Opslag godkendelseskanal** i den kanal, "
    "hvor forslag skal godkendes."
)
REVIEW_CHANNEL_SET = (
    "Denne kanal er nu godkendelseskanal. Nye forslag fra Teams og Slack bliver lagt her "
    "med knapper til at godkende, bede om ændringer eller afvise."
)
DEPARTMENT_CHANNEL_SET = (
    "Denne kanal er nu godkendelseskanal for {department}. Afdelingens egne forslag bliver lagt "
    "her, og afdelingens godkendere tager stilling til dem."
)
REVIEW_CHANNEL_NOT_CENTRAL = (
    "Kun den centrale kommunikationsafdeling kan vælge godkendelseskanalen."
)
REVIEW_CHANNEL_ONLY_IN_CHANNEL = (
    "Skriv **@Opslag godkendelseskanal** i den kanal i jeres team, hvor forslag skal godkendes."
)
SOMETHING_WENT_WRONG = "Beklager, noget gik galt hos mig. Prøv igen om lidt."

# -- intake card --------------------------------------------------------------------------

INTAKE_TITLE = "Foreslå et opslag"
INTAKE_INTRO = (
    "Svar på spørgsmålene, så får du en anbefaling efter kommunens strategi for sociale "
    "medier. Du ser anbefalingen, før du vælger at sende forslaget til godkendelse."
)
RESUBMIT_TITLE = "Ret forslag nr. {id}"
RESUBMIT_INTRO = (
    "Ret dit forslag ud fra bemærkningen. Du ser den nye anbefaling, før du sender det igen."
)
OPTIONAL = "(valgfri)"
APPLIES_WHEN = "Kun når «{question}» er {values}."
OR = " eller "
YES = "Ja"
NO = "Nej"
REQUIRED_ERROR = "Skal udfyldes."
ERRORS_SUMMARY = "Ret venligst de markerede felter."
SUBMIT = "Se anbefalingen"  # the questions' button: nothing is sent yet
ALREADY_SUBMITTED = "Dette forslag er allerede sendt."
PREFILL_CUT = "Teksten var for lang og er forkortet til {max} tegn."
EXTENSION_TITLE = "Foreslå som opslag"
# Asked again when the proposer edits a proposal they may not (any more) edit.
NOT_PROPOSER = "Kun den, der har stillet forslaget, kan rette det."
NOT_OPEN_FOR_EDIT = "Forslaget kan kun rettes, når der er bedt om ændringer."

# -- the advice card, before anything is sent (its headings are the core's: bot/advice.py) --

ADVICE_SEND = "Send til godkendelse"
ADVICE_EDIT = "Ret"
ADVICE_DROP = "Drop"
ADVICE_SHOW = "Vis begrundelser og tips"
ADVICE_HIDE = "Skjul begrundelser og tips"
ADVICE_CHOICES = (
    "**Send til godkendelse** gemmer forslaget og sender det videre. **Ret** fører dig "
    "tilbage til spørgsmålene med dine svar. **Drop** gemmer intet."
)
DROPPED = "Intet er gemt."
DROPPED_BODY = "Skriv **foreslå-opslag**, når du vil foreslå et opslag igen."
# The card's colour of each fit (the mark itself is the core's: bot/advice.py FIT_MARK).
FIT_COLOR = {"recommended": "Good", "possible": "Warning", "not_recommended": "Attention"}

# -- receipts, after Send ----------------------------------------------------------------------

# In the invoke response, where the person pressed Send.
SENT_TITLE = "Tak – forslag nr. {id} er sendt til godkendelse hos {route}."
SENT_AGAIN_TITLE = (
    "Tak – den rettede udgave af forslag nr. {id} er sendt til godkendelse hos {route}."
)
SENT_AGAIN_BODY = "Godkenderne ser den nye udgave i samme tråd."
# The message in the proposer's personal chat: the receipt to keep, not the advice again.
RECEIPT_TITLE = "Dit forslag er sendt til godkendelse"
RECEIPT_AGAIN_TITLE = "Din rettede udgave er sendt til godkendelse"
RECEIPT_ABOUT = "Forslag nr. {id}"

# -- review card --------------------------------------------------------------------------

PROPOSAL_HEADING = "Forslag nr. {id}"
VIA = "Via"
# Where a proposal came from when that is no platform (the platforms name themselves).
TERMINAL = "terminalen"
DRAFT = "Udkast"
CRISIS = "Krisekommunikation – haster"
APPROVE = "Godkend"
REQUEST_CHANGES = "Bed om ændringer"
REJECT = "Afvis"
NOTE_CHANGES_LABEL = "Hvad skal rettes?"
NOTE_REJECT_LABEL = "Hvorfor afvises forslaget?"
NOTE_REQUIRED = "Skriv en kort begrundelse."
SEND_CHANGES = "Send ønske om ændringer"
SEND_REJECT = "Afvis forslaget"
UNKNOWN_ACTION = "Den handling kender jeg ikke."

# -- notices and escalation (the thread and notice lines are the core's: bot/readout.py) ---

NOTICE_EDIT = "Ret forslaget"
ESCALATION_TITLE = "Haster: forslag nr. {id} venter på godkendelse"
ESCALATION_BODY = (
    "Forslaget handler om krisekommunikation og har ventet siden {when}. Tag stilling i "
    "forslagets tråd i godkendelseskanalen."
)
SUMMARY_REVIEW = "Nyt forslag til godkendelse"
SUMMARY_RECEIPT = "Dit forslag er sendt til godkendelse"
SUMMARY_NOTICE = "Nyt om dit forslag"
SUMMARY_ESCALATION = "Haster: forslag venter på godkendelse"

# -- from approved to published (the card texts are the core's: bot/readout.py) -------------

SUMMARY_PUBLISH_REMINDER = "Planlagt opslag i dag"
SUMMARY_REVIEW_REMINDER = "Påmindelse: forslag venter på godkendelse"
SUMMARY_TAKEDOWN = "Et opslag skal tages ned"
# A reviewer the reminder mentions by id whose name Teams has never told Opslag (they have not
# written to it in a personal chat): the mention reaches them, under this word.
UNNAMED_REVIEWER = "godkender"

# -- time ---------------------------------------------------------------------------------

MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.",
          "nov.", "dec.")
WHEN = "{day}. {month} {year} kl. {hour:02d}.{minute:02d}"

# -- why Teams refused a message for good (the central team's notice about it) --------------

REFUSED_STATUS = {
    400: "Teams kunne ikke tage imod beskeden (den er ugyldig eller for stor).",
    403: "Opslag har ikke adgang til samtalen i Teams (er appen fjernet derfra?).",
    404: "Samtalen findes ikke længere i Teams.",
    413: "Beskeden er for stor til Teams.",
}
REFUSED_OTHER = "Teams afviste beskeden (svar {status})."
NO_CONVERSATION = "Opslag kender ingen Teams-samtale at sende beskeden til."
NO_PERSONAL_CHAT = (
    "Opslag har ingen personlig chat med modtageren i Teams endnu (de har ikke skrevet til "
    "Opslag). Giv dem besked på anden vis."
)

# -- the monthly summary (handlers/teams/report_post.py; its other words: bot/monthly.py) ---

# Said on the card instead of the chart when the chart would make the card too large.
MONTHLY_NO_IMAGE = "Diagrammet var for stort til kortet; det står på den fulde side."
