#!/usr/bin/python3
"""Where a checkpoint goes wrong on one question kind: its errors sorted by what went wrong, the size
of the asked object in the model's input, and a contact sheet of the frames as the model sees them.

  RTMM_BIN=... /usr/bin/python3 models/training/errors.py --checkpoint CKPT --kind color --out errors.png

Each tile is the model's input (the frame stretched to the bundle's square input, shown at twice its size), labelled with the
question, the right answer and the model's. The sheet needs ImageMagick's montage (Debian's imagemagick).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from train import HOLDOUT, ROOT, RTMM, Tokenizer, dataset_args, forward, load_model, make_batch, read_records  # noqa: E402


def category(q, predicted, colors):
    """One-vs-several mistakes apart from the rest: they are about counting the asked class, not about color."""
    if predicted == "several":
        return "answers 'several' for a lone object"
    if q["a"] == "several":
        return "names one answer when there are several" + (" (all of one color)" if len(set(colors)) == 1 else " (in different colors)")
    return "wrong answer about one object"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--kind", default="color")
    p.add_argument("--count", type=int, default=1000, help="scenes of the split")
    p.add_argument("--seed", type=int, default=2, help="2: the test split; 3: a validation split")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tiles", type=int, default=36)
    p.add_argument("--out", help="contact sheet (PNG or JPEG)")
    p.add_argument("--bundle", default=os.path.join(ROOT, "models/rtmm-tiny"), help="its manifest's mean and std undo the input's normalisation")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    vocab_file = os.path.join(tempfile.gettempdir(), "rtmm-vocab-errors.json")
    subprocess.run([RTMM, "dataset", "--vocab-out", vocab_file], check=True, stdout=subprocess.DEVNULL)
    meta = json.load(open(vocab_file))
    vocab, answers = meta["vocabulary"], meta["answers"]
    tok = Tokenizer(vocab, 24)
    model, _ = load_model(args.checkpoint, len(vocab), len(answers))
    model.eval()
    args.size, args.grid = model.vision.size, model.vision.grid
    proc = subprocess.Popen(dataset_args(args.seed, args.size, args.grid, args.count, favor=HOLDOUT, render="320x240", oov=0.05), stdout=subprocess.PIPE)
    records = list(read_records(proc.stdout, args.size, args.grid))
    asked, errors, right, total = [], [], {}, {}
    with torch.no_grad():
        for s in range(0, len(records), 50):
            chunk = records[s: s + 50]
            logits = forward(model, make_batch(chunk, tok, answers, args.grid, None, None))[2]
            probs = logits.softmax(1)
            qi = 0
            for meta_, image, _ in chunk:
                boxes = {o["id"]: o["box"] for o in meta_["objects"]}
                colors = {o["id"]: o["color"] for o in meta_["objects"]}
                for q in meta_["questions"]:
                    ok = answers[probs[qi].argmax().item()] == q["a"]
                    for k in (q["kind"], "overall"):
                        total[k] = total.get(k, 0) + 1
                        right[k] = right.get(k, 0) + ok
                    if q["kind"] == args.kind:
                        # the asked object's height in input pixels (the smallest, when several)
                        height = min((boxes[i][3] * args.size / meta_["height"] for i in q["ids"]), default=float("nan"))
                        asked.append(height)
                        predicted = answers[probs[qi].argmax().item()]
                        if predicted != q["a"]:
                            errors.append((q, predicted, [colors[i] for i in q["ids"]], probs[qi].max().item(), height, image))
                    qi += 1
    print("accuracy by kind: " + ", ".join(f"{k} {100 * right[k] / total[k]:.2f} ({total[k] - right[k]} of {total[k]} wrong)" for k in sorted(total)))
    print(f"{len(errors)} of {len(asked)} {args.kind} questions wrong ({100 - 100 * len(errors) / max(len(asked), 1):.2f}% right), "
          f"{args.count} scenes of seed {args.seed}")
    names = [category(q, pr, cols) for q, pr, cols, *_ in errors]
    for name in sorted(set(names)):
        print(f"  {name}: {names.count(name)}")
    heights = np.array([h for *_, h, _ in errors])
    all_heights = np.array(asked)
    small = args.size / 8  # an eighth of the input's side, a 2x2-cell object on the grid
    print(f"asked object's height in the {args.size}-pixel input: median {np.nanmedian(all_heights):.1f} px over all questions, "
          f"{np.nanmedian(heights):.1f} px over the wrong ones; under {small:.0f} px: {100 * np.mean(all_heights < small):.0f}% of questions, "
          f"{100 * np.mean(heights < small):.0f}% of errors")
    if not args.out:
        return
    image_spec = json.load(open(os.path.join(args.bundle, "manifest.json")))["image"]
    mean, std = np.array(image_spec["mean"]), np.array(image_spec["std"])
    with tempfile.TemporaryDirectory() as tmp:
        tiles = []
        for i, (q, predicted, _, confidence, height, image) in enumerate(errors[: args.tiles]):
            rgb = np.clip((image.astype(np.float32).transpose(1, 2, 0) * std + mean) * 255, 0, 255).astype(np.uint8)
            path = os.path.join(tmp, f"{i:03d}.ppm")
            with open(path, "wb") as f:
                f.write(b"P6 %d %d 255\n" % (rgb.shape[1], rgb.shape[0]))
                f.write(rgb.tobytes())
            tiles += ["-label", f"{q['q']}\n{q['a']} -> {predicted} ({confidence:.2f})", path]
        subprocess.run(["montage", "-font", "DejaVu-Sans", *tiles, "-geometry", f"{2 * args.size}x{2 * args.size}+4+4", "-pointsize", "11", "-tile", "6x", "-depth", "8", "-quality", "85", args.out], check=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
