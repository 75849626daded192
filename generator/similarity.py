"""Similar incidents: the nearest others by text and structure, with reasons.

Every incident becomes one sparse vector made of weighted, L2-normalised
groups: its text (TF-IDF over title, impact, root cause, resolution, body and
its postmortem, with sublinear term frequency and bigrams), the failure modes
its text names (`concepts.py`), and the services, tags and detection source it
lists (each weighted by rarity). The dot product of two vectors is their
similarity; a shared root-cause category and a shared type add fixed bonuses.
The weights sum to one, so every score lies in [0, 1], and score(a, b) is
exactly score(b, a).

No Python loop runs over pairs. An incident's text keeps its strongest terms
only (TF-IDF pruning); terms found in a single incident cannot link two and
are dropped, and in large corpora so are terms found in most incidents.
Candidates come from a sparse product of a sparser copy (each incident's 40
strongest features), in row blocks, keeping the best few per row; candidates
are then scored exactly, and the reasons are read from the same element-wise
products. The cost grows about linearly with the number of incidents.

What does not change between runs is cached in `<root>/.incidentkb-cache`:
each incident's analysis keyed by content hash (its own and its postmortem's),
and the whole result keyed by all of those keys.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .cache import Cache
from .concepts import concepts_of
from .documents import Incident
from .repository import Repository
from .text import weighted_counts

_FEATURES_CACHE = "similarity-features"
_RESULT_CACHE = "similarity-result"
# Results are computed (and cached) for at least this many neighbours, so
# `similar ID` after a build reuses the build's work.
_MIN_COMPUTED = 5
# A block of candidate products holds at most this many cells when dense.
_BLOCK_CELLS = 1 << 23
_MIN_BLOCK_ROWS = 32
# Features per incident used to find candidates, and candidates kept per row.
_CANDIDATE_FEATURES = 40
_CANDIDATES_PER_ROW = 30
# A block of candidate products denser than this is ranked as a dense array.
_DENSE_SHARE = 0.25
# A shared failure mode is named in the reasons when it adds this much to the score.
_MIN_SHOWN_MODE = 0.02
# Below this many incidents to analyse, a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 1500


@dataclass(frozen=True)
class Neighbour:
    """One similar incident, as `similar --json` prints it."""

    id: str
    title: str
    path: str
    score: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        # explicit, not dataclasses.asdict: that deep-copies, and `similar --all`
        # calls this 50,000 times at 10k incidents
        return {"id": self.id, "title": self.title, "path": self.path,
                "score": self.score, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Weights:
    """How much each signal counts. Group weights sum to 1 (scores in [0, 1]).

    Tuned on bench/eval (bench/eval_similarity.py); `threshold` hides
    neighbours scoring below it, so unrelated incidents are not linked.
    """

    text: float = 0.62
    concepts: float = 0.20
    services: float = 0.06
    tags: float = 0.04
    category: float = 0.06
    type: float = 0.0
    source: float = 0.02
    threshold: float = 0.15
    # field weights inside the text vector
    title: float = 1.5
    impact: float = 1.0
    root_cause: float = 1.5
    resolution: float = 1.0
    body: float = 2.0
    postmortem: float = 1.5
    # in corpora of at least `prune_min_docs` incidents, terms found in more
    # than this share of them are left out (they link everything to everything)
    max_df: float = 0.3
    prune_min_docs: int = 200
    # the strongest terms of each incident that take part (TF-IDF pruning)
    text_terms: int = 150

    def __post_init__(self) -> None:
        groups = (self.text, self.concepts, self.services, self.tags, self.category,
                  self.type, self.source)
        if min(groups) < 0 or sum(groups) > 1.0 + 1e-9:
            raise ValueError("similarity weights must be >= 0 and sum to at most 1")

    def fields(self) -> tuple[float, ...]:
        return (self.title, self.impact, self.root_cause, self.resolution, self.body,
                self.postmortem)


WEIGHTS = Weights()


@dataclass(frozen=True, eq=False)
class Features:
    """What one incident contributes, computed once per content hash.

    Terms are ids into the vocabulary cached with them, and an array of
    weights: ten thousand of these unpickle in a blink, unlike ten thousand
    dicts of strings, and a matrix is built from them without hashing a term.
    """

    ids: np.ndarray  # int32, into _Vocabulary.terms
    weights: np.ndarray  # float32, same length
    concepts: tuple[tuple[str, float], ...]
    services: tuple[str, ...]
    tags: tuple[str, ...]
    category: str | None
    type: str | None
    source: str | None


class _Vocabulary:
    """Term <-> id for every term of the cached features; grows as they do."""

    def __init__(self, terms: list[str] | None = None) -> None:
        self.terms: list[str] = terms or []
        self._index: dict[str, int] | None = None

    def ids(self, terms: list[str]) -> np.ndarray:
        """Ids of (distinct) terms, adding the new ones."""
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        index = self._index
        for term in [t for t in terms if t not in index]:
            index[term] = len(self.terms)
            self.terms.append(term)
        return np.fromiter(map(index.__getitem__, terms), np.int32, len(terms))

    def compacted(self, features: list[Features]) -> tuple[_Vocabulary, list[Features]]:
        """Without the terms no incident uses any more (after many edits)."""
        used = np.zeros(len(self.terms), dtype=bool)
        for f in features:
            used[f.ids] = True
        if len(self.terms) <= 2 * int(used.sum()) + 50_000:
            return self, features
        kept = np.flatnonzero(used)
        remap = np.full(len(self.terms), -1, dtype=np.int32)
        remap[kept] = np.arange(len(kept), dtype=np.int32)
        vocabulary = _Vocabulary([self.terms[i] for i in kept.tolist()])
        return vocabulary, [replace(f, ids=remap[f.ids]) for f in features]


# --- per-incident analysis ------------------------------------------------


def _module_version() -> str:
    """Changes whenever the analysis code changes (not when others' code does)."""
    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).parent
    for name in ("similarity.py", "text.py", "concepts.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


_VERSION = _module_version()


def _names(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip().lower() for v in values if v and v.strip()}))


