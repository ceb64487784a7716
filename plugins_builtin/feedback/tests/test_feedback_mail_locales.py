"""The survey by e-mail in the visitor's language (French, Arabic right to left): subject,
question, the scale's labels, the validity line and the link page, from the strings the survey
card in the widget uses too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import close_for_survey, link_path, mail_links

from chinwag.testing import SmtpInbox


def test_a_french_visitor_gets_the_survey_in_french(
    mailing: SmtpInbox,
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
) -> None:
    mailed_survey(**verified("lea@example.com", locale="fr"))
    _rcpts, mail = mailing.only()
    assert mail["Subject"] == "Comment nous sommes-nous débrouillés ?"
    plain = mail.get_body(("plain",)).get_content()
    assert "Comment évaluez-vous cette conversation ?" in plain
    assert "★★★★ 4 sur 5:" in plain and "of 5" not in plain
    assert "Ces liens sont valables 7 jours" in plain
    html = mail.get_body(("html",)).get_content()
    assert 'lang="fr" dir="ltr"' in html and "★★ 2 sur 5" in html
    links = mail_links(mail)
    page = chinwag_client.get(link_path(links[3]))
    assert page.status_code == 200
    assert '<html lang="fr" dir="ltr">' in page.text
    assert "Votre note :" in page.text and "Envoyer ma note" in page.text
    assert "Quelque chose à nous dire ?" in page.text
    token = parse_qs(urlsplit(links[3]).query)["token"][0]
    done = chinwag_client.post("/api/v1/feedback/mail-survey", data={"token": token})
    assert done.status_code == 200 and "Merci pour votre avis !" in done.text
    again = chinwag_client.get(link_path(links[0]))
    assert again.status_code == 409 and "Vous avez déjà répondu" in again.text


def test_an_arabic_visitor_gets_it_in_arabic_right_to_left(
    mailing: SmtpInbox,
    mailed_survey: Callable[..., list[str]],
    verified: Callable[..., Any],
    chinwag_client: Any,
) -> None:
    mailed_survey({"scale": "faces"}, **verified("amal@example.com", locale="ar"))
    _rcpts, mail = mailing.only()
    assert mail["Subject"] == "كيف كانت خدمتنا؟"
    html = mail.get_body(("html",)).get_content()
    assert 'lang="ar" dir="rtl"' in html
    assert "كيف تقيّم هذه المحادثة؟" in html and "😀 راضٍ جدًا" in html
    assert "Very happy" not in html
    page = chinwag_client.get(link_path(mail_links(mail)[0]))
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "😞 غير راضٍ جدًا" in page.text and "إرسال تقييمي" in page.text


def test_the_widget_survey_speaks_the_same_language(
    feedback_app: Any, answered: Callable[..., Any], visitor_client: Callable[..., Any]
) -> None:
    visitor, _ = answered("bonjour", visitor_client(locale="fr-CA"))
    prompt = close_for_survey(visitor)
    payload = prompt["payload"]
    assert payload["title"] == "Comment évaluez-vous cette conversation ?"
    score = next(c for c in payload["components"] if c["type"] == "single_select")
    assert score["label"] == "Votre note"
    assert [o["text"] for o in score["options"]][3] == "★★★★ 4 sur 5"
    ack = visitor.submit(prompt, score="5")
    assert ack == {"ok": True, "done": "Merci pour votre avis !"}
