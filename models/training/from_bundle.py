#!/usr/bin/python3
"""A training checkpoint rebuilt from a shipped bundle, for a machine that holds the bundle but not the
checkpoint it was exported from (a fresh checkout, a device machine): fine-tunes resume from it.

The bundle holds every weight the runtime uses; what it lacks is rebuilt and checked:
  - the fusion: fusion.safetensors is its state dict, as is;
  - the text encoder: text.onnx's initialisers; the linear layers' weights were exported transposed as
    MatMul inputs, and are named by the bias their product is added to;
  - the vision encoder: vision.onnx's initialisers, its convolutions with their BatchNorm folded in.
    Each BatchNorm is rebuilt around the folded convolution so that it is the same function in
    evaluation (exactly) and in training (its batch statistics are the ones measured here on training
    scenes): running mean m and variance v of the folded convolution's output, scale sqrt(v + eps),
    shift m + the folded bias;
  - the training-only parts the export drops (the dense auxiliary heads and the contrastive
    temperature): fitted on training scenes with everything else frozen (--settle-steps).
The rebuilt model is exported again and its weights compared with the bundle's (largest differences printed).

  RTMM_BIN=... /usr/bin/python3 models/training/from_bundle.py --bundle models/rtmm-tiny --out /tmp/shipped.pt
"""
import argparse
import contextlib
import copy
import io
import json
import os
import random
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from export import export_bundle, read_safetensors  # noqa: E402
from model import Model  # noqa: E402
from train import HOLDOUT, Stream, Tokenizer, dataset_args, losses, make_batch, save  # noqa: E402


def onnx_weights(path, prefix):
    """Initialisers of an exported encoder as state-dict entries (without `prefix`), plus its folded
    convolutions in graph order as (weight, bias) pairs."""
    graph = onnx.load(path).graph
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    state = {name[len(prefix):]: t for name, t in init.items() if name.startswith(prefix)}
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in init:
            add = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
            bias = [name for n in add for name in n.input if name.startswith(prefix) and name.endswith(".bias")]
            if len(bias) != 1:
                raise ValueError(f"{path}: MatMul {node.input[1]} is not followed by one bias Add")
            state[bias[0][len(prefix):-len("bias")] + "weight"] = init[node.input[1]].t().contiguous()
    convs = [(init[n.input[1]], init[n.input[2]]) for n in graph.node if n.op_type == "Conv" and len(n.input) == 3 and n.input[1].startswith("onnx::")]
    return state, convs


def training_images(size, grid, count, seed=1, start=990_000_000):
    """`count` training scenes (from far beyond any phase's scenes) as records (meta, image, labels)."""
    stream = Stream([dataset_args(seed, size, grid, exclude=HOLDOUT, start=start, same_class=0.4, questions=20, edge=0.2, min_objects=0)], size, grid)
    records = stream.take(count)
    stream.close()
    return records


@torch.no_grad()
def rebuild_batchnorms(model, convs, images):
    """Each body block is Conv(no bias) -> BatchNorm -> ReLU; the bundle holds Conv+BN folded."""
    x = images
    for block, (weight, bias) in zip(model.vision.body, convs):
        conv, bn = block[0], block[1]
        conv.weight.copy_(weight)
        y = conv(x)
        m, v = y.mean((0, 2, 3)), y.var((0, 2, 3), unbiased=False)
        bn.running_mean.copy_(m)
        bn.running_var.copy_(v)
        bn.weight.copy_((v + bn.eps).sqrt())
        bn.bias.copy_(m + bias)
        x = F.relu(y + bias[None, :, None, None])


def settle(model, records, tok, answers, grid, steps, batch):
    """Fit the auxiliary heads and the temperature on frozen encoders (the loss is the training loss)."""
    model.eval()  # the frozen encoders keep their statistics; the heads are linear
    heads = list(model.vision.aux_class.parameters()) + list(model.vision.aux_color.parameters()) + list(model.vision.aux_center.parameters())
    for p in model.parameters():
        p.requires_grad_(False)
    for p in heads + [model.logit_scale]:
        p.requires_grad_(True)
    # the log-temperature moves ~lr a step under Adam: from log(1/0.07) to the trained model's it needs a larger one
    opt = torch.optim.Adam([{"params": heads, "lr": 3e-3}, {"params": [model.logit_scale], "lr": 3e-2}])
    rng = random.Random(1)
    for step in range(steps):
        chunk = rng.sample(records, batch)
        loss, parts = losses(model, make_batch(chunk, tok, answers, grid, 4, rng), grid)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 25 == 0:
            print(f"settle {step + 1}/{steps}: dense {parts['dense']:.3f} infonce {parts['infonce']:.3f} "
                  f"temperature 1/{model.logit_scale.exp().item():.1f}", flush=True)
    for p in model.parameters():
        p.requires_grad_(True)