def _clean(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def _text_fields(inc: Incident, postmortem_body: str) -> list[str]:
    """The texts of an incident, in the order of `Weights.fields()`."""
    d = inc.data
    resolution = ""
    if d.resolution is not None:
        steps = " . ".join(s.action for s in d.resolution.steps)
        resolution = f"{d.resolution.summary} . {steps}"
    return [
        d.title or "",
        d.impact.summary if d.impact else "",
        d.root_cause.summary if d.root_cause else "",
        resolution,
        inc.body,
        postmortem_body,
    ]


_Analysis = tuple[str, np.ndarray, tuple[tuple[str, float], ...]]


def _analyse_text(args: tuple[list[str], tuple[float, ...]]) -> _Analysis:
    """(distinct terms newline-joined, their weights, failure modes) of an
    incident's texts. One string, not a list: it crosses processes cheaply."""
    texts, weights = args
    counts = weighted_counts(zip(texts, weights))
    concepts = tuple(sorted(concepts_of(counts).items()))
    return "\n".join(counts), np.array(list(counts.values()), dtype=np.float32), concepts


def _structure(inc: Incident) -> dict[str, Any]:
    d = inc.data
    return {
        "services": _names(d.services or ()),
        "tags": _names(d.tags),
        "category": d.root_cause.category if d.root_cause else None,
        "type": d.type,
        "source": _clean(d.detection.source if d.detection else None),
    }


def _analyse_many(jobs: list[tuple[list[str], tuple[float, ...]]]) -> list[_Analysis]:
    workers = os.cpu_count() or 1
    if workers > 1 and len(jobs) >= _PARALLEL_THRESHOLD:
        chunk = max(1, len(jobs) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_analyse_text, jobs, chunksize=chunk))
    return [_analyse_text(job) for job in jobs]


@dataclass
class _Corpus:
    """The incidents being compared, in id order, with their features."""

    incidents: list[Incident]
    features: list[Features]
    keys: list[str]
    vocabulary: _Vocabulary
    recomputed: int = 0


def _load_features(cache: Cache | None) -> tuple[_Vocabulary, dict[str, tuple[str, Features]]]:
    stored = cache.load(_FEATURES_CACHE) if cache is not None else None
    if (isinstance(stored, tuple) and len(stored) == 3 and stored[0] == _VERSION
            and isinstance(stored[1], str) and isinstance(stored[2], dict)):
        return _Vocabulary(stored[1].split("\n") if stored[1] else []), stored[2]
    return _Vocabulary(), {}


