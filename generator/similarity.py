"""Similar incidents: the nearest others by text and structure, with reasons.

Every incident becomes one sparse vector made of weighted, L2-normalised
groups: its text (TF-IDF over title, impact, root cause, resolution, body and
its postmortem, with sublinear term frequency and bigrams), the services,
tags and detection source it names (each weighted by rarity). The dot product
of two such vectors is their similarity; a shared root-cause category and a
shared type add fixed bonuses. Weights sum to one, so every score lies in
[0, 1] and score(a, b) == score(b, a).

Candidates come from sparse matrix products (`Z[block] @ Z.T`, in row blocks,
keeping the top k per row with numpy), never from a Python loop over pairs.
Terms found in a single incident cannot link two incidents and are dropped
before the product; in large corpora, so are terms found in most incidents.

What does not change between runs is cached in `<root>/.incidentkb-cache`:
the per-incident analysis keyed by content hash (the incident's and its
postmortem's), and the whole result keyed by all of those hashes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .cache import Cache
from .documents import Incident
from .repository import Repository
from .text import weighted_counts

_FEATURES_CACHE = "similarity-features"
_RESULT_CACHE = "similarity-result"
# Results are computed (and cached) for at least this many neighbours, so
# that `similar ID --limit 10` after a build reuses the build's work.
_MIN_COMPUTED = 10
_BLOCK_ROWS = 1024


@dataclass(frozen=True)
class Neighbour:
    """One similar incident, as `similar --json` prints it."""

    id: str
    title: str
    path: str
    score: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["reasons"] = list(self.reasons)
        return out


@dataclass(frozen=True)
class Weights:
    """How much each signal counts. Group weights sum to 1 (scores in [0, 1]).

    Tuned on bench/eval (see bench/eval_similarity.py); `threshold` hides
    neighbours whose score is below it, so unrelated incidents are not linked.
    """

    text: float = 0.62
    services: float = 0.14
    tags: float = 0.10
    category: float = 0.08
    type: float = 0.02
    source: float = 0.04
    threshold: float = 0.14
    # field weights inside the text vector
    title: float = 2.0
    impact: float = 1.0
    root_cause: float = 2.0
    resolution: float = 1.0
    body: float = 1.0
    postmortem: float = 1.0
    # in corpora of at least `prune_min_docs` incidents, terms found in more
    # than this share of them are left out of the product (they link everything)
    max_df: float = 0.3
    prune_min_docs: int = 200

    def groups(self) -> dict[str, float]:
        return {"text": self.text, "services": self.services, "tags": self.tags,
                "category": self.category, "type": self.type, "source": self.source}


WEIGHTS = Weights()


@dataclass(frozen=True)
class Features:
    """What one incident contributes, computed once per content hash."""

    terms: dict[str, float]
    services: tuple[str, ...]
    tags: tuple[str, ...]
    category: str | None
    type: str | None
    source: str | None


# --- per-incident analysis ------------------------------------------------


def _module_version() -> str:
    """Changes whenever the analysis code changes (not when others' code does)."""
    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).parent
    for name in ("similarity.py", "text.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


_VERSION = _module_version()


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip().lower() for v in values if v and v.strip()}))


def _text_fields(inc: Incident, postmortem_body: str, w: Weights) -> list[tuple[str, float]]:
    d = inc.data
    resolution = ""
    if d.resolution is not None:
        steps = " . ".join(s.action for s in d.resolution.steps)
        resolution = f"{d.resolution.summary} . {steps}"
    return [
        (d.title or "", w.title),
        (d.impact.summary if d.impact else "", w.impact),
        (d.root_cause.summary if d.root_cause else "", w.root_cause),
        (resolution, w.resolution),
        (inc.body, w.body),
        (postmortem_body, w.postmortem),
    ]


def extract_features(inc: Incident, postmortem_body: str = "", w: Weights = WEIGHTS) -> Features:
    """The analysis of one incident (and its postmortem's body)."""
    d = inc.data
    return Features(
        terms=weighted_counts(_text_fields(inc, postmortem_body, w)),
        services=_names(d.services or ()),
        tags=_names(d.tags),
        category=d.root_cause.category if d.root_cause else None,
        type=d.type,
        source=_source(d.detection.source if d.detection else None),
    )


