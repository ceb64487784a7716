"""Plain-text helpers shared by indexing and search: tokens, a light stemmer, passages, and an
edit distance. Kept free of any database so the same rules score hits on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: words too common to say anything about which article a question is about (English, with the
#: question words visitors type); the full-text engines weigh the rest
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "get",
        "got",
        "please",
        "want",
        "need",
        "help",
        "hi",
        "hello",
        "thanks",
        "thank",
        "way",
        # contractions, as words() spells them (apostrophe dropped)
        "whats",
        "hows",
        "wheres",
        "whos",
        "im",
        "ive",
        "youre",
        "theres",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wont",
        "wasnt",
        "havent",
        "cannot",
    ]
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^|\s)#{1,6}\s|[*_`>~|]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s")

MAX_TERMS = 16


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Résumé" and "resume" meet."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Every word of ``text``, folded."""
    return [w.replace("'", "") for w in _WORD.findall(fold(text))]


def query_terms(query: str) -> list[str]:
    """The words of a query worth searching for: folded, stop words dropped (unless nothing else
    is left), at most :data:`MAX_TERMS`, each once, in order."""
    all_words = [w for w in words(query) if len(w) <= 40]
    kept = [w for w in all_words if w not in STOPWORDS and len(w) > 1] or all_words
    unique: list[str] = []
    for w in kept:
        if w not in unique:
            unique.append(w)
    return unique[:MAX_TERMS]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small suffix stripper: "passwords" and "password", "billing" and "bill"
    meet. It only decides scores and passages; the engines stem with their own rules."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def plain(markdown: str) -> str:
    """Markdown reduced to its words (for the index and passages): links keep their text."""
    text = _MD_LINK.sub(r"\1", markdown)
    return _MD_MARKS.sub(" ", text)


def passages(markdown: str, size: int = 280) -> list[str]:
    """The body cut into passages: paragraphs, long ones cut at sentence ends near ``size``."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", plain(markdown)):
        para = " ".join(para.split())
        if not para:
            continue
        chunk = ""
        for sentence in _SENTENCE.split(para):
            if chunk and len(chunk) + len(sentence) + 1 > size:
                out.append(chunk)
                chunk = sentence
            else:
                chunk = f"{chunk} {sentence}".strip()
        if chunk:
            out.append(chunk[: size * 2])
    return out


def best_passage(markdown: str, wanted: set[str], fallback: str = "", size: int = 280) -> str:
    """The passage of the body that holds the most of the ``wanted`` stems (the first one on a
    tie); ``fallback`` (the summary) when none holds any."""
    best, best_count = "", 0
    for passage in passages(markdown, size):
        count = len(wanted & stems(passage))
        if count > best_count:
            best, best_count = passage, count
    if not best:
        return fallback or (passages(markdown, size) or [""])[0]
    return best if len(best) <= size else best[: size - 1].rsplit(" ", 1)[0] + "…"


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopping early past ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cap:
            return cap + 1
        prev2, prev = prev, cur
    return prev[-1]
