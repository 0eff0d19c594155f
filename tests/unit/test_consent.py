"""SMS keywords, suppression sources, the HELP reply and address normalisation (MSG-5)."""

from __future__ import annotations

import pytest

from engage_desktop.domain.consent import (
    HELP_KEYWORDS,
    KEYWORD_NOTES,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    Keyword,
    SuppressionSource,
    classify_inbound,
    help_reply,
    normalise_address,
)

OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"]


def test_keyword_lists_are_exactly_twilios_plus_fcc_opt_out():
    assert OPT_OUT_KEYWORDS == frozenset(OPT_OUT)
    assert OPT_IN_KEYWORDS == {"START", "YES", "UNSTOP"}
    assert HELP_KEYWORDS == {"HELP", "INFO"}


@pytest.mark.parametrize("word", OPT_OUT)
def test_every_opt_out_keyword(word):
    assert classify_inbound(word) is Keyword.OPT_OUT
    assert classify_inbound(word.lower()) is Keyword.OPT_OUT
    assert classify_inbound(word.title()) is Keyword.OPT_OUT


@pytest.mark.parametrize("word", ["START", "YES", "UNSTOP"])
def test_every_opt_in_keyword(word):
    assert classify_inbound(word) is Keyword.OPT_IN
    assert classify_inbound(word.lower() + "!") is Keyword.OPT_IN


@pytest.mark.parametrize("word", ["HELP", "INFO"])
def test_every_help_keyword(word):
    assert classify_inbound(word) is Keyword.HELP
    assert classify_inbound(f" {word.lower()}? ") is Keyword.HELP


@pytest.mark.parametrize("body", [
    "STOP.", "stop!!", "Stop!!!", '"STOP"', "'stop'", "\u201cStop\u201d", "  stop \n", "STOP \U0001f6d1", "\U0001f621STOP",
    "\uff33\uff34\uff2f\uff30",  # full-width STOP: NFKC folds it
    "opt  out", "Opt-Out", "OPT_OUT", "(stop)", "stop\u200b",
])
def test_punctuation_case_spacing_and_emoji_variants_still_opt_out(body):
    assert classify_inbound(body) is Keyword.OPT_OUT


@pytest.mark.parametrize("body", [
    "please stop texting me", "Stop sending these", "unsubscribe me", "take me off your list", "remove me",
    "don't text me", "don\u2019t text me", "Do not text me again", "no more texts", "STOP PLEASE", "stop it",
    "opt me out", "I want to opt out", "stop stop", "Stop!!! please", "Please stop.", "cancel my texts",
    "Leave me alone", "remove my number",
    # Spanish
    "ALTO", "\u00a1Alto!", "PARAR", "no me env\u00eden m\u00e1s mensajes", "no me envien mas mensajes",
    "cancelar suscripci\u00f3n",
    "BAJA", "Dejen de enviar mensajes", "No quiero recibir mensajes",
])
def test_free_text_stop_requests_are_flagged_not_acted_on(body):
    assert classify_inbound(body) is Keyword.POSSIBLE_OPT_OUT


@pytest.mark.parametrize("body", [
    "Can I cancel my appointment?", "I need to cancel tomorrow", "yes I'll be there", "Will you stop by?",
    "End of day works", "I'll stop by after work", "Y", "C", "S", "Please stop by the front desk",
    "Can you take me at 3?", "I need help with my bill", "Yes please", "Stop by anytime", "ok", "", "   ",
    "I quit smoking!", "Cancel and reschedule please", "Thanks, see you then \U0001f600", "Started the new toothpaste",
])
def test_everyday_dental_replies_are_not_keywords(body):
    assert classify_inbound(body) is Keyword.NONE


def test_cancel_is_an_opt_out_and_the_reason_is_documented():
    assert classify_inbound("Cancel") is Keyword.OPT_OUT
    assert "Twilio" in KEYWORD_NOTES["CANCEL"] and "appointment" in KEYWORD_NOTES["CANCEL"]


def test_suppression_source_values():
    assert {s.value for s in SuppressionSource} == {"keyword", "provider", "staff", "pms", "unsubscribe_link", "bounce"}
    assert SuppressionSource.PROVIDER == "provider"


def _is_gsm7_single(text: str) -> bool:
    """Plain GSM-7 basic-set characters: printable ASCII without the escape-table ones and backtick."""
    return all(" " <= ch <= "~" and ch not in "`[]{}\\^~|" for ch in text)


def test_help_reply_has_the_ctia_parts_and_fits_one_segment():
    reply = help_reply(practice_name="Bright Smiles Family Dentistry", phone="(503) 555-0142", website="bsfd.com")
    assert reply.startswith("Bright Smiles Family Dentistry")
    assert "(503) 555-0142" in reply and "bsfd.com" in reply
    assert "Reply STOP to opt out" in reply and "Msg & data rates may apply" in reply
    assert len(reply) <= 160 and _is_gsm7_single(reply)


def test_help_reply_drops_the_website_first_when_too_long():
    long_site = "www.brightsmilesfamilydentistry-portland.com"
    reply = help_reply(practice_name="Bright Smiles Family Dentistry", phone="(503) 555-0142", website=long_site)
    assert long_site not in reply
    assert reply.startswith("Bright Smiles Family Dentistry") and "(503) 555-0142" in reply
    assert "Reply STOP to opt out" in reply and "Msg & data rates may apply" in reply
    assert len(reply) <= 160


def test_help_reply_shortens_a_very_long_name_but_keeps_phone_and_stop():
    name = "Dr. Alexander Konstantinopoulos and Associates Family, Cosmetic & Implant Dentistry of Greater Springfield"
    reply = help_reply(practice_name=name, phone="+1 503 555 0142")
    assert len(reply) <= 160 and _is_gsm7_single(reply)
    assert reply.startswith("Dr. Alexander") and "+1 503 555 0142" in reply
    assert reply.endswith("Reply STOP to opt out.") and "Msg & data rates may apply" in reply


def test_help_reply_is_plain_gsm7_even_with_curly_quotes_and_accents():
    reply = help_reply(practice_name="Jos\u00e9\u2019s \u201cSmile\u201d Studio [Downtown]", phone="(503) 555\u20110142")
    assert _is_gsm7_single(reply)
    assert reply.startswith("Jose's \"Smile\" Studio (Downtown)")


def test_help_reply_needs_name_and_phone():
    with pytest.raises(ValueError):
        help_reply(practice_name=" ", phone="(503) 555-0142")
    with pytest.raises(ValueError):
        help_reply(practice_name="Bright Smiles", phone="")


def test_normalise_address():
    assert normalise_address("sms", " +1 503 555 0142 ") == "+15035550142"
    assert normalise_address("sms", "+1 (503) 555-0142") == "+15035550142"
    assert normalise_address("email", "  Ann.Lee@Example.COM ") == "ann.lee@example.com"
    assert normalise_address("SMS", "+15035550142") == normalise_address("sms", "+1 503-555-0142")
    with pytest.raises(ValueError):
        normalise_address("fax", "+15035550142")
