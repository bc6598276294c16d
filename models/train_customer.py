#!/usr/bin/python3
"""Fits the two customer models from snapshot matrices written by server/scoring/customer-training.ts.

Usage: train_customer.py <work_dir> <out_dir>
work_dir holds meta.json ({rows, features, xgb, drop, targets: the models to fit, default both}), X.f32 (rows × features, NaN = missing), and per row (float32):
y_any.f32 (bought in the label window), y_count.f32 (purchase days in it), off_any.f32 (logit of BG/NBD's
P(any purchase in the label window)), off_count.f32 (log of BG/NBD's expected purchases in it), fold.f32
(0 = internal validation customers).

Both models learn a correction on top of the BG/NBD offset (xgboost base_margin), so snapshots whose label window
is shorter than the horizon still teach the right thing: the offset carries the window length.
For each model: early stopping on the validation customers, then a refit on everyone with that many rounds;
writes <name>.json (xgboost), <name>.onnx (margin without the offset), and a JSON report on stdout.
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xgb_onnx import export_xgboost_average_to_onnx  # noqa: E402

BAG_SEEDS = 1  # 3 and 5 made no difference on internal CDNOW splits (tune-internal.ts)

PARAMS = {
    "tree_method": "hist",
    "max_depth": 4,
    "eta": 0.1,
    "min_child_weight": 20,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "lambda": 5.0,
    "nthread": 2,
    "seed": 1,
}


def load(work, name, rows, cols=1):
    a = np.fromfile(os.path.join(work, name), dtype=np.float32)
    return a.reshape(rows, cols) if cols > 1 else a


def fit_one(name, objective, X, y, off, fold, out_dir, extra=None):
    params = {**PARAMS, "objective": objective, **(extra or {})}
    seeds = int(params.pop("bag_seeds", BAG_SEEDS))
    tr, va = fold != 0, fold == 0
    metric = "logloss" if objective == "binary:logistic" else "poisson-nloglik"
    params["eval_metric"] = metric
    report = {}
    if tr.sum() >= 20 and va.sum() >= 5:
        dtr = xgb.DMatrix(X[tr], label=y[tr], base_margin=off[tr], missing=np.nan)
        dva = xgb.DMatrix(X[va], label=y[va], base_margin=off[va], missing=np.nan)
        first = xgb.train(params, dtr, num_boost_round=1500, evals=[(dva, "valid")], early_stopping_rounds=50, verbose_eval=False)
        rounds = first.best_iteration + 1
        pred_va = first.predict(dva, iteration_range=(0, rounds))
        if objective == "binary:logistic":
            base_va = 1 / (1 + np.exp(-off[va]))
            both = 0 < y[va].sum() < va.sum()  # AUC needs buyers and non-buyers
            report = {
                "valid_auc_model": float(roc_auc_score(y[va], pred_va)) if both else None,
                "valid_auc_bgnbd": float(roc_auc_score(y[va], base_va)) if both else None,
                "valid_logloss_model": float(first.best_score),
            }
        else:
            base_va = np.exp(off[va])
            report = {
                "valid_mae_model": float(np.mean(np.abs(pred_va - y[va]))),
                "valid_mae_bgnbd": float(np.mean(np.abs(base_va - y[va]))),
                "valid_total_model": float(pred_va.sum()),
                "valid_total_bgnbd": float(base_va.sum()),
                "valid_total_actual": float(y[va].sum()),
            }
    else:
        # too few customers for a validation split: a short, fixed number of rounds
        rounds = 50
        report = {"note": "too few rows for internal validation; 50 rounds without early stopping"}
    # the refit on everyone is bagged over seeds (their margins averaged in one ONNX model): less seed noise
    dall = xgb.DMatrix(X, label=y, base_margin=off, missing=np.nan)
    n_check = min(2000, X.shape[0])
    dcheck = xgb.DMatrix(X[:n_check], base_margin=np.zeros(n_check, dtype=np.float32), missing=np.nan)
    paths, check = [], np.zeros(n_check, dtype=np.float64)
    for k in range(seeds):
        booster = xgb.train({**params, "seed": params["seed"] + k}, dall, num_boost_round=rounds, verbose_eval=False)
        json_path = os.path.join(out_dir, f"{name}.{k}.xgb.json")
        booster.save_model(json_path)
        paths.append(json_path)
        check += booster.predict(dcheck, output_margin=True) / seeds
    # with a base_margin xgboost ignores base_score: the ONNX margin is the trees alone, TS adds the offset
    info = export_xgboost_average_to_onnx(paths, os.path.join(out_dir, f"{name}.onnx"), base_margin=0.0, num_features=X.shape[1])
    # xgboost's own (averaged) margins on the first rows, for the TS-side ONNX parity check
    check.astype(np.float32).tofile(os.path.join(out_dir, f"{name}.check.f32"))
    report["seeds"] = seeds
    report.update({"rounds": rounds, "trees": info["trees"], "objective": objective, "link": info["link"], "check_rows": n_check})
    return report


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    work, out_dir = argv
    with open(os.path.join(work, "meta.json")) as f:
        meta = json.load(f)
    rows, cols = meta["rows"], meta["features"]
    PARAMS.update(meta.get("xgb", {}))
    X = load(work, "X.f32", rows, cols)
    drop = meta.get("drop", [])
    if drop:
        X = X.copy()
        X[:, drop] = np.nan  # never split on these: the trees send every row the same way
    fold = load(work, "fold.f32", rows)
    targets = meta.get("targets", ["p_purchase", "expected_purchases"])
    report = {"params": {**PARAMS, "bag_seeds": PARAMS.get("bag_seeds", BAG_SEEDS)}, "rows": rows}
    if "p_purchase" in targets:
        report["p_purchase"] = fit_one("p_purchase", "binary:logistic", X, load(work, "y_any.f32", rows), load(work, "off_any.f32", rows), fold, out_dir)
    if "expected_purchases" in targets:
        report["expected_purchases"] = fit_one(
            "expected_purchases", "count:poisson", X, load(work, "y_count.f32", rows), load(work, "off_count.f32", rows), fold, out_dir,
            {"max_delta_step": 0.7},
        )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
