"""The survey's strings in every language the widget ships (en, ar, de, es, fr, it, ja, nl, pt,
zh): one table used by the survey card in the widget, the mailed survey and its link page, so a
visitor reads one language everywhere. ``tests/test_feedback_strings.py`` checks that every
language of the widget has every key of ``en`` (and the same placeholders).

A site's own ``questions`` / ``follow_ups`` (settings) win over the defaults here.
"""

from __future__ import annotations

from collections.abc import Mapping

#: right-to-left languages (the mail and the link page set ``dir``)
RTL = frozenset({"ar"})

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "question": "How would you rate this conversation?",
        "follow_up": "Anything you would like to tell us?",
        "subject": "How did we do?",
        "your_rating": "Your rating",
        "send": "Send",
        "stars": "{n} of 5",
        "nps_score": "{n} of 10",
        "nps_hint": "0 = not at all likely, 10 = extremely likely",
        "good": "👍 Good",
        "bad": "👎 Bad",
        "face1": "😞 Very unhappy",
        "face2": "🙁 Unhappy",
        "face3": "😐 Neutral",
        "face4": "🙂 Happy",
        "face5": "😀 Very happy",
        "valid": "These links work for {days} days; the first answer counts.",
        "page_title": "Rate your conversation",
        "page_rating": "Your rating:",
        "page_send": "Send my rating",
        "thanks_title": "Thank you",
        "thanks": "Thank you for your feedback!",
        "expired": "This survey link is invalid or has expired.",
        "answered": "This survey was already answered.",
    },
    "fr": {
        "question": "Comment évaluez-vous cette conversation ?",
        "follow_up": "Quelque chose à nous dire ?",
        "subject": "Comment nous sommes-nous débrouillés ?",
        "your_rating": "Votre note",
        "send": "Envoyer",
        "stars": "{n} sur 5",
        "nps_score": "{n} sur 10",
        "nps_hint": "0 = pas du tout probable, 10 = très probable",
        "good": "👍 Bien",
        "bad": "👎 Pas bien",
        "face1": "😞 Très mécontent",
        "face2": "🙁 Mécontent",
        "face3": "😐 Neutre",
        "face4": "🙂 Content",
        "face5": "😀 Très content",
        "valid": "Ces liens sont valables {days} jours ; seule la première réponse compte.",
        "page_title": "Évaluez votre conversation",
        "page_rating": "Votre note :",
        "page_send": "Envoyer ma note",
        "thanks_title": "Merci",
        "thanks": "Merci pour votre avis !",
        "expired": "Ce lien d'enquête n'est pas valide ou a expiré.",
        "answered": "Vous avez déjà répondu à cette enquête.",
    },
    "de": {
        "question": "Wie bewerten Sie dieses Gespräch?",
        "follow_up": "Möchten Sie uns noch etwas sagen?",
        "subject": "Wie waren wir?",
        "your_rating": "Ihre Bewertung",
        "send": "Senden",
        "stars": "{n} von 5",
        "nps_score": "{n} von 10",
        "nps_hint": "0 = überhaupt nicht wahrscheinlich, 10 = äußerst wahrscheinlich",
        "good": "👍 Gut",
        "bad": "👎 Schlecht",
        "face1": "😞 Sehr unzufrieden",
        "face2": "🙁 Unzufrieden",
        "face3": "😐 Neutral",
        "face4": "🙂 Zufrieden",
        "face5": "😀 Sehr zufrieden",
        "valid": "Diese Links gelten {days} Tage; nur die erste Antwort zählt.",
        "page_title": "Bewerten Sie Ihr Gespräch",
        "page_rating": "Ihre Bewertung:",
        "page_send": "Bewertung senden",
        "thanks_title": "Danke",
        "thanks": "Danke für Ihr Feedback!",
        "expired": "Dieser Umfragelink ist ungültig oder abgelaufen.",
        "answered": "Diese Umfrage wurde bereits beantwortet.",
    },
    "es": {
        "question": "¿Cómo valoraría esta conversación?",
        "follow_up": "¿Algo más que quiera decirnos?",
        "subject": "¿Qué tal lo hicimos?",
        "your_rating": "Su valoración",
        "send": "Enviar",
        "stars": "{n} de 5",
        "nps_score": "{n} de 10",
        "nps_hint": "0 = nada probable, 10 = muy probable",
        "good": "👍 Bien",
        "bad": "👎 Mal",
        "face1": "😞 Muy insatisfecho",
        "face2": "🙁 Insatisfecho",
        "face3": "😐 Neutral",
        "face4": "🙂 Satisfecho",
        "face5": "😀 Muy satisfecho",
        "valid": "Estos enlaces son válidos {days} días; solo cuenta la primera respuesta.",
        "page_title": "Valore su conversación",
        "page_rating": "Su valoración:",
        "page_send": "Enviar mi valoración",
        "thanks_title": "Gracias",
        "thanks": "¡Gracias por su opinión!",
        "expired": "Este enlace de encuesta no es válido o ha caducado.",
        "answered": "Esta encuesta ya fue respondida.",
    },
    "it": {
        "question": "Come valuta questa conversazione?",
        "follow_up": "Vuole dirci qualcosa?",
        "subject": "Come ci siamo comportati?",
        "your_rating": "La sua valutazione",
        "send": "Invia",
        "stars": "{n} su 5",
        "nps_score": "{n} su 10",
        "nps_hint": "0 = per niente probabile, 10 = estremamente probabile",
        "good": "👍 Bene",
        "bad": "👎 Male",
        "face1": "😞 Molto insoddisfatto",
        "face2": "🙁 Insoddisfatto",
        "face3": "😐 Neutrale",
        "face4": "🙂 Soddisfatto",
        "face5": "😀 Molto soddisfatto",
        "valid": "Questi link valgono {days} giorni; conta solo la prima risposta.",
        "page_title": "Valuti la sua conversazione",
        "page_rating": "La sua valutazione:",
        "page_send": "Invia la mia valutazione",
        "thanks_title": "Grazie",
        "thanks": "Grazie per il suo feedback!",
        "expired": "Questo link del sondaggio non è valido o è scaduto.",
        "answered": "Questo sondaggio ha già una risposta.",
    },
    "nl": {
        "question": "Hoe beoordeelt u dit gesprek?",
        "follow_up": "Wilt u ons nog iets vertellen?",
        "subject": "Hoe hebben we het gedaan?",
        "your_rating": "Uw beoordeling",
        "send": "Versturen",
        "stars": "{n} van 5",
        "nps_score": "{n} van 10",
        "nps_hint": "0 = helemaal niet waarschijnlijk, 10 = zeer waarschijnlijk",
        "good": "👍 Goed",
        "bad": "👎 Slecht",
        "face1": "😞 Zeer ontevreden",
        "face2": "🙁 Ontevreden",
        "face3": "😐 Neutraal",
        "face4": "🙂 Tevreden",
        "face5": "😀 Zeer tevreden",
        "valid": "Deze links werken {days} dagen; alleen het eerste antwoord telt.",
        "page_title": "Beoordeel uw gesprek",
        "page_rating": "Uw beoordeling:",
        "page_send": "Mijn beoordeling versturen",
        "thanks_title": "Bedankt",
        "thanks": "Bedankt voor uw feedback!",
        "expired": "Deze enquêtelink is ongeldig of verlopen.",
        "answered": "Deze enquête is al beantwoord.",
    },
    "pt": {
        "question": "Como avalia esta conversa?",
        "follow_up": "Há algo que queira dizer-nos?",
        "subject": "Como nos saímos?",
        "your_rating": "A sua avaliação",
        "send": "Enviar",
        "stars": "{n} de 5",
        "nps_score": "{n} de 10",
        "nps_hint": "0 = nada provável, 10 = extremamente provável",
        "good": "👍 Bom",
        "bad": "👎 Mau",
        "face1": "😞 Muito insatisfeito",
        "face2": "🙁 Insatisfeito",
        "face3": "😐 Neutro",
        "face4": "🙂 Satisfeito",
        "face5": "😀 Muito satisfeito",
        "valid": "Estes links são válidos durante {days} dias; só conta a primeira resposta.",
        "page_title": "Avalie a sua conversa",
        "page_rating": "A sua avaliação:",
        "page_send": "Enviar a minha avaliação",
        "thanks_title": "Obrigado",
        "thanks": "Obrigado pela sua opinião!",
        "expired": "Este link do inquérito é inválido ou expirou.",
        "answered": "Este inquérito já foi respondido.",
    },
    "ja": {
        "question": "この会話を評価してください。",
        "follow_up": "ほかにお伝えいただけることはありますか？",
        "subject": "サポートはいかがでしたか？",
        "your_rating": "あなたの評価",
        "send": "送信",
        "stars": "5段階中{n}",
        "nps_score": "10段階中{n}",
        "nps_hint": "0 = まったく勧めない、10 = ぜひ勧めたい",
        "good": "👍 良い",
        "bad": "👎 悪い",
        "face1": "😞 とても不満",
        "face2": "🙁 不満",
        "face3": "😐 普通",
        "face4": "🙂 満足",
        "face5": "😀 とても満足",
        "valid": "これらのリンクは{days}日間有効です。最初の回答のみが記録されます。",
        "page_title": "会話を評価する",
        "page_rating": "あなたの評価：",
        "page_send": "評価を送信",
        "thanks_title": "ありがとうございます",
        "thanks": "フィードバックをありがとうございます！",
        "expired": "このアンケートのリンクは無効か、期限が切れています。",
        "answered": "このアンケートはすでに回答済みです。",
    },
    "zh": {
        "question": "您如何评价这次对话？",
        "follow_up": "还有什么想告诉我们的吗？",
        "subject": "我们的服务怎么样？",
        "your_rating": "您的评分",
        "send": "发送",
        "stars": "{n} 分（满分 5 分）",
        "nps_score": "{n} 分（满分 10 分）",
        "nps_hint": "0 = 完全不可能，10 = 极有可能",
        "good": "👍 好",
        "bad": "👎 不好",
        "face1": "😞 非常不满意",
        "face2": "🙁 不满意",
        "face3": "😐 一般",
        "face4": "🙂 满意",
        "face5": "😀 非常满意",
        "valid": "这些链接 {days} 天内有效；仅第一次回答有效。",
        "page_title": "评价您的对话",
        "page_rating": "您的评分：",
        "page_send": "提交我的评分",
        "thanks_title": "谢谢",
        "thanks": "感谢您的反馈！",
        "expired": "此调查链接无效或已过期。",
        "answered": "此调查已经回答过了。",
    },
    "ar": {
        "question": "كيف تقيّم هذه المحادثة؟",
        "follow_up": "هل هناك شيء تودّ إخبارنا به؟",
        "subject": "كيف كانت خدمتنا؟",
        "your_rating": "تقييمك",
        "send": "إرسال",
        "stars": "{n} من 5",
        "nps_score": "{n} من 10",
        "nps_hint": "0 = غير مرجح على الإطلاق، 10 = مرجح للغاية",
        "good": "👍 جيد",
        "bad": "👎 سيئ",
        "face1": "😞 غير راضٍ جدًا",
        "face2": "🙁 غير راضٍ",
        "face3": "😐 محايد",
        "face4": "🙂 راضٍ",
        "face5": "😀 راضٍ جدًا",
        "valid": "هذه الروابط صالحة لمدة {days} أيام؛ تُحتسب الإجابة الأولى فقط.",
        "page_title": "قيّم محادثتك",
        "page_rating": "تقييمك:",
        "page_send": "إرسال تقييمي",
        "thanks_title": "شكرًا لك",
        "thanks": "شكرًا على ملاحظاتك!",
        "expired": "رابط الاستبيان هذا غير صالح أو انتهت صلاحيته.",
        "answered": "تمت الإجابة على هذا الاستبيان بالفعل.",
    },
}


def language(locale: str | None) -> str:
    """The shipped language of a BCP 47 locale (``pt-BR`` -> ``pt``), else ``en`` (the
    widget's own rule)."""
    code = str(locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in STRINGS else "en"


def text(locale: str | None, key: str, **values: object) -> str:
    """The string ``key`` in the locale's language (English when it lacks it), filled in."""
    found = STRINGS[language(locale)].get(key) or STRINGS["en"][key]
    return found.format(**values) if values else found


def direction(locale: str | None) -> str:
    """``rtl`` or ``ltr`` for the locale's language."""
    return "rtl" if language(locale) in RTL else "ltr"


def defaults(key: str) -> Mapping[str, str]:
    """``{lang: string}`` of one key in every language (the settings' default questions)."""
    return {lang: table[key] for lang, table in STRINGS.items()}


def score_label(locale: str | None, scale: str, score: int) -> str:
    """A score as the survey shows it: ``★★★★ 4 of 5``, a face, a thumb or ``7 of 10``."""
    if scale == "stars":
        return "★" * score + " " + text(locale, "stars", n=score)
    if scale == "faces":
        return text(locale, f"face{score}")
    if scale == "thumbs":
        return text(locale, "good" if score else "bad")
    return text(locale, "nps_score", n=score)