def _collect(repo: Repository, cache: Cache | None, w: Weights) -> _Corpus:
    """Every incident's features, from the cache where its key is unchanged."""
    incidents = sorted(repo.incident_by_id.values(), key=lambda i: i.id or "")
    vocabulary, cached = _load_features(cache)
    keys: list[str] = []
    found: list[Features | None] = []
    todo: list[int] = []
    jobs: list[tuple[list[str], tuple[float, ...]]] = []
    for inc in incidents:
        pm = repo.postmortem_of(inc.id) if inc.id else None
        key = f"{w.fields()}:{inc.sha}:{pm.sha if pm else '-'}"
        keys.append(key)
        hit = cached.get(inc.path)
        if hit is not None and hit[0] == key:
            found.append(hit[1])
        else:
            found.append(None)
            todo.append(len(found) - 1)
            jobs.append((_text_fields(inc, pm.body if pm else ""), w.fields()))
    for i, (terms, weights, concepts) in zip(todo, _analyse_many(jobs)):
        found[i] = Features(ids=vocabulary.ids(terms.split("\n") if terms else []),
                            weights=weights, concepts=concepts,
                            **_structure(incidents[i]))
    features = [f for f in found if f is not None]
    if cache is not None and (todo or len(cached) != len(incidents)):
        vocabulary, features = vocabulary.compacted(features)
        cache.save(_FEATURES_CACHE, (
            _VERSION, "\n".join(vocabulary.terms),
            {inc.path: (key, f) for inc, key, f in zip(incidents, keys, features)},
        ))
    return _Corpus(incidents=incidents, features=features, keys=keys, vocabulary=vocabulary,
                   recomputed=len(todo))


# --- vectors ----------------------------------------------------------------


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each row scaled to unit length (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    out = sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)
    out.sort_indices()
    return out


