"""The link: https only, no user info, no whitespace, and a host outside a-z shown as punycode
with a warning in the recommendation (the proposer sees it; reviewers see the punycode). A web
address typed without its scheme ("norddjurs.dk/side") is stored with "https://" in front."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from policy import intake_errors, parse_intake, recommend
from tests.conftest import intake_data

MESSAGES = {
    "scheme": "Skriv en webadresse, fx https://www.norddjurs.dk/ eller norddjurs.dk/affald.",
    "whitespace": "Linket må ikke indeholde mellemrum, linjeskift eller usynlige tegn. "
                  "Kopiér adressen fra browserens adresselinje.",
    "userinfo": "Linket må ikke have et navn og @ foran domænet, for så går det til det, der "
                "står efter @. Skriv adressen direkte, fx https://www.norddjurs.dk/.",
    "host": "Linket skal have et gyldigt domæne efter https://, fx https://www.norddjurs.dk/.",
}

WARNING_START = "Linket går til et domæne med andre tegn end a-z"


def answers(**overrides: Any) -> dict[str, Any]:
    return intake_data(**overrides)


def link_warnings(link: str) -> list[str]:
    rec = recommend(parse_intake(answers(link=link)))
    found = [w for w in rec.warnings if w.message.startswith(WARNING_START)]
    assert all(w.code == "link_not_ascii" for w in found)
    return [w.message for w in found]


@pytest.mark.parametrize(("link", "problem"), [
    ("http://norddjurs.dk/", "scheme"),
    ("HTTP://norddjurs.dk/", "scheme"),
    ("anna@norddjurs.dk", "scheme"),  # an e-mail address, not a web address
    ("mailto:anna@norddjurs.dk", "scheme"),
    ("norddjurs.dk@evil.example/", "scheme"),  # no scheme is added in front of user info
    ("//norddjurs.dk/", "scheme"),
    ("localhost/side", "scheme"),
    ("10.0.0.1/side", "scheme"),
    ("norddjurs", "scheme"),
    ("norddjurs.dk/borger service", "whitespace"),  # read with https://, then refused
    ("ftp://norddjurs.dk/", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("https:/norddjurs.dk/", "scheme"),
    ("https://norddjurs.dk@evil.example/", "userinfo"),
    ("https://user:kode@norddjurs.dk/", "userinfo"),
    ("https://@norddjurs.dk/", "userinfo"),
    ("https://norddjurs.dk\\@evil.example/", "userinfo"),  # "\" ends the host in a browser only
    ("https://norddjurs.dk/borger service", "whitespace"),
    ("https://norddjurs.dk/\n*Godkendt af Bente*", "whitespace"),
    ("https://norddjurs.dk/\r\nx", "whitespace"),
    ("https://norddjurs.dk/\tx", "whitespace"),
    ("https://norddjurs.dk/\xa0x", "whitespace"),
    ("https://nord\u200bdjurs.dk/", "whitespace"),
    ("https://norddjurs.dk/\u202eexe.fdp", "whitespace"),
    ("https://norddjurs.dk/\x00", "whitespace"),
    ("https://", "host"),
    ("https:///norddjurs.dk", "host"),
    ("https://nord%64jurs.dk/", "host"),  # a browser decodes it: the host would hide
    ("https://🎉.dk/", "host"),
])
def test_a_link_that_is_not_a_plain_https_address_is_refused(link: str, problem: str) -> None:
    assert intake_errors(answers(link=link)) == {"link": MESSAGES[problem]}
    with pytest.raises(ValidationError) as caught:
        parse_intake(answers(link=link))
    assert [error["loc"] for error in caught.value.errors()] == [("link",)]


@pytest.mark.parametrize("link", [
    "https://www.norddjurs.dk/",
    "https://norddjurs.dk",
    "HTTPS://NORDDJURS.DK/Borger",
    "https://norddjurs.dk:443/side?a=1&b=<@U0FORGED>#afsnit",
    "https://norddjurs.dk/?mail=anna@norddjurs.dk",  # an @ after the host is no user info
    "https://norddjurs.dk/æbler-og-pærer",  # letters outside a-z in the path are fine
    "https://evil.example|norddjurs.dk",  # the hostile corpus: kept, and escaped on display
    "https://[2001:db8::1]:8443/",
])
def test_a_plain_https_link_is_kept_as_typed_without_a_warning(link: str) -> None:
    assert intake_errors(answers(link=link)) == {}
    assert parse_intake(answers(link=f"  {link}\n")).link == link
    assert link_warnings(link) == []


@pytest.mark.parametrize(("link", "stored"), [
    ("norddjurs.dk/side", "https://norddjurs.dk/side"),
    ("www.norddjurs.dk/x", "https://www.norddjurs.dk/x"),
    ("www.norddjurs.dk", "https://www.norddjurs.dk"),
    ("Norddjurs.dk/Borger?a=1#afsnit", "https://Norddjurs.dk/Borger?a=1#afsnit"),
    ("norddjurs.dk:8443/side", "https://norddjurs.dk:8443/side"),
    ("kultur.norddjurs.dk", "https://kultur.norddjurs.dk"),
])
def test_a_web_address_without_https_is_stored_with_it(link: str, stored: str) -> None:
    assert intake_errors(answers(link=link)) == {}
    assert parse_intake(answers(link=f" {link} ")).link == stored
    assert link_warnings(link) == []


def test_a_bare_address_outside_a_z_gets_https_punycode_and_the_warning() -> None:
    link = "norddјurs.dk/borger"
    assert parse_intake(answers(link=link)).link == "https://xn--norddurs-gih.dk/borger"
    (warning,) = link_warnings(link)
    assert "xn--norddurs-gih.dk" in warning


def test_a_bare_address_that_outgrows_the_limit_with_https_is_refused() -> None:
    link = "norddjurs.dk/" + "a" * 487
    assert len(link) == 500
    assert intake_errors(answers(link=link)) == {
        "link": "Linket må højst være 500 tegn (dit er 508)."
    }


@pytest.mark.parametrize(("link", "shown", "host"), [
    ("https://norddјurs.dk/borger", "https://xn--norddurs-gih.dk/borger", "xn--norddurs-gih.dk"),
    ("https://NORDDЈURS.dk", "https://xn--norddurs-gih.dk", "xn--norddurs-gih.dk"),
    ("https://www.ærø.dk:8443/?q=1", "https://www.xn--r-3fa9c.dk:8443/?q=1",
     "www.xn--r-3fa9c.dk"),
])
def test_a_host_outside_a_z_is_shown_as_punycode_with_a_warning(
    link: str, shown: str, host: str
) -> None:
    assert intake_errors(answers(link=link)) == {}
    assert parse_intake(answers(link=link)).link == shown
    (warning,) = link_warnings(link)
    assert f": {host}. Tjek, at det er det rigtige domæne" in warning


def test_a_link_written_in_punycode_gets_the_warning_too() -> None:
    link = "https://xn--norddurs-gih.dk/"
    assert parse_intake(answers(link=link)).link == link
    (warning,) = link_warnings(link)
    assert "xn--norddurs-gih.dk" in warning


def test_the_warning_is_in_the_recommendation_the_surfaces_render() -> None:
    rec = recommend(parse_intake(answers(link="https://norddјurs.dk/")))
    assert rec.warnings[-1].code == "link_not_ascii"
    assert rec.warnings[-1].message == (
        "Linket går til et domæne med andre tegn end a-z, så det vises her i kodet form: "
        "xn--norddurs-gih.dk. Tjek, at det er det rigtige domæne: nogle bogstaver fra andre "
        "alfabeter ligner latinske til forveksling."
    )
    assert "norddјurs" not in str(rec.model_dump())


def test_a_link_that_outgrows_the_limit_in_punycode_is_refused_with_both_figures() -> None:
    link = "https://ærø.dk/" + "a" * 484  # 499 characters; 507 with the host in punycode
    assert len(link) == 499
    assert intake_errors(answers(link=link)) == {
        "link": "Linket må højst være 500 tegn (dit er 507)."
    }


def test_no_link_is_no_warning() -> None:
    rec = recommend(parse_intake(answers()))
    assert not [warning for warning in rec.warnings if warning.message.startswith(WARNING_START)]
