"""Every page a mailed survey's link opens speaks the visitor's language, German and Arabic
(right to left): the form, the form again with what to fix, the thank-you page, and the dead
ends (already answered, damaged link, expired link: the link's ``lang`` says the language when
the token cannot). Each page is one ``main`` landmark with one ``h1`` and a ``<title>`` that
names the state."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chinwag.testing import FakeClock

SEND = "/api/v1/feedback/mail-survey"
DASH = "\N{EN DASH}"

#: what a visitor reads, per language (the plugin's locales/<lang>.json, retyped on purpose)
READS = {
    "de": {
        "dir": "ltr",
        "heading": "Bewerten Sie Ihr Gespräch",
        "send": "Bewertung senden",
        "confirm_send": "Bestätigen und Bewertung senden",
        "too_long": "Ihr Kommentar ist zu lang: höchstens 10 Zeichen.",
        "pick": "Wählen Sie zuerst eine Bewertung.",
        "thanks_title": "Danke",
        "thanks": "Danke für Ihr Feedback!",
        "answered": "Diese Umfrage wurde bereits beantwortet.",
        "expired": "Dieser Umfragelink ist ungültig oder abgelaufen.",
    },
    "ar": {
        "dir": "rtl",
        "heading": "قيّم محادثتك",
        "send": "إرسال تقييمي",
        "confirm_send": "تأكيد وإرسال تقييمي",
        "too_long": "تعليقك طويل جدًا: 10 حرفًا على الأكثر.",
        "pick": "اختر تقييمًا أولًا.",
        "thanks_title": "شكرًا لك",
        "thanks": "شكرًا على ملاحظاتك!",
        "answered": "تمت الإجابة على هذا الاستبيان بالفعل.",
        "expired": "رابط الاستبيان هذا غير صالح أو انتهت صلاحيته.",
    },
}


class _Shape(HTMLParser):
    """What a page is made of: the root's lang/dir, the title, h1s, landmarks, alerts."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.tags: list[str] = []
        self.title = self.h1 = self.alert = ""
        self._in = ""
        self.invalid: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.root = found
        if found.get("aria-invalid") == "true":
            self.invalid.append(f"{tag}:{found.get('aria-describedby')}")
        role = found.get("role")
        self._in = "alert" if role == "alert" else tag if tag in ("title", "h1") else ""

    def handle_data(self, data: str) -> None:
        if self._in:
            setattr(self, self._in, getattr(self, self._in) + data)

    def handle_endtag(self, tag: str) -> None:
        self._in = ""


def shape(res: Any, lang: str) -> _Shape:
    """The page of a response, checked for what every state has: the language and its
    direction, one main landmark, one h1 (the page's heading) and everything inside main."""
    page = _Shape(res.get_data(as_text=True))
    assert page.root == {"lang": lang, "dir": READS[lang]["dir"]}
    assert page.tags.count("main") == 1 and page.tags.count("h1") == 1
    assert page.tags[page.tags.index("body") + 1] == "main"
    assert res.headers["Cache-Control"] == "no-store"
    return page


