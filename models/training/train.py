#!/usr/bin/python3
"""Train RealtimeMM's model on generated scenes and export the bundle.

Data comes from the project's own scene generator (`rtmm dataset`), streamed as binary records:
fresh seeded scenes, preprocessed exactly as the runtime does. Losses:
  - answer cross-entropy over the answer vocabulary (fusion [CLS]);
  - InfoNCE between image and caption embeddings (CLIP-style, symmetric, learned temperature);
  - dense auxiliary losses on the patch grid: class, color and object-center per cell, from the
    generator's masks. They make every patch token say what is there and in which color, so
    cross-attention only has to find the right patches: this is what removes the long plateau
    where a plain model names any color in the picture instead of binding color to object;
  - a grounding loss: the [CLS] cross-attention (last layer, mean over heads) should put its mass on
    the cells of the objects the question is about (the pointing game, trained directly).

Run (Debian 12): apt-get install python3-torch python3-onnx python3-numpy libopenblas0-openmp
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 models/training/train.py \
      --minutes 40 --out models/rtmm-tiny
"""
import argparse
import copy
import ctypes
import json
import math
import os
import queue
import random
import re
import signal
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from model import Model, VisionEncoder  # noqa: E402

HOLDOUT = ["car:green", "dog:blue", "ball:purple", "house:pink", "tree:red", "bus:yellow"]
WORLD = None  # a world file (--world): every `rtmm dataset` draws and asks about that world
DEVICE = torch.device("cpu")  # set by --device
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# a copy of the build, so rebuilding the project does not pull the files from under a long run
RTMM = os.environ.get("RTMM_BIN", os.path.join(ROOT, "src/rtmm/bin/Release/net10.0/rtmm"))


def words(text):
    return re.sub(r"[^a-z0-9']+", " ", text.lower()).split()


class Tokenizer:
    def __init__(self, vocab, max_len):
        self.ids = {w: i for i, w in enumerate(vocab)}
        self.max_len = max_len

    def encode(self, text):
        ids = [1] + [self.ids.get(w, 2) for w in words(text)]
        ids = ids[: self.max_len]
        return ids + [0] * (self.max_len - len(ids))


def read_records(stream, size, grid):
    tensor_bytes, label_bytes = 3 * size * size * 2, 3 * grid * grid
    while True:
        head = stream.read(4)
        if len(head) < 4:
            return
        (n,) = struct.unpack("<I", head)
        meta = json.loads(stream.read(n))
        image = np.frombuffer(stream.read(tensor_bytes), dtype=np.float16).reshape(3, size, size)
        labels = np.frombuffer(stream.read(label_bytes), dtype=np.uint8).reshape(3, grid, grid)
        yield meta, image, labels


def dataset_args(seed, size, grid, count=0, start=0, exclude=None, favor=None, render="224x168", oov=0.05, same_class=0.0, questions=10,
                 edge=0.0, min_objects=1, same_color=0.0, randomise=0.0, photos=None):
    args = [RTMM, "dataset", "--seed", str(seed), "--input", str(size), "--grid", str(grid), "--count", str(count),
            "--start", str(start), "--size", render, "--oov-rate", str(oov)]
    if same_class:  # the defaults stay off the command line, so the test split's scenes never change
        args += ["--same-class-rate", str(same_class)]
    if same_color:
        args += ["--same-color-rate", str(same_color)]
    if questions != 10:
        args += ["--questions", str(questions)]
    if edge:
        args += ["--edge-rate", str(edge)]
    if min_objects != 1:
        args += ["--min-objects", str(min_objects)]
    if randomise:  # domain randomisation: several drawing styles, photo backgrounds and clutter, occluders
        args += ["--randomise", str(randomise)] + (["--photos", photos] if photos else [])
    if WORLD:
        args += ["--world", WORLD]
    if exclude:
        args += ["--exclude", *exclude]
    if favor:
        args += ["--favor", *favor]
    return args


_PRCTL = ctypes.CDLL(None).prctl  # looked up here: the forked child must not load libraries (another thread may hold the loader's lock)


