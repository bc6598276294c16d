#!/usr/bin/python3
"""xgboost Booster -> ONNX ai.onnx.ml TreeEnsembleRegressor (our own exporter; no onnxmltools here).

The ONNX graph outputs the raw *margin* (sum of leaves + base margin), float32, shape [N, 1]; the caller applies
the link: sigmoid for binary:logistic, exp for count:poisson, identity for reg:squarederror and rankers.
`link_for_objective()` names it, and the CLI prints it as JSON on stdout.

Semantics kept exactly:
  * xgboost sends x to the "yes" (left) child when x < threshold, with float32 thresholds -> BRANCH_LT, thresholds
    stored as float32, truenodeids = left child.
  * missing values (NaN) follow default_left -> nodes_missing_value_tracks_true = default_left.
  * base_score: xgboost 1.7 stores it in output space; margin = logit(b) for binary:logistic, log(b) for
    count:poisson (and other log-link objectives), b otherwise. It goes into base_values.

Use:  /usr/bin/python3 models/xgb_onnx.py <model.json> <out.onnx> [--base-margin M]
  or  from xgb_onnx import export_xgboost_json_to_onnx   (path or parsed dict in, onnx bytes written/returned)
A get_dump(dump_format='json') list is accepted too; it carries no base score, so pass base_margin (default 0).
"""
import json
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

LOGISTIC = {"binary:logistic", "reg:logistic", "binary:logitraw"}
LOG_LINK = {"count:poisson", "reg:gamma", "reg:tweedie", "survival:cox"}


def link_for_objective(objective):
    if objective in ("binary:logistic", "reg:logistic"):
        return "logistic"
    if objective in LOG_LINK:
        return "exp"
    return "identity"


def base_margin_for(objective, base_score):
    if objective in ("binary:logistic", "reg:logistic"):
        return math.log(base_score / (1.0 - base_score))
    if objective in LOG_LINK:
        return math.log(base_score)
    return base_score


def _trees_from_model_json(model):
    learner = model["learner"]
    booster = learner["gradient_booster"]
    if booster.get("name") != "gbtree":
        raise ValueError(f"only gbtree boosters are supported, got {booster.get('name')}")
    mp = learner["learner_model_param"]
    if int(mp.get("num_class", "0")) > 1:
        raise ValueError("multi-class models are not supported")
    objective = learner["objective"]["name"]
    base_score = float(mp["base_score"])
    trees = []
    for t in booster["model"]["trees"]:
        if any(int(x) != 0 for x in t.get("split_type", [])):
            raise ValueError("categorical splits are not supported")
        left, right = t["left_children"], t["right_children"]
        nodes = []
        for i in range(len(left)):
            if left[i] == -1:
                nodes.append({"leaf": t["split_conditions"][i]})
            else:
                nodes.append({
                    "feature": t["split_indices"][i],
                    "threshold": t["split_conditions"][i],
                    "yes": left[i],
                    "no": right[i],
                    "default_left": bool(t["default_left"][i]),
                })
        trees.append(nodes)
    num_feature = int(mp.get("num_feature", "0"))
    return trees, objective, base_margin_for(objective, base_score), num_feature


def _trees_from_dump(dump):
    """get_dump(dump_format='json') entries: nested dicts (or JSON strings) with nodeid/yes/no/missing/children."""
    trees = []
    for entry in dump:
        root = json.loads(entry) if isinstance(entry, str) else entry
        flat = {}
        stack = [root]
        while stack:
            n = stack.pop()
            if "leaf" in n:
                flat[n["nodeid"]] = {"leaf": n["leaf"]}
            else:
                split = n["split"]
                feature = int(split[1:]) if isinstance(split, str) and split.startswith("f") else int(split)
                flat[n["nodeid"]] = {
                    "feature": feature,
                    "threshold": n["split_condition"],
                    "yes": n["yes"],
                    "no": n["no"],
                    "default_left": n["missing"] == n["yes"],
                }
                stack.extend(n["children"])
        # dump node ids are dense 0..n-1 for one tree
        trees.append([flat[i] for i in range(len(flat))])
    return trees