def _source(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def _field_weights(w: Weights) -> tuple[float, ...]:
    return (w.title, w.impact, w.root_cause, w.resolution, w.body, w.postmortem)


def _doc_key(inc: Incident, repo: Repository, w: Weights) -> tuple[str, str]:
    """(content key, postmortem body) for an incident."""
    pm = repo.postmortem_of(inc.id) if inc.id else None
    key = f"{_VERSION}:{_field_weights(w)}:{inc.sha}:{pm.sha if pm else '-'}"
    return key, pm.body if pm else ""


@dataclass
class _Corpus:
    """The incidents being compared, in id order, with their features."""

    incidents: list[Incident]
    features: list[Features]
    keys: list[str]
    recomputed: int = 0


def _collect(repo: Repository, cache: Cache | None, w: Weights) -> _Corpus:
    incidents = sorted(repo.incident_by_id.values(), key=lambda i: i.id or "")
    stored = cache.load(_FEATURES_CACHE) if cache is not None else None
    cached: dict[str, tuple[str, Features]] = stored if isinstance(stored, dict) else {}
    corpus = _Corpus(incidents=incidents, features=[], keys=[])
    fresh: dict[str, tuple[str, Features]] = {}
    for inc in incidents:
        key, pm_body = _doc_key(inc, repo, w)
        hit = cached.get(inc.path)
        if hit is not None and hit[0] == key and isinstance(hit[1], Features):
            feats = hit[1]
        else:
            feats = extract_features(inc, pm_body, w)
            corpus.recomputed += 1
        fresh[inc.path] = (key, feats)
        corpus.features.append(feats)
        corpus.keys.append(key)
    if cache is not None and (corpus.recomputed or len(fresh) != len(cached)):
        cache.save(_FEATURES_CACHE, fresh)
    return corpus


# --- vectors ----------------------------------------------------------------


def _group_matrix(
    rows: Sequence[dict[str, float]], n_docs: int
) -> tuple[sp.csr_matrix, list[str], np.ndarray]:
    """Rows of term->tf as CSR with smooth idf, L2-normalised; plus vocabulary and df."""
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for row in rows:
        for term, tf in row.items():
            indices.append(vocab.setdefault(term, len(vocab)))
            data.append(tf)
        indptr.append(len(indices))
    cols = np.asarray(indices, dtype=np.int64)
    df = np.bincount(cols, minlength=len(vocab)).astype(np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    values = np.asarray(data, dtype=np.float64) * idf[cols] if len(cols) else np.zeros(0)
    matrix = sp.csr_matrix(
        (values, cols, np.asarray(indptr, dtype=np.int64)), shape=(len(rows), len(vocab))
    )
    return _l2_rows(matrix), list(vocab), df


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each row scaled to unit length (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def _codes(values: Sequence[str | None]) -> np.ndarray:
    """Categorical values as integer codes; -1 for absent (never equal)."""
    table: dict[str, int] = {}
    return np.array([-1 if v is None else table.setdefault(v, len(table)) for v in values],
                    dtype=np.int64)


@dataclass
class _Model:
    """The stacked, weighted matrix of a corpus and what reasons need."""

    z: sp.csr_matrix
    zt: sp.csr_matrix
    text: sp.csr_matrix
    vocab: list[str]
    service_idf: dict[str, float]
    category: np.ndarray
    type: np.ndarray
    weights: Weights = field(default_factory=Weights)


def _prune_text(text: sp.csr_matrix, df: np.ndarray, n_docs: int, w: Weights) -> sp.csr_matrix:
    """Drop columns that cannot (df < 2) or should not (df too high) link incidents."""
    keep = df >= 2
    if n_docs >= w.prune_min_docs:
        keep &= df <= max(2.0, w.max_df * n_docs)
    scale = sp.diags(keep.astype(np.float64))
    pruned = (text @ scale).tocsr()
    pruned.eliminate_zeros()
    return pruned


def _build_model(corpus: _Corpus, w: Weights) -> _Model:
    n = len(corpus.features)
    feats = corpus.features
    text, vocab, df = _group_matrix([f.terms for f in feats], n)
    text = _prune_text(text, df, n, w)
    services, service_vocab, service_df = _group_matrix(
        [dict.fromkeys(f.services, 1.0) for f in feats], n)
    tags, _, _ = _group_matrix([dict.fromkeys(f.tags, 1.0) for f in feats], n)
    sources, _, _ = _group_matrix([{f.source: 1.0} if f.source else {} for f in feats], n)
    z = sp.hstack([
        math.sqrt(w.text) * text,
        math.sqrt(w.services) * services,
        math.sqrt(w.tags) * tags,
        math.sqrt(w.source) * sources,
    ], format="csr")
    idf = np.log((1.0 + n) / (1.0 + service_df)) + 1.0
    return _Model(
        z=z, zt=z.T.tocsr(), text=text, vocab=vocab,
        service_idf=dict(zip(service_vocab, idf.tolist())),
        category=_codes([f.category for f in feats]),
        type=_codes([f.type for f in feats]),
        weights=w,
    )


def _top_k(model: _Model, start: int, stop: int, k: int) -> tuple[np.ndarray, ...]:
    """(rows, cols, scores) of the best k neighbours of rows start..stop-1."""
    w = model.weights
    product = (model.z[start:stop] @ model.zt).tocoo()
    rows = product.row.astype(np.int64) + start
    cols = product.col.astype(np.int64)
    scores = product.data.astype(np.float64)
    keep = rows != cols
    rows, cols, scores = rows[keep], cols[keep], scores[keep]
    for codes, weight in ((model.category, w.category), (model.type, w.type)):
        if weight > 0:
            same = (codes[rows] == codes[cols]) & (codes[rows] >= 0)
            scores = scores + weight * same
    keep = scores >= w.threshold
    rows, cols, scores = rows[keep], cols[keep], np.clip(scores[keep], 0.0, 1.0)
    order = np.lexsort((cols, -np.round(scores, 6), rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    if len(rows) == 0:
        return rows, cols, scores
    first = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    lengths = np.diff(np.r_[first, len(rows)])
    rank = np.arange(len(rows)) - np.repeat(first, lengths)
    keep = rank < k
    return rows[keep], cols[keep], scores[keep]


# --- reasons -------------------------------------------------------------


def _shared_terms(model: _Model, a: int, b: int, most: int = 4) -> list[str]:
    """The terms that weigh most in both texts; a bigram hides its own words."""
    ra, rb = model.text.getrow(a), model.text.getrow(b)
    common, ia, ib = np.intersect1d(ra.indices, rb.indices, assume_unique=True,
                                    return_indices=True)
    if len(common) == 0:
        return []
    weight = ra.data[ia] * rb.data[ib]
    chosen: list[str] = []
    covered: set[str] = set()
    for idx in np.argsort(-weight, kind="stable"):
        term = model.vocab[common[idx]]
        parts = term.split(" ")
        if term in covered or (len(parts) > 1 and all(p in covered for p in parts)):
            continue
        chosen.append(term)
        covered.update(parts)
        covered.add(term)
        if len(chosen) == most:
            break
    return chosen


def _reasons(model: _Model, corpus: _Corpus, a: int, b: int) -> tuple[str, ...]:
    fa, fb = corpus.features[a], corpus.features[b]
    out: list[str] = []
    services = sorted(set(fa.services) & set(fb.services),
                      key=lambda s: (-model.service_idf.get(s, 0.0), s))
    if services:
        label = "same service" if len(services) == 1 else "same services"
        out.append(f"{label} {', '.join(services)}")
    if fa.category is not None and fa.category == fb.category:
        out.append(f"same root cause category {fa.category}")
    tags = sorted(set(fa.tags) & set(fb.tags))
    if tags:
        out.append(f"shared tags: {', '.join(tags)}")
    if fa.source is not None and fa.source == fb.source:
        out.append(f"same detection source {fa.source}")
    if fa.type is not None and fa.type == fb.type and model.weights.type > 0:
        out.append(f"same type {fa.type}")
    terms = _shared_terms(model, a, b)
    if terms:
        out.append(f"shared terms: {', '.join(terms)}")
    return tuple(out)


# --- the engine -------------------------------------------------------------


class SimilarityIndex:
    """Neighbours of the incidents of a repository.

    `recomputed` says how many incidents had to be analysed afresh (the rest
    came from the cache).
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

    def _neighbours(self, start: int, stop: int, k: int) -> dict[str, list[Neighbour]]:
        out: dict[str, list[Neighbour]] = {
            inc.id or "": [] for inc in self.corpus.incidents[start:stop]}
        if len(self.corpus.incidents) < 2:
            return out
        model = self.model
        rows, cols, scores = _top_k(model, start, stop, k)
        incidents = self.corpus.incidents
        for a, b, score in zip(rows.tolist(), cols.tolist(), scores.tolist()):
            other = incidents[b]
            out[incidents[a].id or ""].append(Neighbour(
                id=other.id or "", title=other.title, path=other.path,
                score=round(score, 4), reasons=_reasons(model, self.corpus, a, b),
            ))
        return out

    def all(self, k: int) -> dict[str, list[Neighbour]]:
        """The best k neighbours of every incident."""
        out: dict[str, list[Neighbour]] = {}
        n = len(self.corpus.incidents)
        for start in range(0, max(n, 1), _BLOCK_ROWS):
            out.update(self._neighbours(start, min(start + _BLOCK_ROWS, n), k))
        return out

    def of(self, incident_id: str, k: int) -> list[Neighbour]:
        """The best k neighbours of one incident (KeyError when unknown)."""
        row = self.row_of[incident_id]
        return self._neighbours(row, row + 1, k)[incident_id]


def _cached_result(index: SimilarityIndex, k: int) -> dict[str, list[Neighbour]] | None:
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
    result = _cached_result(index, k)
    if result is None:
        result = index.all(k)
        if index.cache is not None:
            index.cache.save(_RESULT_CACHE, (index.digest(k), result))
    return {key: value[:limit] for key, value in result.items()}


def similar_to(
    repo: Repository, incident_id: str, limit: int = 5, *, use_cache: bool = True,
    weights: Weights = WEIGHTS,
) -> list[Neighbour]:
    """One incident's most similar others. Raises KeyError for an unknown id."""
    index = SimilarityIndex(repo, use_cache=use_cache, weights=weights)
    if incident_id not in index.row_of:
        raise KeyError(incident_id)
    result = _cached_result(index, _computed_k(limit))
    if result is not None and incident_id in result:
        return result[incident_id][:limit]
    return index.of(incident_id, limit)