def _die_with_parent():
    """In a producer before it starts: the kernel kills it when the trainer goes, however it goes (a
    killed trainer used to leave its producer rendering, slowing the next run)."""
    _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Stream:
    """Endless training samples from `rtmm dataset` processes (one background thread each, one queue).
    With one producer the order is fixed by the seed; with several it depends on their timing."""

    def __init__(self, producers, size, grid, depth=1024):
        self.procs = [subprocess.Popen(args, stdout=subprocess.PIPE, bufsize=1 << 20, preexec_fn=_die_with_parent) for args in producers]
        self.q = queue.Queue(depth)
        self.size, self.grid = size, grid
        self.closing = False
        for proc in self.procs:
            threading.Thread(target=self._run, args=(proc,), daemon=True).start()

    def _run(self, proc):
        try:
            for rec in read_records(proc.stdout, self.size, self.grid):
                self.q.put(rec)
        except ValueError:
            if not self.closing:  # a cut record is an error, unless close() killed the producer mid-record
                raise
        self.q.put(None)

    def take(self, n):
        out = [self.q.get() for _ in range(n)]
        if any(r is None for r in out):
            raise RuntimeError("the dataset stream ended")
        return out

    def close(self):
        self.closing = True
        for proc in self.procs:
            proc.kill()


def cells_of(box, width, height, grid):
    """Grid cells (flat indices) a box [x, y, w, h] in render pixels touches."""
    x, y, w, h = box
    x0, x1 = int(x * grid / width), min(grid - 1, int((x + w - 1) * grid / width))
    y0, y1 = int(y * grid / height), min(grid - 1, int((y + h - 1) * grid / height))
    return [r * grid + c for r in range(y0, y1 + 1) for c in range(x0, x1 + 1)]


def hardness(q):
    """2 for "the car on the left" between two cars (a relation between objects), 1 for "the car"
    when there are several (the answer says so), 0 for the rest."""
    if q["kind"] != "color":
        return 0
    return 2 if " on the left" in q["q"] or " on the right" in q["q"] else 1 if q["a"] == "several" else 0


def pick_questions(qs, per_image, rng, hard_weight, color_weight=1.0):
    """per_image questions of a scene, drawn without replacement; relational ones hard_weight times
    as likely, "several" ones half that, any color question at least color_weight times."""
    if hard_weight == 1 and color_weight == 1:
        return rng.sample(qs, min(per_image, len(qs)))
    pool, chosen = list(qs), []
    scale = [1.0, max(1.0, hard_weight / 2), hard_weight]
    while pool and len(chosen) < per_image:
        weights = [max(scale[hardness(q)], color_weight if q["kind"] == "color" else 1.0) for q in pool]
        chosen.append(pool.pop(rng.choices(range(len(pool)), weights)[0]))
    return chosen


def make_batch(records, tok, answers, grid, per_image, rng, hard_weight=1.0, ground_hard=1.0, color_weight=1.0):
    images = torch.from_numpy(np.stack([r[1] for r in records]).astype(np.float32))
    labels = torch.from_numpy(np.stack([r[2] for r in records]).astype(np.int64))
    captions = torch.tensor([tok.encode(r[0]["caption"]) for r in records])
    # one single-object search query per image ("a red car"), and which images of the batch show it
    pairs = [{(o["class"], o["color"]) for o in r[0]["objects"]} for r in records]
    picks = [sorted(p)[(rng or random).randrange(len(p))] if p else None for p in pairs]
    queries = torch.tensor([tok.encode(search_query(*pick) if pick else "nothing") for pick in picks])
    shows = torch.tensor([[float(pick in p if pick else not p) for p in pairs] for pick in picks])
    q_img, q_tok, q_ans, q_ground, q_weight = [], [], [], [], []
    for i, (meta, _, _) in enumerate(records):
        qs = meta["questions"]
        chosen = qs if per_image is None else pick_questions(qs, per_image, rng, hard_weight, color_weight)
        boxes = {o["id"]: o["box"] for o in meta["objects"]}
        for q in chosen:
            q_img.append(i)
            q_tok.append(tok.encode(q["q"]))
            q_ans.append(answers.index(q["a"]))
            mask = torch.zeros(grid * grid + 1)
            for oid in q["ids"]:
                mask[cells_of(boxes[oid], meta["width"], meta["height"], grid)] = 1
            q_ground.append(mask)
            q_weight.append(ground_hard if hardness(q) == 2 else 1.0)
    batch = (images, labels, captions, torch.tensor(q_img), torch.tensor(q_tok), torch.tensor(q_ans), torch.stack(q_ground), torch.tensor(q_weight),
             queries, shows)
    return tuple(t.to(DEVICE, non_blocking=True) for t in batch)