def _group_matrix(
    terms: Sequence[Sequence[str]], weights: Sequence[np.ndarray] | None, n_docs: int,
    max_df: float | None = None, norm_before_prune: bool = False,
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Rows of (term, tf) as TF-IDF (smooth idf), L2-normalised.

    Terms in one document only are dropped (they cannot link two), and so are
    those in more than `max_df` of the documents when given. The norm is taken
    before that pruning for small structured groups (sharing one of two
    services is half a match), after it for text.
    Returns the matrix, its vocabulary and each column's document frequency.
    """
    flat = list(chain.from_iterable(terms))
    df_of = Counter(flat)
    cap = max_df * n_docs if max_df is not None else math.inf
    kept = [t for t, c in df_of.items() if c >= 2 and c <= max(2.0, cap)]
    all_terms = list(df_of) if norm_before_prune else kept
    vocab = {t: i for i, t in enumerate(all_terms)}
    lengths = np.fromiter(map(len, terms), np.int64, len(terms))
    rows = np.repeat(np.arange(len(terms), dtype=np.int64), lengths)
    cols = np.fromiter(map(vocab.get, flat, repeat(-1)), np.int64, len(flat))
    data = (np.concatenate(list(weights)).astype(np.float64) if weights is not None and flat
            else np.ones(len(flat)))
    df = np.fromiter((df_of[t] for t in all_terms), np.float64, len(all_terms))
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    keep = cols >= 0
    rows, cols, data = rows[keep], cols[keep], data[keep] * idf[cols[keep]]
    matrix = _l2_rows(sp.csr_matrix((data, (rows, cols)), shape=(len(terms), len(vocab))))
    if norm_before_prune and len(kept) < len(all_terms):
        column_kept = np.fromiter((df_of[t] >= 2 for t in all_terms), bool, len(all_terms))
        index = np.flatnonzero(column_kept)
        matrix = matrix[:, index].tocsr()
        all_terms = [all_terms[i] for i in index]
        df = df[index]
    return matrix, all_terms, df


def _text_matrix(feats: Sequence[Features], vocabulary_size: int, max_df: float | None
                 ) -> tuple[sp.csr_matrix, np.ndarray]:
    """TF-IDF rows over the terms found in two incidents or more (and not in
    more than `max_df` of them), L2-normalised; plus each column's term id."""
    n = len(feats)
    lengths = np.fromiter((len(f.ids) for f in feats), np.int64, n)
    flat = (np.concatenate([f.ids for f in feats]).astype(np.int64) if lengths.sum()
            else np.zeros(0, np.int64))
    data = (np.concatenate([f.weights for f in feats]).astype(np.float64) if lengths.sum()
            else np.zeros(0))
    df = np.bincount(flat, minlength=vocabulary_size)
    keep = df >= 2
    if max_df is not None:
        keep &= df <= max(2.0, max_df * n)
    kept_ids = np.flatnonzero(keep)
    column = np.full(vocabulary_size, -1, dtype=np.int64)
    column[kept_ids] = np.arange(len(kept_ids))
    cols = column[flat]
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    inside = cols >= 0
    idf = np.log((1.0 + n) / (1.0 + df[kept_ids])) + 1.0
    values = data[inside] * idf[cols[inside]]
    matrix = sp.csr_matrix((values, (rows[inside], cols[inside])), shape=(n, len(kept_ids)))
    return _l2_rows(matrix), kept_ids


def _codes(values: Sequence[str | None]) -> np.ndarray:
    """Categorical values as integer codes; -1 for absent (never equal)."""
    table: dict[str, int] = {}
    return np.array([-1 if v is None else table.setdefault(v, len(table)) for v in values],
                    dtype=np.int64)


def _prune_rows(matrix: sp.csr_matrix, per_row: int) -> sp.csr_matrix:
    """Each row's `per_row` largest entries (entries in [0, 1], as in unit rows)."""
    counts = np.diff(matrix.indptr)
    if counts.max(initial=0) <= per_row:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    # one float key sorts by row, then by value descending: cheaper than lexsort
    order = np.argsort(rows * 4.0 - matrix.data)
    rank = np.arange(len(order)) - np.repeat(matrix.indptr[:-1], counts)
    chosen = np.sort(order[rank < per_row])
    pruned = sp.csr_matrix((matrix.data[chosen], matrix.indices[chosen],
                            np.r_[0, np.cumsum(np.minimum(counts, per_row))]),
                           shape=matrix.shape)
    pruned.sort_indices()
    return pruned


@dataclass
class _Model:
    """The stacked, weighted vectors of a corpus and what reasons need."""

    z: sp.csr_matrix  # [text | concepts | services | tags | source], sorted indices
    candidates: sp.csr_matrix  # each row's strongest entries of z only
    candidates_t: sp.csr_matrix
    terms: list[str]  # the vocabulary
    text_ids: np.ndarray  # term id of each text column
    concept_names: list[str]  # of the concept columns, which follow the text ones
    text_columns: int
    concept_columns: int
    service_idf: dict[str, float]
    category: np.ndarray
    type: np.ndarray
    weights: Weights = field(default_factory=Weights)


def _build_model(corpus: _Corpus, w: Weights) -> _Model:
    n = len(corpus.features)
    feats = corpus.features
    max_df = w.max_df if n >= w.prune_min_docs else None
    text, text_ids = _text_matrix(feats, len(corpus.vocabulary.terms), max_df)
    # An incident's weakest terms add little to any score but a lot to the
    # products' cost: keep its strongest ones (TF-IDF pruning), renormalised.
    text = _l2_rows(_prune_rows(text, w.text_terms))
    concepts, concept_vocab, _ = _group_matrix(
        [[c for c, _ in f.concepts] for f in feats],
        [np.array([math.log1p(v) for _, v in f.concepts]) for f in feats], n)
    services, service_vocab, service_df = _group_matrix(
        [f.services for f in feats], None, n, norm_before_prune=True)
    tags, _, _ = _group_matrix([f.tags for f in feats], None, n, norm_before_prune=True)
    sources, _, _ = _group_matrix([[f.source] if f.source else [] for f in feats], None, n)
    z = sp.hstack([
        math.sqrt(w.text) * text,
        math.sqrt(w.concepts) * concepts,
        math.sqrt(w.services) * services,
        math.sqrt(w.tags) * tags,
        math.sqrt(w.source) * sources,
    ], format="csr")
    z.sort_indices()
    idf = np.log((1.0 + n) / (1.0 + service_df)) + 1.0
    candidates = _prune_rows(z, _CANDIDATE_FEATURES)
    return _Model(
        z=z, candidates=candidates, candidates_t=candidates.T.tocsr(),
        terms=corpus.vocabulary.terms, text_ids=text_ids, concept_names=concept_vocab,
        text_columns=len(text_ids),
        concept_columns=len(concept_vocab),
        service_idf=dict(zip(service_vocab, idf.tolist())),
        category=_codes([f.category for f in feats]),
        type=_codes([f.type for f in feats]),
        weights=w,
    )


# --- neighbours -------------------------------------------------------------


@dataclass
class _Pairs:
    """Scored pairs (rows[i], cols[i]) and their element-wise products."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    products: sp.csr_matrix

    def subset(self, index: np.ndarray) -> _Pairs:
        return _Pairs(self.rows[index], self.cols[index], self.scores[index],
                      self.products[index])


def _ranked(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Indices of each row's best k entries: by row, best value first, then by column."""
    order = np.lexsort((cols, -np.round(values, 9), rows))
    if len(order) == 0:
        return order
    sorted_rows = rows[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_rows)) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    return order[rank < k]


