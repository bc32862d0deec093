#!/usr/bin/python3
"""Score a trained checkpoint on the held-out test split with PyTorch, the number `rtmm eval` must match.

  RTMM_BIN=... /usr/bin/python3 models/training/evaluate.py --checkpoint /tmp/rtmm-train.pt --count 1000 --out eval-python.json
"""
import argparse
import json
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from train import HOLDOUT, RTMM, Tokenizer, dataset_args, evaluate, load_model, read_records  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    vocab_file = "/tmp/rtmm-vocab-eval.json"
    subprocess.run([RTMM, "dataset", "--vocab-out", vocab_file], check=True, stdout=subprocess.DEVNULL)
    meta = json.load(open(vocab_file))
    vocab, answers = meta["vocabulary"], meta["answers"]
    model, _ = load_model(args.checkpoint, len(vocab), len(answers))
    size, grid = model.vision.size, model.vision.grid
    proc = subprocess.Popen(dataset_args(2, size, grid, args.count, favor=HOLDOUT, render="320x240", oov=0.05), stdout=subprocess.PIPE)
    test = list(read_records(proc.stdout, size, grid))
    result = evaluate(model, test, Tokenizer(vocab, 24), answers, grid, HOLDOUT)
    print(json.dumps(result))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
