#!/usr/bin/python3
"""Fits the next-basket item ranker (xgboost) on candidate rows exported by server/scoring/recommend/train-ranker.ts.

Input files in --data (little-endian raw arrays): <split>.x.f32 (rows x F), <split>.y.u8, <split>.group.i32 (rows per
customer, in order), <split>.truth.i32 (per customer: size of the true basket). Splits: `train`, and `valid`
(every candidate of held-out customers; used for early stopping and the card's Recall@K / NDCG@K).
Writes <out>/ranker.xgb.json and <out>/ranker.onnx (via models/xgb_onnx.py) and prints a JSON summary on stdout.

Use: /usr/bin/python3 models/ranker/train_ranker.py --data DIR --features F --out DIR
       [--objective binary:logistic|rank:pairwise|rank:ndcg] [--trees N] [--depth D] [--eta E] [--threads T]
       [--refit]   (refit on train+valid with the early-stopped tree count)
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from xgb_onnx import export_xgboost_json_to_onnx  # noqa: E402


def load(data_dir, split, nf):
    x = np.fromfile(os.path.join(data_dir, f"{split}.x.f32"), dtype="<f4")
    if x.size % nf:
        raise ValueError(f"{split}.x.f32 has {x.size} values, not a multiple of {nf} features")
    x = x.reshape(-1, nf)
    y = np.fromfile(os.path.join(data_dir, f"{split}.y.u8"), dtype=np.uint8).astype(np.float32)
    groups = np.fromfile(os.path.join(data_dir, f"{split}.group.i32"), dtype="<i4")
    truth = np.fromfile(os.path.join(data_dir, f"{split}.truth.i32"), dtype="<i4")
    if len(y) != len(x) or int(groups.sum()) != len(x) or len(truth) != len(groups):
        raise ValueError(f"{split}: rows, labels and groups disagree")
    return x, y, groups, truth


def ranking_metrics(scores, y, groups, truth, k):
    """Mean Recall@k and NDCG@k per customer (ideal DCG over min(k, basket size)); misses outside candidates count."""
    recall = ndcg = 0.0
    start = 0
    for g, t in zip(groups, truth):
        s = scores[start:start + g]
        lab = y[start:start + g]
        start += g
        order = np.argsort(-s, kind="stable")[:k]
        hits = lab[order]
        recall += hits.sum() / t
        dcg = float((hits / np.log2(np.arange(2, len(hits) + 2))).sum())
        idcg = float((1.0 / np.log2(np.arange(2, min(k, t) + 2))).sum())
        ndcg += dcg / idcg
    n = max(1, len(groups))
    return recall / n, ndcg / n


def dmatrix(x, y, groups, objective):
    d = xgb.DMatrix(x, label=y, missing=np.nan)
    if objective.startswith("rank:"):
        d.set_group(groups)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--features", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--objective", default="binary:logistic")
    ap.add_argument("--trees", type=int, default=400)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--eta", type=float, default=0.08)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--refit", action="store_true")
    a = ap.parse_args()

    t0 = time.time()
    xt, yt, gt, tt = load(a.data, "train", a.features)
    xv, yv, gv, tv = load(a.data, "valid", a.features)
    if yt.sum() == 0:
        raise ValueError("no positive training rows: nothing to learn")
    params = {
        "objective": a.objective,
        "eta": a.eta,
        "max_depth": a.depth,
        "min_child_weight": 5,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "lambda": 1.0,
        "tree_method": "hist",
        "nthread": a.threads,
        "seed": 7,
        "eval_metric": "ndcg@10" if a.objective.startswith("rank:") else "logloss",
    }
    dtrain = dmatrix(xt, yt, gt, a.objective)
    dvalid = dmatrix(xv, yv, gv, a.objective)
    booster = xgb.train(params, dtrain, num_boost_round=a.trees, evals=[(dvalid, "valid")],
                        early_stopping_rounds=40, verbose_eval=False)
    best = booster.best_iteration + 1
    scores = booster.predict(dvalid, iteration_range=(0, best), output_margin=True)
    recall10, ndcg10 = ranking_metrics(scores, yv, gv, tv, 10)
    recall20, ndcg20 = ranking_metrics(scores, yv, gv, tv, 20)
    fit_seconds = time.time() - t0

    if a.refit:
        dall = dmatrix(np.vstack([xt, xv]), np.concatenate([yt, yv]), np.concatenate([gt, gv]), a.objective)
        booster = xgb.train(params, dall, num_boost_round=best, verbose_eval=False)
    else:
        booster = booster[:best]  # the early-stopped trees, no second fit

    os.makedirs(a.out, exist_ok=True)
    model_path = os.path.join(a.out, "ranker.xgb.json")
    booster.save_model(model_path)
    info = export_xgboost_json_to_onnx(model_path, os.path.join(a.out, "ranker.onnx"), num_features=a.features)
    gain = booster.get_score(importance_type="gain")
    print(json.dumps({
        "objective": a.objective,
        "link": info["link"],
        "trees": best,
        "params": {k: v for k, v in params.items() if k not in ("nthread", "eval_metric")},
        "train_rows": int(len(yt)),
        "valid_rows": int(len(yv)),
        "valid_customers": int(len(gv)),
        "valid": {"recall@10": recall10, "ndcg@10": ndcg10, "recall@20": recall20, "ndcg@20": ndcg20},
        "refit_on_all": a.refit,
        "gain": {k: round(v, 3) for k, v in sorted(gain.items(), key=lambda kv: -kv[1])},
        "seconds": round(time.time() - t0, 1),
        "fit_seconds": round(fit_seconds, 1),
    }))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:
        print(f"train_ranker: {e}", file=sys.stderr)
        sys.exit(1)