def _candidates(model: _Model, start: int, stop: int, per_row: int) -> tuple[
    np.ndarray, np.ndarray
]:
    """(rows, cols) of the likely neighbours of rows start..stop-1.

    A product of each incident's strongest features only: sparse, and about
    linear in the number of incidents, since strong features are rare ones.
    Blocks that come out dense anyway (many near-duplicates) are ranked with
    `argpartition` on a dense array; sparse ones by one sort of their entries.
    """
    product = (model.candidates[start:stop] @ model.candidates_t).tocsr()
    n, size = product.shape[1], stop - start
    if product.nnz > _DENSE_SHARE * size * n:
        return _candidates_dense(product.toarray(), start, per_row)
    product.setdiag(0.0, k=start)
    product.eliminate_zeros()
    counts = np.diff(product.indptr)
    rows = np.repeat(np.arange(start, stop), counts)
    if counts.max(initial=0) <= per_row:
        return rows, product.indices.astype(np.int64)
    # one float key sorts by row, then by value descending (values are in [0, 1])
    order = np.argsort(rows * 4.0 - product.data)
    rank = np.arange(len(order)) - np.repeat(product.indptr[:-1], counts)
    chosen = order[rank < per_row]
    return rows[chosen], product.indices[chosen].astype(np.int64)


def _candidates_dense(block: np.ndarray, start: int, per_row: int) -> tuple[
    np.ndarray, np.ndarray
]:
    size, n = block.shape
    block[np.arange(size), np.arange(start, start + size)] = 0.0
    k = min(per_row, n - 1)
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cols = np.argpartition(block, n - k, axis=1)[:, n - k:] if k < n - 1 else \
        np.broadcast_to(np.arange(n), (size, n))
    found = np.take_along_axis(block, cols, axis=1) > 0
    rows = np.broadcast_to(np.arange(start, start + size)[:, None], cols.shape)
    return rows[found].astype(np.int64), cols[found].astype(np.int64)


def _score(model: _Model, rows: np.ndarray, cols: np.ndarray) -> _Pairs:
    """Exact scores of pairs: the dot product plus the categorical bonuses.

    Indices are sorted, so z[a] * z[b] sums the same products in the same
    order as z[b] * z[a]: scores are exactly symmetric.
    """
    w = model.weights
    products = model.z[rows].multiply(model.z[cols]).tocsr()
    scores = np.asarray(products.sum(axis=1)).ravel()
    for codes, weight in ((model.category, w.category), (model.type, w.type)):
        if weight > 0:
            scores = scores + weight * ((codes[rows] == codes[cols]) & (codes[rows] >= 0))
    return _Pairs(rows, cols, np.clip(scores, 0.0, 1.0), products)


def _best(model: _Model, start: int, stop: int, k: int) -> _Pairs:
    """Each row's best k neighbours at or above the threshold, in order."""
    per_row = max(2 * k, _CANDIDATES_PER_ROW)
    pairs = _score(model, *_candidates(model, start, stop, per_row))
    above = np.flatnonzero((pairs.scores >= model.weights.threshold) & (pairs.scores > 0))
    pairs = pairs.subset(above)
    return pairs.subset(_ranked(pairs.rows, pairs.cols, pairs.scores, k))


# --- reasons -------------------------------------------------------------