def _token(path: str) -> str:
    return parse_qs(urlsplit(path).query)["token"][0]


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_every_state_of_a_rating_link_speaks_the_visitors_language(
    lang: str,
    clock: FakeClock,
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
) -> None:
    reads = READS[lang]
    links = mailed_survey({"max_comment": 10}, **verified("v@example.com", locale=f"{lang}-XX"))
    assert all(parse_qs(urlsplit(link).query)["lang"] == [lang] for link in links)

    form = chinwag_client.get(links[3])
    page = shape(form, lang)
    assert form.status_code == 200 and (page.title, page.h1) == (reads["heading"],) * 2
    assert reads["send"] in form.text and page.alert == ""

    # a comment too long (the page's maxlength bypassed): the same form, the comment kept
    long = chinwag_client.post(SEND, data={"token": _token(links[3]), "comment": "x" * 11})
    page = shape(long, lang)
    assert long.status_code == 400
    assert page.alert == reads["too_long"]
    assert page.title == f"{reads['too_long']} {DASH} {reads['heading']}"
    assert page.invalid == ["textarea:fb-error"] and ">xxxxxxxxxxx</textarea>" in long.text

    done = chinwag_client.post(SEND, data={"token": _token(links[3]), "comment": "gut"})
    page = shape(done, lang)
    assert done.status_code == 200
    assert (page.title, page.h1) == (reads["thanks_title"],) * 2 and reads["thanks"] in done.text

    again = chinwag_client.get(links[0])
    page = shape(again, lang)
    assert again.status_code == 409 and reads["answered"] in again.text
    assert page.title == f"{reads['answered']} {DASH} {reads['heading']}"

    damaged = chinwag_client.get(links[1].replace("token=", "token=x"))
    page = shape(damaged, lang)
    assert damaged.status_code == 410 and reads["expired"] in damaged.text
    assert page.title == f"{reads['expired']} {DASH} {reads['heading']}"

    clock.advance(days=8)  # past email_link_days (7): the token no longer names the survey
    expired = chinwag_client.post(SEND, data={"token": _token(links[4]), "lang": lang})
    page = shape(expired, lang)
    assert expired.status_code == 410 and reads["expired"] in expired.text


@pytest.mark.parametrize("lang", ["ar", "de"])
def test_a_confirmation_link_without_a_score_shows_the_form_again(
    lang: str,
    mailed_survey: Callable[..., list[str]],
    chinwag_client: Any,
) -> None:
    reads = READS[lang]
    [link] = mailed_survey(email="typed@example.com", locale=lang)
    token = _token(link)
    missing = chinwag_client.post(SEND, data={"token": token, "comment": "schnell", "lang": lang})
    page = shape(missing, lang)
    assert missing.status_code == 400 and page.alert == reads["pick"]
    assert page.title.startswith(reads["pick"])
    assert missing.text.count('type="radio" name="score"') == 5
    assert page.invalid == ["input:None"] * 5  # the fieldset says why: aria-describedby
    assert '<fieldset aria-describedby="fb-error">' in missing.text
    assert ">schnell</textarea>" in missing.text and reads["confirm_send"] in missing.text

    wild = chinwag_client.post(SEND, data={"token": token, "score": "9"})
    assert wild.status_code == 400 and shape(wild, lang).alert == reads["pick"]

    done = chinwag_client.post(SEND, data={"token": token, "score": "4"})
    assert done.status_code == 200 and shape(done, lang).h1 == reads["thanks_title"]


def test_without_a_valid_token_the_link_or_the_browser_says_the_language(
    chinwag_client: Any, feedback_app: Any
) -> None:
    forged = f"{SEND}?token=forged"
    page = chinwag_client.get(forged + "&lang=ar")
    assert page.status_code == 410 and READS["ar"]["expired"] in page.text
    shape(page, "ar")
    # a link mailed before links carried lang: the browser's languages, first shipped one wins
    browser = chinwag_client.get(forged, headers={"Accept-Language": "sv-SE, de-AT;q=0.8"})
    shape(browser, "de")
    assert READS["de"]["expired"] in browser.text
    # an unknown lang is no language: English
    unknown = chinwag_client.get(forged + "&lang=xx")
    assert '<html lang="en" dir="ltr">' in unknown.text
    assert "This survey link is invalid or has expired." in unknown.text


def test_a_visitor_in_a_language_not_shipped_reads_the_sites_default(
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
) -> None:
    links = mailed_survey({"default_locale": "de"}, **verified("s@example.com", locale="sv"))
    assert parse_qs(urlsplit(links[0]).query)["lang"] == ["de"]
    form = chinwag_client.get(links[0])
    assert shape(form, "de").h1 == READS["de"]["heading"]
    done = chinwag_client.post(SEND, data={"token": _token(links[0])})
    assert shape(done, "de").h1 == READS["de"]["thanks_title"]
    assert READS["de"]["thanks"] in done.text