def compare(model, bundle, size, grid):
    """Largest difference between each of the bundle's weight files and the rebuilt model exported
    the same way (the BatchNorms fold back into the convolutions)."""
    with tempfile.TemporaryDirectory() as out:
        quiet = argparse.Namespace(out=out, size=size, grid=grid)
        with contextlib.redirect_stdout(io.StringIO()):
            export_bundle(copy.deepcopy(model), [], [], quiet, {"holdout_pairs": HOLDOUT})
        diffs = {}
        for name in ["vision.onnx", "text.onnx", "fusion.onnx"]:
            a, b = (onnx.load(os.path.join(d, name)).graph.initializer for d in (bundle, out))
            if len(a) != len(b):
                raise SystemExit(f"{bundle}/{name}: {len(a)} weights, the rebuilt model exports {len(b)}")
            diffs[name] = max(float(np.abs(numpy_helper.to_array(x) - numpy_helper.to_array(y)).max()) for x, y in zip(a, b))
    return diffs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", default="models/rtmm-tiny")
    p.add_argument("--out", required=True)
    p.add_argument("--scenes", type=int, default=512, help="training scenes for the BatchNorm statistics and the settling")
    p.add_argument("--settle-steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)

    manifest = json.load(open(os.path.join(args.bundle, "manifest.json")))
    training = json.load(open(os.path.join(args.bundle, "training.json")))
    vocab = json.load(open(os.path.join(args.bundle, "vocab.json")))
    answers = manifest["answers"]
    size, grid = manifest["image"]["width"], manifest["grid"]["width"]
    tok = Tokenizer(vocab, manifest["dims"]["max_tokens"])
    model = Model(len(vocab), len(answers), grid=grid, max_len=manifest["dims"]["max_tokens"], pos_base=training["pos_base"])

    state = {"fusion." + k: torch.from_numpy(v) for k, v in read_safetensors(os.path.join(args.bundle, "fusion.safetensors")).items()}
    text, _ = onnx_weights(os.path.join(args.bundle, "text.onnx"), "m.")
    vision, convs = onnx_weights(os.path.join(args.bundle, "vision.onnx"), "m.")
    state.update(text)
    state.update(vision)
    missing, unexpected = model.load_state_dict(state, strict=False)
    rebuilt = {k for k in missing if k.startswith("vision.body.") or k.startswith("vision.aux_") or k == "logit_scale"}
    if unexpected or set(missing) - rebuilt:
        raise ValueError(f"{args.bundle}: weights the model does not have {unexpected}, or lacks {sorted(set(missing) - rebuilt)}")
    if len(convs) != len(model.vision.body):
        raise ValueError(f"{args.bundle}: vision.onnx has {len(convs)} folded convolutions, the model {len(model.vision.body)}")

    print(f"rendering {args.scenes} training scenes at {size}x{size}...", flush=True)
    records = training_images(size, grid, args.scenes)
    images = torch.from_numpy(np.stack([r[1] for r in records]).astype(np.float32))
    rebuild_batchnorms(model, convs, images)
    settle(model, records, tok, answers, grid, args.settle_steps, args.batch)

    diffs = compare(model, args.bundle, size, grid)
    print("max |rebuilt - bundle| over each file's weights: " + ", ".join(f"{k} {d:.2e}" for k, d in diffs.items()), flush=True)
    if max(diffs.values()) > 1e-3:
        raise SystemExit(f"{args.bundle}: the rebuilt model does not match the bundle (largest difference {max(diffs.values()):.2e})")

    save(model, args.out)
    with open(args.out + ".json", "w") as f:
        json.dump({**{k: v for k, v in training.items() if k != "python_eval"}, "rebuilt_from": os.path.abspath(args.bundle)}, f, indent=2)
    print(f"wrote {args.out} ({training['steps']} steps, {size}x{size})", flush=True)


if __name__ == "__main__":
    main()