def search_query(cls, color):
    """A text search for one object, as users type it and as `rtmm calibrate` and `rtmm eval` ask it."""
    return f"{'an' if color[0] in 'aeiou' else 'a'} {color} {cls}"


def forward(model, batch):
    images, labels, captions, q_img, q_tok, q_ans, q_ground, q_weight = batch[:8]
    patches, img_emb = model.vision(images)
    text, _ = model.text(q_tok)
    logits, maps = model.fusion(text, (q_tok != 0).float(), patches[q_img])
    return patches, img_emb, logits, maps


def losses(model, batch, grid, query_weight=0.0):
    images, labels, captions, q_img, q_tok, q_ans, q_ground, q_weight, queries, shows = batch
    patches, img_emb, logits, maps = forward(model, batch)
    answer = F.cross_entropy(logits, q_ans)
    _, cap_emb = model.text(captions)
    scale = model.logit_scale.exp().clamp(max=100)
    sim = scale * img_emb @ cap_emb.t()
    target = torch.arange(sim.shape[0], device=sim.device)
    infonce = (F.cross_entropy(sim, target) + F.cross_entropy(sim.t(), target)) / 2
    tokens = patches[:, : grid * grid]
    cls_lbl, col_lbl, ctr_lbl = labels[:, 0].flatten(1), labels[:, 1].flatten(1), labels[:, 2].flatten(1).float()
    dense = (F.cross_entropy(model.vision.aux_class(tokens).transpose(1, 2), cls_lbl)
             + F.cross_entropy(model.vision.aux_color(tokens).transpose(1, 2), col_lbl)
             + F.binary_cross_entropy_with_logits(model.vision.aux_center(tokens).squeeze(-1), ctr_lbl, pos_weight=torch.tensor(20.0, device=tokens.device)))
    # attention grounding: the last layer's mean over heads on the asked objects; questions that pick
    # one of two by position (q_weight > 1) also ground the first layer, and weigh more: selecting by
    # position is a product of the question's side and each token's x that nothing else trains
    has = q_ground.sum(1) > 0
    if has.any():
        mass = [(maps[:, layer].mean(1) * q_ground).sum(1)[has] for layer in (-1, 0)]
        w = q_weight[has]
        ground = (w * -torch.log(mass[0] + 1e-6) + (w - 1) * -torch.log(mass[1] + 1e-6)).mean()
    else:
        ground = torch.zeros((), device=maps.device)
    # text search: each single-object query against the batch's images, every image that shows the
    # object a positive (multi-positive InfoNCE, query -> image), so a frame with the red car among
    # five other things still outranks a frame with only a red truck
    search = torch.zeros((), device=sim.device)
    if query_weight > 0:
        _, query_emb = model.text(queries)
        logp = (scale * query_emb @ img_emb.t()).log_softmax(1)
        search = -((shows * logp).sum(1) / shows.sum(1).clamp(min=1)).mean()
    acc = (logits.argmax(1) == q_ans).float().mean()
    total = answer + 0.5 * infonce + 0.5 * dense + 0.3 * ground + query_weight * search
    return total, dict(answer=answer.item(), infonce=infonce.item(), dense=dense.item(), ground=ground.item(), search=search.item(), acc=acc.item())


