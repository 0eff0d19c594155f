"""SMS consent keywords, suppression sources and the HELP reply (product MSG-5).

Pure rules, no I/O. Sources: docs/facts/messaging.md §4.1 (Twilio's default keywords, the
FCC revocation rule of 2025-04-11) and §4.3 (healthcare exemption: easy opt-out, honoured
immediately).

How an inbound text is treated:

* ``OPT_OUT`` / ``OPT_IN`` / ``HELP``: the whole message is one of Twilio's single-word keywords
  (after trimming case, spaces, punctuation, quotes and emoji). Twilio acts on these itself
  (it blocks the number and answers 21610 on later sends), so the app must mirror them in its own
  suppression list. "OPT OUT" (two words) is added because the FCC lists it as a per-se
  revocation, although Twilio does not block on it.
* ``POSSIBLE_OPT_OUT``: any other text that reads like a request to stop ("please stop texting
  me", "STOP PLEASE", "ALTO"). The FCC standard is "any reasonable method", but these are not
  acted on automatically: they are flagged for staff, who opt the patient out by hand.
* ``NONE``: everything else, including the everyday dental replies that merely contain a keyword
  ("Can I cancel my appointment?", "I'll stop by after work", "yes I'll be there").
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType


class Keyword(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    POSSIBLE_OPT_OUT = "possible_opt_out"  # flagged for staff, never acted on automatically
    NONE = "none"


class SuppressionSource(enum.StrEnum):
    """Why an address is on the suppression list."""

    KEYWORD = "keyword"  # the patient texted an opt-out keyword
    PROVIDER = "provider"  # the provider refused the send as opted out (Twilio 21610)
    STAFF = "staff"  # a staff member opted the patient out (e.g. after a flagged free-text request)
    PMS = "pms"  # the practice-management system says "no texts" / "no email"
    UNSUBSCRIBE_LINK = "unsubscribe_link"  # the email unsubscribe link or List-Unsubscribe
    BOUNCE = "bounce"  # hard bounce / permanently undeliverable


# Twilio's default keywords for long codes (error 23002 page, advanced opt-out docs), plus the
# FCC's two-word "OPT OUT". Compared after normalisation (see ``_keyword_form``).
OPT_OUT_KEYWORDS: frozenset[str] = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"}
)
OPT_IN_KEYWORDS: frozenset[str] = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS: frozenset[str] = frozenset({"HELP", "INFO"})

KEYWORD_NOTES: Mapping[str, str] = MappingProxyType({
    "CANCEL": (
        "A one-word CANCEL is an opt-out even though a dental patient may mean the appointment: "
        "Twilio itself blocks the number on it (later sends fail with 21610) and the FCC lists "
        "'cancel' as a per-se revocation, so the app must record the opt-out too. Staff should "
        "reply by phone about the appointment. 'Can I cancel my appointment?' is not an opt-out."
    ),
    "YES": (
        "A one-word YES re-subscribes at Twilio (it is an opt-in keyword there). It is harmless for "
        "a patient who never opted out, and it is how a patient confirms a reminder, so it is not "
        "treated as anything more than Twilio treats it. 'yes I'll be there' is not a keyword."
    ),
    "OPT OUT": (
        "Two words, so Twilio does not block on it, but the FCC (47 CFR 64.1200(a)(10)) lists "
        "'opt out' as a per-se revocation: the app opts the patient out itself. 'OPT-OUT' and "
        "'OPT_OUT' are read the same way."
    ),
    "STOP PLEASE": (
        "Twilio only acts on a single-word keyword, so 'STOP PLEASE' and other free text are "
        "POSSIBLE_OPT_OUT: flagged for staff, who must honour a reasonable request within 10 "
        "business days (FCC 24-18); the app never opts out on a guess."
    ),
    "single letters": "'Y', 'C', 'S' and the like are never keywords: they are too easy to send by accident.",
})

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def _clean(body: str) -> str:
    """NFKC, casefolded, straight apostrophes, runs of whitespace made one space, trimmed."""
    text = unicodedata.normalize("NFKC", body or "").translate(_APOSTROPHES).casefold()
    return " ".join(text.split())


def _keyword_form(cleaned: str) -> str:
    """The form compared with the keyword lists: only letters/digits at the ends, upper case.

    Strips surrounding punctuation, quotes, symbols and emoji (with their variation selectors and
    joiners), and reads an inner hyphen or underscore as a space ("OPT-OUT" -> "OPT OUT").
    """
    start, end = 0, len(cleaned)
    while start < end and not _is_word_char(cleaned[start]):
        start += 1
    while end > start and not _is_word_char(cleaned[end - 1]):
        end -= 1
    core = re.sub(r"[-_]+", " ", cleaned[start:end])
    return " ".join(core.split()).upper()


def _fold_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


# Free-text requests to stop, matched on the cleaned, accent-folded, lower-case text. Each one is
# specific enough not to catch "Can I cancel my appointment?" or "I'll stop by after work".
_STOP_OBJECTS = (
    r"(?:texts?|texting|txts?|messages?|messaging|msgs?|sms|reminders?|notifications?|emails?|emailing"
    r"|contacting|calling|sending|these|this|them|it|all|now|please|pls|plz)"
)
_POSSIBLE_OPT_OUT_PATTERNS = [
    # English
    rf"\bstop\s+{_STOP_OBJECTS}\b",  # "stop texting me", "Stop sending these", "stop it", "STOP PLEASE"
    r"\b(?:please|pls|plz)\s+stop\b(?!\s+(?:by|in|over|at)\b)",  # "please stop" but not "please stop by"
    r"^(?:stop\s*)+$",  # "stop stop"
    r"\bunsubscribe\b",
    r"\bunsub\b",
    r"\bopt\s*(?:me\s+)?out\b",  # "opt me out", "I want to opt out"
    r"\b(?:take|get|drop)\s+(?:me|my\s+(?:number|phone|cell))\s+(?:off|from)\b",  # "take me off your list", not "take me at 3"
    r"\b(?:remove|delete|erase)\s+(?:me|my\s+(?:number|phone|cell|info))\b",
    r"\boff\s+(?:your|the|this|ur)\s+(?:list|texting\s+list|mailing\s+list|contact\s+list)\b",
    r"\b(?:don'?t|do\s+not)\s+(?:ever\s+)?(?:text|message|msg|contact|txt|sms|email)\b",
    r"\bno\s+more\s+(?:texts?|messages?|msgs?|txts?|reminders?|texting|emails?)\b",
    r"\bquit\s+(?:texting|messaging|sending|contacting)\b",
    r"\bcancel\s+(?:(?:all|these|the|my|your|this)\s+)?(?:texts?|messages?|texting|subscription|sms|notifications?|reminders?\s+texts?)\b",
    r"\bend\s+(?:(?:all|these|the)\s+)?(?:texts?|messages?|texting)\b",
    r"\bleave\s+me\s+alone\b",
    # Spanish
    r"^(?:alto|parar|para ya|basta|detener|baja|cancelar)$",
    r"\b(?:dar|darme|denme|deme)\s+de\s+baja\b",
    r"\bcancelar\s+(?:la\s+|mi\s+)?(?:suscripcion|subscripcion|mensajes|textos)\b",
    r"\bno\s+(?:me\s+)?(?:envien|envies|manden|mandes|mande|escriban)\b",
    r"\bno\s+(?:quiero|deseo)\s+(?:recibir|mas)\b",
    r"\bno\s+mas\s+(?:mensajes|textos|sms)\b",
    r"\b(?:dejen|deja|dejar)\s+de\s+(?:enviar|mandar|escribir)",
    r"\bparar?\s+(?:los\s+|de\s+enviar\s+)?(?:mensajes|textos)\b",
]
_POSSIBLE_OPT_OUT = re.compile("|".join(f"(?:{p})" for p in _POSSIBLE_OPT_OUT_PATTERNS))


def classify_inbound(body: str) -> Keyword:
    """What an inbound text asks for. See the module docstring and ``KEYWORD_NOTES``."""
    cleaned = _clean(body)
    keyword = _keyword_form(cleaned)
    if keyword in OPT_OUT_KEYWORDS:
        return Keyword.OPT_OUT
    if keyword in OPT_IN_KEYWORDS:
        return Keyword.OPT_IN
    if keyword in HELP_KEYWORDS:
        return Keyword.HELP
    folded = _fold_accents(cleaned)
    # Punctuation and emoji become spaces, so "stop!!! please" reads as "stop please".
    words = " ".join(re.sub(r"[^\w']+", " ", folded).split())
    if words and _POSSIBLE_OPT_OUT.search(words):
        return Keyword.POSSIBLE_OPT_OUT
    return Keyword.NONE


# GSM 03.38 basic character set, ASCII part: every printable ASCII character except the ones that
# need the escape table (counted twice) or are missing (backtick).
_GSM_UNSAFE = set("`[]{}\\^~|")
_GSM_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "[": "(", "]": ")", "{": "(", "}": ")", "|": "/", "\\": "/", "^": "", "~": "-",
})


def _gsm_safe(text: str) -> str:
    """Plain characters from the GSM-7 basic set: accents dropped, curly quotes straightened."""
    folded = _fold_accents(unicodedata.normalize("NFKC", text).translate(_GSM_FOLD)).translate(_GSM_FOLD)
    kept = "".join(ch for ch in folded if " " <= ch <= "~" and ch not in _GSM_UNSAFE)
    return " ".join(kept.split())


SMS_SEGMENT = 160  # one GSM-7 segment


def help_reply(*, practice_name: str, phone: str, website: str | None = None) -> str:
    """A CTIA-style answer to HELP/INFO, in one GSM-7 segment.

    Names the practice, gives the contact phone (and website when it fits), says how to opt out
    and that message and data rates may apply. When too long it drops, in order: the website, the
    frequency sentence, then shortens the practice name (never the phone or the STOP wording).
    """
    name, number = _gsm_safe(practice_name), _gsm_safe(phone)
    if not name or not number:
        raise ValueError("A HELP reply needs the practice name and a contact phone number.")
    site = _gsm_safe(website or "")
    tail_full = " Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out."
    tail_short = " Msg & data rates may apply. Reply STOP to opt out."
    candidates = [f"{{name}}: for help call {number} or visit {site}.{tail_full}"] if site else []
    candidates.append(f"{{name}}: for help call {number}.{tail_full}")
    candidates.append(f"{{name}}: for help call {number}.{tail_short}")
    candidates.append(f"{{name}}: help {number}.{tail_short}")
    for pattern in candidates:
        text = pattern.replace("{name}", name)
        if len(text) <= SMS_SEGMENT:
            return text
    pattern = candidates[-1]
    room = SMS_SEGMENT - len(pattern.replace("{name}", ""))
    if room < 8:
        raise ValueError("The contact phone number is too long for a one-segment HELP reply.")
    short = name[: room - 3].rstrip() + "..."
    return pattern.replace("{name}", short)


def normalise_address(channel: str, address: str) -> str:
    """The form an address is stored and looked up in on the suppression list.

    ``sms``: the number as given (E.164 expected) without spaces and visual separators
    (``-``, ``.``, parentheses). ``email``: trimmed and lower-cased.
    """
    kind = str(channel).strip().lower()
    text = unicodedata.normalize("NFKC", address or "")
    if kind == "sms":
        return re.sub(r"[\s\-.()]", "", text)
    if kind == "email":
        return text.strip().lower()
    raise ValueError(f"Unknown channel {channel!r}: expected 'sms' or 'email'.")
