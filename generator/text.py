"""Text analysis shared by similarity: tokens, light stemming, bigrams.

Kept deliberately simple and deterministic (no language models, no external
data): lower-cased words, English stop words removed, a light plural stemmer,
and bigrams of neighbouring kept words, so "connection pools timed out"
yields `connection`, `pool`, `timed`, `connection pool`, `pool timed`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

# Words of two or more letters/digits; hyphens and dots split words, so
# `connection-pool` and `connection pool` analyse the same.
# Words, and the breaks (line ends, sentence ends) that no bigram crosses.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9']*[a-z0-9]|[a-z]|\n|[.;:!?|](?=\s)")
_BREAK = "\n"
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
    also just like got get make made used use using new one two three first
    found find created saw seen looked look took take came come went happened
    noticed needed need tried try wanted knew know thought said told asked gave
    put let keep kept able unable quickly slowly later earlier next last
    nobody somebody someone everyone everything something nothing
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
# Function words only: general lists (scikit-learn's among them) also drop
# "full", "back", "second", "system", "over", which matter in incidents
# ("disk full", "rolled back", "leap second", "failed over").
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during
    each either else ever every few for from further had has have having he her here
    hers herself him himself his how however i if in into is it its itself just me
    might more most must my myself neither no nor not now of off on once only or
    other our ours ourselves out own same she should since so some such than that
    the their theirs them themselves then there these they this those though through
    thus to too under until up upon very via was we were what when where whether
    which while who whom whose why will with within without would yet you your
    yours yourself yourselves also although among amongst another anyone anything
    around became become becomes cannot con etc even hence herein hereby indeed
    instead least less many may meanwhile moreover much namely nevertheless often
    onto per perhaps rather really several somehow sometime sometimes still therefore
    thereby toward towards unless whatever whereas wherever whoever whole
    """.split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS


# Words that end in "s" without being plurals.
_KEEP_S = frozenset(
    "postgres kubernetes jenkins aws dns tls ssl sms https cors ddos redis status "
    "alias canvas series species always various previous news express analysis "
    "basis axis chaos lens bias gas yes its".split()
)


def stem(word: str) -> str:
    """A light, readable stemmer: plurals only (`timeouts` -> `timeout`)."""
    if len(word) <= 3 or not word.isalpha() or word in _KEEP_S or word.endswith("dns"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os", "as")):
        return word[:-1]
    return word


def analyse_word(raw: str) -> str:
    """One lower-cased word as indexed: stemmed, or "" when it is left out."""
    word = raw.replace("'", "")
    if word in STOP_WORDS or raw in STOP_WORDS or not 2 <= len(word) <= 40:
        return ""
    if word[-1] == "s" and word[:-1].isdigit():
        word = word[:-1]  # 502s -> 502
    if word.isdigit() and len(word) != 3:  # keep HTTP statuses (502), not dates
        return ""
    return stem(word)


# raw word -> analysed word; words are few (Zipf), so this saves most of the work
_MEMO: dict[str, str] = {}
_MEMO_MAX = 500_000


def _analysed(text: str) -> list[str]:
    """Kept, stemmed words in order, with _BREAK where a sentence or line ends."""
    tokens = _TOKEN.findall(_MARKUP.sub(" ", text.lower()))
    memo = _MEMO
    missing = set(tokens).difference(memo)
    if missing:
        if len(memo) + len(missing) > _MEMO_MAX:
            memo.clear()
        memo.update((raw, _BREAK if not raw[0].isalnum() else analyse_word(raw))
                    for raw in missing)
    return [w for w in map(memo.__getitem__, tokens) if w]


def words(text: str) -> list[str]:
    """The kept, stemmed words of a text, in order."""
    return [w for w in _analysed(text) if w != _BREAK]


def terms(text: str) -> list[str]:
    """Unigrams and bigrams of a text (bigrams joined by one space, never
    across the end of a sentence or line)."""
    ws = _analysed(text)
    unigrams = [w for w in ws if w != _BREAK]
    bigrams = [f"{a} {b}" for a, b in zip(ws, ws[1:]) if a != _BREAK and b != _BREAK]
    return unigrams + bigrams


_SUBLINEAR = [0.0] + [1.0 + math.log(n) for n in range(1, 256)]


def weighted_counts(fields: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Term -> sum over fields of weight x sublinear count (1 + log tf).

    Sublinear per field: a word repeated twenty times in a long body does not
    drown the title, and a term in several fields counts in each.
    """
    out: dict[str, float] = {}
    for text, weight in fields:
        if not text or weight <= 0:
            continue
        for term, n in Counter(terms(text)).items():
            tf = _SUBLINEAR[n] if n < 256 else 1.0 + math.log(n)
            out[term] = out.get(term, 0.0) + weight * tf
    return out