@torch.no_grad()
def evaluate(model, records, tok, answers, grid, holdout):
    """Accuracy per kind, hold-out pairs, pointing game, retrieval R@1 among 100 frames."""
    model.eval()
    stats = {}
    point_hit = point_n = 0
    for s in range(0, len(records), 64):
        chunk = records[s: s + 64]
        batch = make_batch(chunk, tok, answers, grid, None, None)
        _, _, logits, maps = forward(model, batch)
        pred = logits.argmax(1).cpu()
        att = maps[:, -1].mean(1)[:, : grid * grid].cpu()
        qi = 0
        for meta, _, _ in chunk:
            pairs = {o["id"]: f'{o["class"]}:{o["color"]}' for o in meta["objects"]}
            for q in meta["questions"]:
                ok = pred[qi].item() == answers.index(q["a"])
                for key in [q["kind"], "overall"] + (["holdout"] if any(pairs[i] in holdout for i in q["ids"]) else []):
                    c, n = stats.get(key, (0, 0))
                    stats[key] = (c + ok, n + 1)
                if len(q["ids"]) == 1 and q["a"] != "unanswerable":
                    peak = att[qi].argmax().item()
                    box = next(o["box"] for o in meta["objects"] if o["id"] == q["ids"][0])
                    px = (peak % grid + 0.5) * meta["width"] / grid
                    py = (peak // grid + 0.5) * meta["height"] / grid
                    point_hit += box[0] <= px < box[0] + box[2] and box[1] <= py < box[1] + box[3]
                    point_n += 1
                qi += 1
    # retrieval: each frame's caption against 100 frames
    hits = total = 0
    for s in range(0, len(records) - 99, 100):
        chunk = records[s: s + 100]
        images = torch.from_numpy(np.stack([r[1] for r in chunk]).astype(np.float32)).to(DEVICE)
        _, img_emb = model.vision(images)
        _, cap_emb = model.text(torch.tensor([tok.encode(r[0]["caption"]) for r in chunk], device=DEVICE))
        best = (cap_emb @ img_emb.t()).argmax(1).cpu()
        hits += (best == torch.arange(len(chunk))).sum().item()
        total += len(chunk)
    # text search: one single-object query per frame ("a red car") over all the frames; a hit is any frame showing it
    img_all = torch.cat([model.vision(torch.from_numpy(np.stack([r[1] for r in records[s: s + 100]]).astype(np.float32)).to(DEVICE))[1]
                         for s in range(0, len(records), 100)])
    pick = random.Random(5)
    shown = [{(o["class"], o["color"]) for o in r[0]["objects"]} for r in records]
    wanted = [sorted(p)[pick.randrange(len(p))] for p in shown]
    _, q_emb = model.text(torch.tensor([tok.encode(search_query(*w)) for w in wanted], device=DEVICE))
    top5 = (q_emb @ img_all.t()).topk(min(5, len(records)), dim=1).indices.cpu().tolist()
    search_r1 = sum(wanted[i] in shown[t[0]] for i, t in enumerate(top5)) / len(records)
    search_r5 = sum(any(wanted[i] in shown[j] for j in t) for i, t in enumerate(top5)) / len(records)
    model.train()
    result = {k: round(100.0 * c / n, 2) for k, (c, n) in sorted(stats.items())}
    result["search_r1"], result["search_r5"] = round(100 * search_r1, 2), round(100 * search_r5, 2)
    result["counts"] = {k: n for k, (c, n) in sorted(stats.items())}
    result["pointing_game"] = round(100.0 * point_hit / max(point_n, 1), 2)
    result["retrieval_r1_100"] = round(100.0 * hits / max(total, 1), 2)
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--minutes", type=float, default=40)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--questions", type=int, default=4, help="questions per image per step")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--size", type=int, default=128, help="input side in pixels (the grid is size / VisionEncoder.STRIDE)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--eval-count", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=os.path.join(ROOT, "models/rtmm-tiny"))
    p.add_argument("--checkpoint", default="/tmp/rtmm-train.pt")
    p.add_argument("--resume", help="start from this checkpoint (strict=False: layers added since are initialised fresh)")
    p.add_argument("--prior-steps", type=int, default=0, help="steps the resumed checkpoint already had")
    p.add_argument("--prior-minutes", type=float, default=0, help="minutes the resumed checkpoint already had")
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--producers", type=int, default=1, help="rtmm dataset processes feeding the trainer")
    p.add_argument("--scene-offset", type=int, default=0, help="index of the first training scene (a resumed phase takes scenes not seen before)")
    p.add_argument("--same-class-rate", type=float, default=0.0, help="training scenes: chance an object repeats a placed object's class")
    p.add_argument("--same-color-rate", type=float, default=0.0, help="training scenes: chance an object takes a placed object's color (its twin's, with --same-class-rate)")
    p.add_argument("--frame-questions", type=int, default=10, help="questions the generator writes per training scene (the trainer draws --questions of them)")
    p.add_argument("--hard-weight", type=float, default=1.0, help="how much likelier relational color questions (on the left/right, several) are drawn")
    p.add_argument("--color-weight", type=float, default=1.0, help="how much likelier any color question is drawn (the relational ones keep --hard-weight when larger)")
    p.add_argument("--edge-rate", type=float, default=0.0, help="training scenes: chance an object straddles the frame's edge (as in clips)")
    p.add_argument("--randomise", type=float, default=0.0, help="training scenes: chance of the randomised style (rtmm dataset --randomise)")
    p.add_argument("--photos", default=None, help="training scenes: photos for randomised backgrounds and clutter (opencv-doc examples/data without vtest.avi; never a test set's)")
    p.add_argument("--min-objects", type=int, default=1, help="training scenes: fewest objects (0: some scenes are empty, as a camera's often are)")
    p.add_argument("--ground-hard", type=float, default=1.0, help="weight of the attention-grounding loss on questions that pick one of two objects by position (also grounds the first layer)")
    p.add_argument("--query-loss", type=float, default=0.0, help="weight of the single-object text-search loss (multi-positive InfoNCE)")
    p.add_argument("--ema", type=float, default=0.0, help="keep an exponential moving average of the weights with this decay (0.999: about the last 1000 steps); "
                   "it is what is evaluated, saved and exported (the raw weights go to CHECKPOINT.raw)")
    p.add_argument("--world", default=None, help="world file (docs/worlds.md): train a model of that world (its classes, colors, question kinds); the bundle's manifest carries it")
    p.add_argument("--init-from", default=None, help="a bundle folder whose model starts this one (another world's: words and answers are matched by name, the rest copied where shapes agree); needs its checkpoint as --init-checkpoint")
    p.add_argument("--init-checkpoint", default=None, help="the checkpoint of --init-from's bundle (models/training/from_bundle.py rebuilds one)")
    p.add_argument("--note", default="", help="what this phase changed, for the model card")
    p.add_argument("--no-export", action="store_true", help="save the checkpoint and CHECKPOINT.json only (export later with --export-only)")
    p.add_argument("--export-only", action="store_true", help="evaluate the --resume checkpoint on the test split and export the bundle")
    args = p.parse_args()
    args.grid = args.size // VisionEncoder.STRIDE
    global DEVICE
    DEVICE = torch.device(args.device)

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    global WORLD, HOLDOUT
    vocab_file = "/tmp/rtmm-vocab.json"
    if args.world:
        WORLD = os.path.abspath(args.world)
    subprocess.run([RTMM, "dataset", "--vocab-out", vocab_file] + (["--world", WORLD] if WORLD else []), check=True, stdout=subprocess.DEVNULL)
    meta = json.load(open(vocab_file))
    world = meta["world"]
    # the hold-out pairs a world has both halves of (all six in the default world)
    names = {c["name"] for c in world["classes"]} | set(world["colors"])
    HOLDOUT = [p for p in HOLDOUT if set(p.split(":")) <= names]
    args.world_json = world
    vocab, answers = meta["vocabulary"], meta["answers"]
    tok = Tokenizer(vocab, 24)
    print(f"vocabulary {len(vocab)} words, {len(answers)} answers; hold-out pairs {HOLDOUT}", flush=True)

    print("making the test split (seed 2, hold-out pairs favoured)...", flush=True)
    test = list(read_records(subprocess.Popen(dataset_args(2, args.size, args.grid, args.eval_count, favor=HOLDOUT, render="320x240", oov=0.05),
                                              stdout=subprocess.PIPE).stdout, args.size, args.grid))
    prior = {"history": [], "phases": []}
    if args.resume:
        model, prior = load_model(args.resume, len(vocab), len(answers), args.grid)
        args.prior_steps, args.prior_minutes = prior.get("steps", args.prior_steps), prior.get("minutes", args.prior_minutes)
        print(f"resumed from {args.resume} ({args.prior_steps} steps, {args.prior_minutes} min)", flush=True)
    else:
        # a model started from another world's keeps that model's position code (its sine base grid)
        base = json.load(open(args.init_checkpoint + ".json")).get("pos_base", args.grid) if args.init_from else args.grid
        model = Model(len(vocab), len(answers), grid=args.grid, pos_base=base)
        prior["pos_base"] = base
        if args.init_from:
            init_from(model, args.init_checkpoint, args.init_from, vocab, answers)
    model.to(DEVICE)
    params = sum(p.numel() for p in model.parameters())
    if args.export_only:
        final = evaluate(model, test, tok, answers, args.grid, HOLDOUT)
        print("final", json.dumps(final), flush=True)
        from export import export_bundle
        export_bundle(model.cpu(), vocab, answers, args, {**prior, "python_eval": final})
        return
    # producer k renders scenes offset + k*10^8, +1, ...: all from the training seed, never the same scene twice
    train = Stream([dataset_args(args.seed, args.size, args.grid, exclude=HOLDOUT, start=args.scene_offset + k * 100_000_000,
                                 same_class=args.same_class_rate, same_color=args.same_color_rate, questions=args.frame_questions, edge=args.edge_rate, min_objects=args.min_objects,
                                 randomise=args.randomise, photos=args.photos)
                    for k in range(args.producers)], args.size, args.grid)
    hardware = (f"{torch.cuda.get_device_name(DEVICE)} + {args.producers} data processes on {os.cpu_count()} CPU cores, torch {torch.__version__}"
                if DEVICE.type == "cuda" else f"{os.cpu_count()} CPU cores, torch {torch.__version__}, {args.threads} threads")
    print(f"parameters: {params:,} (vision {sum(p.numel() for p in model.vision.parameters()):,}, "
          f"text {sum(p.numel() for p in model.text.parameters()):,}, fusion {sum(p.numel() for p in model.fusion.parameters()):,})", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    ema = Ema(model, args.ema) if args.ema > 0 else None
    rng = random.Random(args.seed)
    start, step, history = time.time(), 0, []
    budget = args.minutes * 60
    while time.time() - start < budget:
        frac = (time.time() - start) / budget
        # warm up, hold, then cosine down over the last 30% of the time (not earlier: a short
        # cosine decays the rate while the model is still learning to bind)
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (1.0 if frac < 0.7 else 0.5 * (1 + math.cos(math.pi * (frac - 0.7) / 0.3)))
        for g in opt.param_groups:
            g["lr"] = lr
        batch = make_batch(train.take(args.batch), tok, answers, args.grid, args.questions, rng, args.hard_weight, args.ground_hard, args.color_weight)
        loss, parts = losses(model, batch, args.grid, args.query_loss)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema:
            ema.update(model)
        step += 1
        if step % 50 == 0:
            minutes = (time.time() - start) / 60
            print(f"step {step} {minutes:.1f} min lr {lr:.2e} " + " ".join(f"{k} {v:.3f}" for k, v in parts.items()), flush=True)
        if step % 1000 == 0:
            r = evaluate(ema.model if ema else model, test[:300], tok, answers, args.grid, HOLDOUT)
            history.append({"step": args.prior_steps + step, "minutes": round(args.prior_minutes + (time.time() - start) / 60, 1), **{k: v for k, v in r.items() if k != "counts"}})
            print("eval" + (" (moving average)" if ema else ""), json.dumps(history[-1]), flush=True)
            save_phase(model, ema, args.checkpoint)
            with open(args.checkpoint + ".json", "w") as f:  # what a checkpoint needs to be read (its grid's base) and resumed
                json.dump({**{k: v for k, v in prior.items() if k != "python_eval"}, "steps": args.prior_steps + step, "minutes": history[-1]["minutes"], "size": args.size, "grid": args.grid,
                           "history": prior["history"] + history, "unfinished_phase": args.note}, f, indent=2)
    train.close()
    minutes = (time.time() - start) / 60
    if ema:
        save(model, args.checkpoint + ".raw")
        model = ema.model  # what is evaluated, saved and exported from here on
    final = evaluate(model, test, tok, answers, args.grid, HOLDOUT)
    print("final", json.dumps(final), flush=True)
    meta = {
        "steps": args.prior_steps + step, "minutes": round(args.prior_minutes + minutes, 1), "batch": args.batch, "questions_per_image": args.questions,
        "parameters": params, "hardware": hardware,
        "holdout_pairs": HOLDOUT, "python_eval": final, "size": args.size, "grid": args.grid, "pos_base": prior["pos_base"], "history": prior["history"] + history,
        "phases": prior.get("phases", []) + [{"steps": step, "minutes": round(minutes, 1), "resumed_from": args.resume, "lr": args.lr, "batch": args.batch, "questions": args.questions,
                                              "hardware": hardware, "scene_offset": args.scene_offset,
                                              "same_class_rate": args.same_class_rate, "same_color_rate": args.same_color_rate, "frame_questions": args.frame_questions, "hard_weight": args.hard_weight, "color_weight": args.color_weight,
                                              "ground_hard": args.ground_hard, "query_loss": args.query_loss,
                                              "edge_rate": args.edge_rate, "min_objects": args.min_objects, "ema": args.ema, "note": args.note}]}
    save(model, args.checkpoint)
    with open(args.checkpoint + ".json", "w") as f:
        json.dump(meta, f, indent=2)
    if not args.no_export:
        from export import export_bundle
        export_bundle(model.cpu(), vocab, answers, args, meta)


class Ema:
    """An exponential moving average of a model's weights (and BatchNorm statistics): the average of the
    last ~1/(1-decay) steps sits nearer the middle of the noisy region a small-batch run wanders in."""

    def __init__(self, model, decay):
        self.decay = decay
        self.model = copy.deepcopy(model)
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        for avg, cur in zip(self.model.state_dict().values(), model.state_dict().values()):
            if avg.dtype.is_floating_point:
                avg.mul_(self.decay).add_(cur, alpha=1 - self.decay)
            else:
                avg.copy_(cur)


def load_model(path, n_vocab, n_answers, grid=None):
    """A checkpoint as a Model on `grid` (default: the grid it was trained on), and its .json history.
    Layers added since the checkpoint start fresh. On a finer grid than it was trained on (a higher
    input resolution), the learned position code is resized bilinearly and the
    sine code keeps the checkpoint's base grid, so every cell keeps the position it meant."""
    state = torch.load(path, map_location="cpu")
    prior = json.load(open(path + ".json")) if os.path.exists(path + ".json") else {"history": [], "phases": []}
    trained = int(round(state["vision.pos"].shape[1] ** 0.5))
    prior.setdefault("pos_base", trained)
    grid = grid or trained
    if grid != trained:
        d = state["vision.pos"].shape[2]
        square = state["vision.pos"].reshape(1, trained, trained, d).permute(0, 3, 1, 2)
        state["vision.pos"] = F.interpolate(square, size=(grid, grid), mode="bilinear", align_corners=False).permute(0, 2, 3, 1).reshape(1, grid * grid, d)
    model = Model(n_vocab, n_answers, grid=grid, pos_base=prior["pos_base"])
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        print(f"{path}: fresh {missing}, unused {unexpected}", flush=True)
    return model, prior


def init_from(model, checkpoint, bundle, vocab, answers):
    """Starts a model of one world from a trained model of another: every tensor whose shape agrees
    is copied; the word embedding and the answer head row by row, for the words and answers both
    have (a world's own new words and answers start fresh)."""
    old_vocab = json.load(open(os.path.join(bundle, "vocab.json")))
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    old_answers = manifest["world"]["answers"] if "world" in manifest else manifest["answers"]
    state = torch.load(checkpoint, map_location="cpu")
    own = model.state_dict()
    rows = {"text.tok.weight": (old_vocab, vocab), "fusion.head2.weight": (old_answers, answers), "fusion.head2.bias": (old_answers, answers)}
    copied, mapped = 0, 0
    with torch.no_grad():
        for name, value in own.items():
            if name in rows and name in state:
                old, new = rows[name]
                where = {w: i for i, w in enumerate(old)}
                for i, w in enumerate(new):
                    if w in where:
                        value[i] = state[name][where[w]]
                        mapped += 1
            elif name in state and state[name].shape == value.shape:
                value.copy_(state[name])
                copied += 1
    print(f"init from {bundle}: {copied} tensors copied, {mapped} word/answer rows matched by name", flush=True)


def save_phase(model, ema, path):
    """The checkpoint is the moving average when there is one; the raw weights go beside it."""
    save(ema.model if ema else model, path)
    if ema:
        save(model, path + ".raw")


def save(model, path):
    """State dict on the CPU, so a checkpoint made on a GPU loads anywhere (torch 1.13 included)."""
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, path)


if __name__ == "__main__":
    main()