def _top_shared(products: sp.csr_matrix, lo: int, hi: int, most: int,
                at_least: float = 0.0) -> list[list[int]]:
    """Per pair, the columns lo..hi-1 weighing most in both vectors (best first)."""
    coo = products.tocoo()
    inside = (coo.col >= lo) & (coo.col < hi) & (coo.data > max(at_least, 0.0))
    pair, col, value = coo.row[inside], coo.col[inside], coo.data[inside]
    order = np.lexsort((col, -value, pair))
    pair, col = pair[order], col[order]
    if len(pair):
        first = np.r_[0, np.flatnonzero(np.diff(pair)) + 1]
        rank = np.arange(len(pair)) - np.repeat(first, np.diff(np.r_[first, len(pair)]))
        pair, col = pair[rank < most], col[rank < most]
    bounds = np.searchsorted(pair, np.arange(products.shape[0] + 1)).tolist()
    cols = col.tolist()
    return [cols[bounds[i]:bounds[i + 1]] for i in range(products.shape[0])]


def _readable_terms(terms: list[str], most: int = 4) -> list[str]:
    """Strongest first, a word giving way to a listed bigram that holds it
    (`pool`, `connection`, `connection pool` -> `connection pool`)."""
    bigram_of: dict[str, str] = {}
    for term in terms:
        if " " in term:
            for part in term.split(" "):
                bigram_of.setdefault(part, term)
    chosen: list[str] = []
    covered: set[str] = set()
    for term in terms:
        term = bigram_of.get(term, term)
        parts = term.split(" ")
        if term in covered or all(p in covered for p in parts):
            continue
        chosen.append(term)
        covered.update(parts)
        covered.add(term)
        if len(chosen) == most:
            break
    return chosen


def _structure_reasons(model: _Model, fa: Features, fb: Features) -> list[str]:
    out: list[str] = []
    services = sorted(set(fa.services) & set(fb.services),
                      key=lambda s: (-model.service_idf.get(s, 0.0), s))
    if services:
        label = "same service" if len(services) == 1 else "same services"
        out.append(f"{label} {', '.join(services)}")
    if fa.category is not None and fa.category == fb.category and model.weights.category > 0:
        out.append(f"same root cause category {fa.category}")
    return out


def _reasons(model: _Model, corpus: _Corpus, pairs: _Pairs) -> list[tuple[str, ...]]:
    """Why each pair is similar, strongest signals first."""
    rows, cols, products = pairs.rows, pairs.cols, pairs.products
    if len(rows) == 0:
        return []
    v, c = model.text_columns, model.concept_columns
    terms = _top_shared(products, 0, v, 8)
    concepts = _top_shared(products, v, v + c, 2, at_least=_MIN_SHOWN_MODE)
    out: list[tuple[str, ...]] = []
    for i, (a, b) in enumerate(zip(rows.tolist(), cols.tolist())):
        fa, fb = corpus.features[a], corpus.features[b]
        reasons = _structure_reasons(model, fa, fb)
        if concepts[i]:
            names = (model.concept_names[j - v] for j in concepts[i])
            reasons.append(f"same failure mode: {', '.join(names)}")
        tags = sorted(set(fa.tags) & set(fb.tags))
        if tags:
            reasons.append(f"shared tags: {', '.join(tags)}")
        if fa.source is not None and fa.source == fb.source:
            reasons.append(f"same detection source {fa.source}")
        if fa.type is not None and fa.type == fb.type and model.weights.type > 0:
            reasons.append(f"same type {fa.type}")
        shared = _readable_terms([model.terms[model.text_ids[j]] for j in terms[i]])
        if shared:
            reasons.append(f"shared terms: {', '.join(shared)}")
        out.append(tuple(reasons))
    return out


# --- the engine -------------------------------------------------------------

# A computed neighbour before it becomes a Neighbour: (row, score, reasons).
_Raw = tuple[int, float, tuple[str, ...]]