def export_xgboost_json_to_onnx(model, out_path=None, base_margin=None, num_features=None):
    """Builds the ONNX model. `model`: path to a save_model .json, its parsed dict, or a get_dump json list.
    Returns {"onnx": bytes, "objective", "link", "base_margin", "num_features", "trees"}; writes out_path if given."""
    if isinstance(model, str):
        with open(model, "r", encoding="utf-8") as f:
            model = json.load(f)
    if isinstance(model, list):
        trees = _trees_from_dump(model)
        objective = "unknown"
        margin = float(base_margin or 0.0)
        nf = num_features or 0
    else:
        trees, objective, margin, nf = _trees_from_model_json(model)
        if base_margin is not None:
            margin = float(base_margin)
    if num_features:
        nf = num_features
    return _emit(trees, objective, margin, nf, out_path, 1.0)


def export_xgboost_average_to_onnx(models, out_path=None, base_margin=0.0, num_features=None):
    """One ONNX model whose margin is base_margin + the mean of the given boosters' tree sums (seed bagging).
    `models`: save_model .json paths or parsed dicts, all of one objective; their own base scores are ignored."""
    trees, objective, nf = [], None, 0
    for m in models:
        if isinstance(m, str):
            with open(m, "r", encoding="utf-8") as f:
                m = json.load(f)
        t, obj, _, n = _trees_from_model_json(m)
        if objective is not None and obj != objective:
            raise ValueError(f"cannot average {objective} with {obj}")
        objective, nf = obj, max(nf, n)
        trees.extend(t)
    if not models:
        raise ValueError("no models to average")
    return _emit(trees, objective, float(base_margin), num_features or nf, out_path, 1.0 / len(models))


def _emit(trees, objective, margin, nf, out_path, leaf_scale):
    if not nf:
        nf = 1 + max((n["feature"] for t in trees for n in t if "feature" in n), default=0)

    tree_ids, node_ids, feature_ids, modes, values = [], [], [], [], []
    true_ids, false_ids, missing_true = [], [], []
    t_tree, t_node, t_target, t_weight = [], [], [], []
    for ti, nodes in enumerate(trees):
        for ni, n in enumerate(nodes):
            tree_ids.append(ti)
            node_ids.append(ni)
            if "leaf" in n:
                feature_ids.append(0)
                modes.append("LEAF")
                values.append(0.0)
                true_ids.append(0)
                false_ids.append(0)
                missing_true.append(0)
                t_tree.append(ti)
                t_node.append(ni)
                t_target.append(0)
                t_weight.append(float(np.float32(n["leaf"])) * leaf_scale)
            else:
                feature_ids.append(int(n["feature"]))
                modes.append("BRANCH_LT")
                values.append(float(np.float32(n["threshold"])))
                true_ids.append(int(n["yes"]))
                false_ids.append(int(n["no"]))
                missing_true.append(1 if n["default_left"] else 0)

    node = helper.make_node(
        "TreeEnsembleRegressor",
        inputs=["input"],
        outputs=["margin"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[float(margin)],
        nodes_treeids=tree_ids,
        nodes_nodeids=node_ids,
        nodes_featureids=feature_ids,
        nodes_modes=modes,
        nodes_values=values,
        nodes_truenodeids=true_ids,
        nodes_falsenodeids=false_ids,
        nodes_missing_value_tracks_true=missing_true,
        target_treeids=t_tree,
        target_nodeids=t_node,
        target_ids=t_target,
        target_weights=t_weight,
    )
    graph = helper.make_graph(
        [node],
        "xgboost_margin",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, nf])],
        [helper.make_tensor_value_info("margin", TensorProto.FLOAT, [None, 1])],
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 1)],
        producer_name="store-appliance-xgb_onnx",
    )
    onnx_model.ir_version = 8
    meta = {"objective": objective, "link": link_for_objective(objective), "base_margin": margin, "num_features": nf}
    for k, v in meta.items():
        entry = onnx_model.metadata_props.add()
        entry.key = k
        entry.value = str(v)
    onnx.checker.check_model(onnx_model)
    data = onnx_model.SerializeToString()
    if out_path:
        with open(out_path, "wb") as f:
            f.write(data)
    return {"onnx": data, "trees": len(trees), **meta}


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    base_margin = None
    if "--base-margin" in argv:
        i = argv.index("--base-margin")
        base_margin = float(argv[i + 1])
        args = [a for a in args if a != argv[i + 1]]
    if len(args) != 2:
        print("usage: xgb_onnx.py <model.json> <out.onnx> [--base-margin M]", file=sys.stderr)
        return 2
    try:
        info = export_xgboost_json_to_onnx(args[0], args[1], base_margin=base_margin)
    except (OSError, ValueError, KeyError) as e:
        print(f"xgb_onnx: {e}", file=sys.stderr)
        return 1
    info.pop("onnx")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
