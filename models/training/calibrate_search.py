#!/usr/bin/python3
"""Calibrate the bundle's text-search match threshold and write it into manifest.json (retrieval.match_threshold).

On the test split (seed 2), each frame is paired with one single-object query it shows ("a red car")
and one it does not (a class-color pair absent from it). The threshold is the cosine similarity that
best separates the two (highest balanced accuracy); text search reports "no match" below it and
alerts fire above it.

  RTMM_BIN=... /usr/bin/python3 models/training/calibrate_search.py --checkpoint CKPT --bundle models/rtmm-tiny [--count 1000]
"""
import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from train import HOLDOUT, RTMM, Tokenizer, dataset_args, load_model, read_records, search_query as query  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--bundle", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    vocab_file = "/tmp/rtmm-vocab-calibrate.json"
    subprocess.run([RTMM, "dataset", "--vocab-out", vocab_file], check=True, stdout=subprocess.DEVNULL)
    meta = json.load(open(vocab_file))
    vocab, answers = meta["vocabulary"], meta["answers"]
    model, _ = load_model(args.checkpoint, len(vocab), len(answers))
    model.eval()
    size, grid = model.vision.size, model.vision.grid
    tok = Tokenizer(vocab, 24)
    test = list(read_records(subprocess.Popen(dataset_args(2, size, grid, args.count, favor=HOLDOUT, render="320x240", oov=0.0),
                                              stdout=subprocess.PIPE).stdout, size, grid))
    classes = sorted({o["class"] for m, _, _ in test for o in m["objects"]})
    colors = sorted({o["color"] for m, _, _ in test for o in m["objects"]})
    rng = random.Random(7)
    pos, neg = [], []
    with torch.no_grad():
        for s in range(0, len(test), 100):
            chunk = test[s: s + 100]
            _, img = model.vision(torch.from_numpy(np.stack([r[1] for r in chunk]).astype(np.float32)))
            texts, kinds = [], []
            for m, _, _ in chunk:
                present = {(o["class"], o["color"]) for o in m["objects"]}
                c, k = rng.choice(sorted(present))
                texts.append(query(c, k))
                while True:
                    c, k = rng.choice(classes), rng.choice(colors)
                    if (c, k) not in present:
                        break
                texts.append(query(c, k))
            _, emb = model.text(torch.tensor([tok.encode(t) for t in texts]))
            sims = (emb.view(len(chunk), 2, -1) * img[:, None, :]).sum(-1)
            pos += sims[:, 0].tolist()
            neg += sims[:, 1].tolist()
    pos, neg = np.array(pos), np.array(neg)
    candidates = np.unique(np.concatenate([pos, neg]))
    balanced = [((pos >= t).mean() + (neg < t).mean()) / 2 for t in candidates]
    best = int(np.argmax(balanced))
    threshold = float(candidates[best])
    stats = {"match_threshold": round(threshold, 4), "balanced_accuracy": round(float(balanced[best]) * 100, 2),
             "frames": len(test), "shown_median": round(float(np.median(pos)), 4), "absent_median": round(float(np.median(neg)), 4),
             "calibrated_on": f"test split seed 2, {len(test)} frames, one shown and one absent single-object query each"}
    path = os.path.join(args.bundle, "manifest.json")
    manifest = json.load(open(path))
    manifest["retrieval"] = stats
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
