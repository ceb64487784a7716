// The widget's strings. English is the fallback for any missing key; `dir` is "rtl" for
// right-to-left languages. Placeholders are {name}.
const S = {
  en: {
    close: "Close chat", messages: "Messages", message: "Message", send: "Send", sections: "Sections",
    sending: "Sending…", seen: "Seen", typing: "{name} is typing…",
    ended: "This conversation has ended.", newConv: "New conversation", list: "Your conversations",
    end: "End conversation", back: "Back to the conversation", offline: "You are offline. Messages will be sent when you are back online.",
    reconnecting: "Reconnecting…", unavailable: "Chat is unavailable right now.", prechat: "Before we start",
    name: "Name", email: "Email", start: "Start chat", processing: "Processing…",
    download: "Download {name}", rated: "You rated {n} out of {m}. Thanks for your feedback!", rate: "{n} out of {m}", you: "You",
    conv: "Conversation {n}", none: "No conversations yet.", open: "Open", closed: "Ended", failed: "Not sent: {error}",
    required: "Please fill in this field.", consent: "I agree", image: "Open the image",
  },
  fr: {
    close: "Fermer le chat", messages: "Messages", message: "Message", send: "Envoyer", sections: "Rubriques",
    sending: "Envoi…", seen: "Vu", typing: "{name} écrit…",
    ended: "Cette conversation est terminée.", newConv: "Nouvelle conversation", list: "Vos conversations",
    end: "Terminer la conversation", back: "Retour à la conversation", offline: "Vous êtes hors ligne. Les messages partiront dès le retour de la connexion.",
    reconnecting: "Reconnexion…", unavailable: "Le chat est indisponible pour le moment.", prechat: "Avant de commencer",
    name: "Nom", email: "E-mail", start: "Démarrer", processing: "Traitement…",
    download: "Télécharger {name}", rated: "Votre note : {n} sur {m}. Merci pour votre avis !", rate: "{n} sur {m}", you: "Vous",
    conv: "Conversation {n}", none: "Aucune conversation.", open: "Ouverte", closed: "Terminée", failed: "Non envoyé : {error}",
    required: "Veuillez remplir ce champ.", consent: "J’accepte", image: "Ouvrir l’image",
  },
  ar: {
    close: "أغلق الدردشة", messages: "الرسائل", message: "رسالة", send: "إرسال", sections: "الأقسام",
    sending: "جارٍ الإرسال…", seen: "تمت القراءة", typing: "{name} يكتب…",
    ended: "انتهت هذه المحادثة.", newConv: "محادثة جديدة", list: "محادثاتك",
    end: "إنهاء المحادثة", back: "العودة إلى المحادثة", offline: "أنت غير متصل. ستُرسل الرسائل عند عودة الاتصال.",
    reconnecting: "جارٍ إعادة الاتصال…", unavailable: "الدردشة غير متاحة الآن.", prechat: "قبل أن نبدأ",
    name: "الاسم", email: "البريد الإلكتروني", start: "ابدأ الدردشة", processing: "جارٍ المعالجة…",
    download: "تنزيل {name}", rated: "تقييمك: {n} من {m}. شكرًا على رأيك!", rate: "{n} من {m}", you: "أنت",
    conv: "محادثة {n}", none: "لا توجد محادثات بعد.", open: "مفتوحة", closed: "منتهية", failed: "لم تُرسل: {error}",
    required: "يرجى ملء هذا الحقل.", consent: "أوافق", image: "افتح الصورة",
  },
};
const RTL = ["ar", "he", "fa", "ur"];

export function lang(locale) {
  const l = String(locale || "en").toLowerCase().split(/[-_]/)[0];
  return S[l] ? l : "en";
}

export function dir(locale) {
  return RTL.includes(String(locale || "").toLowerCase().split(/[-_]/)[0]) ? "rtl" : "ltr";
}

export function translator(locale) {
  const table = S[lang(locale)];
  return (key, vars) =>
    (table[key] || S.en[key] || key).replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ""));
}
