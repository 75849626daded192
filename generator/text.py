"""Text analysis shared by similarity: tokens, light stemming, bigrams.

Kept deliberately simple and deterministic (no language models, no external
data): lower-cased words, English stop words removed, a light plural stemmer,
and bigrams of neighbouring kept words, so "connection pools timed out"
yields `connection`, `pool`, `timed`, `connection pool`, `pool timed`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words of two or more letters/digits; hyphens and dots split words, so
# `connection-pool` and `connection pool` analyse the same.
_WORD = re.compile(r"[a-z0-9][a-z0-9']*[a-z0-9]|[a-z]")
_MARKUP = re.compile(r"`{1,3}|\*\*|__|\[|\]\([^)]*\)|<[^>]{1,200}>|^\s*[#>|-]+", re.MULTILINE)
# Words that are everywhere in incident write-ups and say nothing about what
# happened: a shared "incident" or "minutes" is not a reason to link two.
DOMAIN_STOP_WORDS = frozenset(
    """
    incident incidents issue issues problem problems customer customers user users
    minute minutes hour hours day days time times utc am pm impact impacted affected
    team teams engineer engineers oncall call summary timeline notes note root cause
    causes resolution resolved mitigated mitigation detected detection investigation
    investigating postmortem lessons learned went wrong lucky action actions item
    items follow followup follow-up did didn't don't wasn't weren't started began
    also just like got get make made used use using new one two three first second
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS


# Words that end in "s" without being plurals.
_KEEP_S = frozenset(
    "postgres kubernetes jenkins aws dns tls ssl sms https cors ddos redis status "
    "alias canvas series species always various previous news express analysis "
    "basis axis chaos lens bias gas yes its".split()
)


def stem(word: str) -> str:
    """A light, readable stemmer: plurals only (`timeouts` -> `timeout`)."""
    if len(word) <= 3 or not word.isalpha() or word in _KEEP_S:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os", "as")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The kept, stemmed words of a text, in order."""
    text = _MARKUP.sub(" ", text.lower())
    out: list[str] = []
    for raw in _WORD.findall(text):
        word = raw.replace("'", "")
        if word in STOP_WORDS or raw in STOP_WORDS or word.isdigit() or len(word) > 40:
            continue
        out.append(stem(word))
    return out


def terms(text: str) -> list[str]:
    """Unigrams and bigrams of a text (bigrams joined by one space)."""
    ws = words(text)
    return ws + [f"{a} {b}" for a, b in zip(ws, ws[1:]) if a != b]


def weighted_counts(fields: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Term -> sum over fields of weight x sublinear count (1 + log tf).

    Sublinear per field: a word repeated twenty times in a long body does not
    drown the title, and a term in several fields counts in each.
    """
    out: dict[str, float] = {}
    for text, weight in fields:
        if not text or weight <= 0:
            continue
        counts: dict[str, int] = {}
        for term in terms(text):
            counts[term] = counts.get(term, 0) + 1
        for term, n in counts.items():
            out[term] = out.get(term, 0.0) + weight * (1.0 + math.log(n))
    return out