class SimilarityIndex:
    """Neighbours of the incidents of a repository.

    `recomputed` says how many incidents were analysed afresh (the others'
    analysis came from the cache).
    """

    def __init__(self, repo: Repository, *, use_cache: bool = True,
                 weights: Weights = WEIGHTS) -> None:
        self.repo = repo
        self.weights = weights
        self.cache = Cache(repo.root) if use_cache else None
        self.corpus = _collect(repo, self.cache, weights)
        self.row_of = {inc.id: i for i, inc in enumerate(self.corpus.incidents)}
        self._model: _Model | None = None

    @property
    def recomputed(self) -> int:
        return self.corpus.recomputed

    @property
    def ids(self) -> list[str]:
        return [inc.id or "" for inc in self.corpus.incidents]

    @property
    def model(self) -> _Model:
        if self._model is None:
            self._model = _build_model(self.corpus, self.weights)
        return self._model

    def digest(self, k: int) -> str:
        """Identifies a result: every incident's key, the weights and k."""
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{_VERSION}|{self.weights}|{k}".encode())
        for inc, key in zip(self.corpus.incidents, self.corpus.keys):
            h.update(f"\n{inc.id}\0{inc.path}\0{inc.title}\0{key}".encode())
        return h.hexdigest()

    def raw(self, start: int, stop: int, k: int) -> dict[int, list[_Raw]]:
        """Best k neighbours of rows start..stop-1 as (row, score, reasons)."""
        out: dict[int, list[_Raw]] = {row: [] for row in range(start, stop)}
        if len(self.corpus.incidents) < 2 or start >= stop:
            return out
        model = self.model
        pairs = _best(model, start, stop, k)
        reasons = _reasons(model, self.corpus, pairs)
        for a, b, score, why in zip(pairs.rows.tolist(), pairs.cols.tolist(),
                                    pairs.scores.tolist(), reasons):
            out[a].append((b, score, why))
        return out

    def all_raw(self, k: int) -> dict[int, list[_Raw]]:
        n = len(self.corpus.incidents)
        out: dict[int, list[_Raw]] = {}
        step = max(_MIN_BLOCK_ROWS, min(1024, _BLOCK_CELLS // max(n, 1)))
        for start in range(0, n, step):
            out.update(self.raw(start, min(start + step, n), k))
        return out

    def neighbours(self, raw: list[_Raw], limit: int) -> list[Neighbour]:
        incidents = self.corpus.incidents
        return [Neighbour(id=incidents[row].id or "", title=incidents[row].title,
                          path=incidents[row].path, score=round(score, 4), reasons=reasons)
                for row, score, reasons in raw[:limit]]

    def all(self, k: int) -> dict[str, list[Neighbour]]:
        """The best k neighbours of every incident."""
        incidents = self.corpus.incidents
        return {incidents[row].id or "": self.neighbours(found, k)
                for row, found in self.all_raw(k).items()}

    def of(self, incident_id: str, k: int) -> list[Neighbour]:
        """The best k neighbours of one incident (KeyError when unknown)."""
        row = self.row_of[incident_id]
        return self.neighbours(self.raw(row, row + 1, k)[row], k)


def _cached_raw(index: SimilarityIndex, k: int) -> dict[int, list[_Raw]] | None:
    if index.cache is None:
        return None
    stored = index.cache.load(_RESULT_CACHE)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == index.digest(k):
        return stored[1]
    return None


def _computed_k(limit: int) -> int:
    return max(limit, _MIN_COMPUTED)


def similar_all(
    repo: Repository, limit: int = 5, *, use_cache: bool = True, weights: Weights = WEIGHTS
) -> dict[str, list[Neighbour]]:
    """Every incident's most similar others (at most `limit`, above the threshold)."""
    index = SimilarityIndex(repo, use_cache=use_cache, weights=weights)
    k = _computed_k(limit)
    raw = _cached_raw(index, k)
    if raw is None:
        raw = index.all_raw(k)
        if index.cache is not None:
            index.cache.save(_RESULT_CACHE, (index.digest(k), raw))
    incidents = index.corpus.incidents
    return {incidents[row].id or "": index.neighbours(found, limit)
            for row, found in sorted(raw.items())}


def similar_to(
    repo: Repository, incident_id: str, limit: int = 5, *, use_cache: bool = True,
    weights: Weights = WEIGHTS,
) -> list[Neighbour]:
    """One incident's most similar others. Raises KeyError for an unknown id."""
    index = SimilarityIndex(repo, use_cache=use_cache, weights=weights)
    if incident_id not in index.row_of:
        raise KeyError(incident_id)
    raw = _cached_raw(index, _computed_k(limit))
    row = index.row_of[incident_id]
    if raw is not None and row in raw:
        return index.neighbours(raw[row], limit)
    return index.of(incident_id, limit)
