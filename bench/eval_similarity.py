"""Precision@k of `incidentkb similar` against a plain TF-IDF baseline.

The evaluation set is a knowledge-base root (default bench/eval) whose
incidents carry a theme label in `themes-*.json` files beside it (id -> theme).
For every labelled incident that has at least one other incident of its theme,
both engines return k neighbours; precision@k is the share of the k slots
holding an incident of the same theme. An empty slot (the engine hides
neighbours below its threshold) counts as a miss for the engine, and the number
of empty slots is reported too.

    python bench/eval_similarity.py [--root bench/eval] [--k 3] [--sweep]

Writes bench/out/eval-similarity.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from generator.repository import Repository, load_repository  # noqa: E402
from generator.similarity import WEIGHTS, Weights, similar_all  # noqa: E402


def load_labels(root: Path) -> dict[str, str]:
    """id -> theme, merged from every themes*.json file of the root."""
    labels: dict[str, str] = {}
    for path in sorted(root.glob("themes*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("themes"), dict):
            data = data["themes"]
        for key, theme in data.items():
            labels[str(key)] = str(theme)
    return labels


def baseline(repo: Repository, k: int) -> dict[str, list[str]]:
    """Plain TF-IDF (default settings) cosine over title and body, no threshold."""
    incidents = sorted(repo.incident_by_id.values(), key=lambda i: i.id or "")
    texts = [f"{i.title}\n{i.body}" for i in incidents]
    matrix = TfidfVectorizer().fit_transform(texts)
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, -1.0)
    out: dict[str, list[str]] = {}
    for row, inc in enumerate(incidents):
        order = np.argsort(-sims[row], kind="stable")[:k]
        out[inc.id or ""] = [incidents[j].id or "" for j in order]
    return out


def engine(repo: Repository, k: int, weights: Weights) -> dict[str, list[str]]:
    result = similar_all(repo, k, use_cache=False, weights=weights)
    return {key: [n.id for n in found] for key, found in result.items()}


def precision(
    neighbours: dict[str, list[str]], labels: dict[str, str], k: int
) -> dict[str, object]:
    """precision@k over labelled incidents that have a same-theme partner."""
    sizes = Counter(labels[i] for i in neighbours if i in labels)
    hits = slots = empty = queries = 0
    by_theme: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, found in neighbours.items():
        theme = labels.get(key)
        if theme is None or sizes[theme] < 2:
            continue
        queries += 1
        got = sum(1 for other in found[:k] if labels.get(other) == theme)
        hits += got
        slots += k
        empty += max(0, k - len(found[:k]))
        by_theme[theme][0] += got
        by_theme[theme][1] += k
    return {
        f"precision_at_{k}": round(hits / slots, 4) if slots else None,
        "queries": queries,
        "hits": hits,
        "empty_slots": empty,
        "by_theme": {t: round(h / s, 3) for t, (h, s) in sorted(by_theme.items())},
    }


def link_precision(repo: Repository, labels: dict[str, str], k: int,
                   weights: Weights) -> dict[str, object]:
    """At one threshold: how many of the k slots are filled, and how many right."""
    result = similar_all(repo, k, use_cache=False, weights=weights)
    shown = right = 0
    for key, found in result.items():
        if key not in labels:
            continue
        shown += len(found)
        right += sum(1 for n in found if labels.get(n.id) == labels[key])
    return {"threshold": weights.threshold, "shown": shown,
            "link_precision": round(right / shown, 4) if shown else None}


def sweep(repo: Repository, labels: dict[str, str], k: int) -> list[dict[str, object]]:
    """Threshold against precision@k, empty slots and the precision of shown links."""
    rows = []
    for threshold in (0.0, 0.1, 0.15, 0.2, 0.25, 0.3):
        w = dataclasses.replace(WEIGHTS, threshold=threshold)
        result = precision(engine(repo, k, w), labels, k)
        rows.append({**link_precision(repo, labels, k, w),
                     "precision": result[f"precision_at_{k}"],
                     "empty_slots": result["empty_slots"]})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=HERE / "eval")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "eval-similarity.json")
    parser.add_argument("--sweep", action="store_true", help="also print a weight grid")
    args = parser.parse_args(argv)

    labels = load_labels(args.root)
    if not labels:
        print(f"no themes*.json labels in {args.root}", file=sys.stderr)
        return 2
    repo = load_repository(args.root)
    missing = sorted(set(labels) - set(repo.incident_by_id))
    started = time.perf_counter()
    ours = precision(engine(repo, args.k, WEIGHTS), labels, args.k)
    engine_seconds = time.perf_counter() - started
    base = precision(baseline(repo, args.k), labels, args.k)
    # ablation: the same engine without the failure-mode lexicon
    no_lexicon = dataclasses.replace(WEIGHTS, concepts=0.0, text=WEIGHTS.text + WEIGHTS.concepts)
    ablated = precision(engine(repo, args.k, no_lexicon), labels, args.k)
    key = f"precision_at_{args.k}"
    report: dict[str, object] = {
        "root": str(args.root),
        "incidents": len(repo.incident_by_id),
        "labelled": len(labels),
        "labels_without_incident": missing,
        "themes": len(set(labels.values())),
        "k": args.k,
        "engine": {**ours, "seconds": round(engine_seconds, 3),
                   "weights": dataclasses.asdict(WEIGHTS)},
        "engine_without_lexicon": ablated,
        "baseline": {**base, "method": "TfidfVectorizer() cosine over title + body, no threshold"},
    }
    swept = sweep(repo, labels, args.k) if args.sweep else []
    if swept:
        report["sweep"] = swept
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(f"incidents: {report['incidents']}  labelled: {len(labels)}  themes: {report['themes']}"
          f"  queries: {ours['queries']}")
    print(f"{'':24} {key:>16} {'empty slots':>12}")
    print(f"{'engine':24} {ours[key]!s:>16} {ours['empty_slots']!s:>12}")
    print(f"{'engine without lexicon':24} {ablated[key]!s:>16} {ablated['empty_slots']!s:>12}")
    print(f"{'baseline (plain TF-IDF)':24} {base[key]!s:>16} {base['empty_slots']!s:>12}")
    print(f"engine time: {engine_seconds:.2f} s for {report['incidents']} incidents")
    if args.sweep:
        print("\nthreshold sweep (threshold: precision, empty slots, precision of shown links):")
        for row in swept:
            print(f"  {row['threshold']:<5} {row['precision']!s:>8} {row['empty_slots']!s:>5}"
                  f" {row['link_precision']!s:>8}")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
