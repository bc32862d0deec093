"""A small CLIP (the Hugging Face CLIPModel architecture, written out here) trained on generated scenes
and exported in the layout of a Hugging Face CLIP exported to ONNX for transformers.js / optimum
(onnx/text_model.onnx: input_ids, attention_mask -> text_embeds, last_hidden_state;
onnx/vision_model.onnx: pixel_values -> image_embeds, last_hidden_state) with CLIP's tokenizer files
(vocab.json, merges.txt: byte-level BPE, '</w>' ends a word), config.json and preprocessor_config.json.
Besides CLIP's contrastive loss on whole images, each patch inside an object's box is trained to
match that object's caption, and every other patch "a photo of the background" (so the dense path, patch tokens through the vision model's final layer
norm and projection, points at things). It is the test fixture of RealtimeMM's CLIP path (docs/clip-bundles.md), not a model for real pictures.

  /usr/bin/python3 models/training/clip_small.py --scenes DIR --out models/clip-scenes-small

DIR: `rtmm scene --count N --size 96x96 --seed S --out DIR` (frames/*.png and the clip sidecar).
Also writes reference/reference.json (and the images it used): token ids and embeddings of a few texts and images from PyTorch, which
the C# tests must reproduce.
"""
import argparse, json, os, re, math, random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- tokenizer (CLIP's byte-level BPE)

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))

BYTE_ENCODER = bytes_to_unicode()
PAT = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+""", re.IGNORECASE)

def words_of(text):
    text = re.sub(r"\s+", " ", text).strip().lower()
    return ["".join(BYTE_ENCODER[b] for b in t.encode("utf-8")) for t in PAT.findall(text)]

def learn_bpe(corpus_words, merges_wanted):
    """Merges learnt from word counts (each word's last symbol carries '</w>'), most frequent pair first."""
    counts = {}
    for w in corpus_words:
        counts[w] = counts.get(w, 0) + 1
    vocab = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in counts.items()}
    merges = []
    for _ in range(merges_wanted):
        pairs = {}
        for sym, c in vocab.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        new = {}
        for sym, c in vocab.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1]); i += 2
                else:
                    out.append(sym[i]); i += 1
            new[tuple(out)] = c
        vocab = new
    return merges

class Tokenizer:
    def __init__(self, merges):
        self.ranks = {m: i for i, m in enumerate(merges)}
        base = list(BYTE_ENCODER.values())
        tokens = base + [b + "</w>" for b in base] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = {t: i for i, t in enumerate(tokens)}
        self.sot, self.eot = self.encoder["<|startoftext|>"], self.encoder["<|endoftext|>"]

    def bpe(self, word):
        sym = list(word[:-1]) + [word[-1] + "</w>"]
        while len(sym) > 1:
            pairs = [(self.ranks.get((a, b), 1e18), i) for i, (a, b) in enumerate(zip(sym, sym[1:]))]
            rank, i = min(pairs)
            if rank == 1e18:
                break
            a, b = sym[i], sym[i + 1]
            out, j = [], 0
            while j < len(sym):
                if j + 1 < len(sym) and sym[j] == a and sym[j + 1] == b:
                    out.append(a + b); j += 2
                else:
                    out.append(sym[j]); j += 1
            sym = out
        return sym

    def encode(self, text, length):
        ids = [self.sot] + [self.encoder[t] for w in words_of(text) for t in self.bpe(w)][: length - 2] + [self.eot]
        mask = [1] * len(ids) + [0] * (length - len(ids))
        return ids + [self.eot] * (length - len(ids)), mask  # padded with the end token, as HF's CLIP tokenizer pads

# ---------------------------------------------------------------- model (HF CLIPModel's modules and names)

class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.scale = heads, (d // heads) ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, bias=None):
        b, n, d = x.shape
        h = self.heads
        q = self.q_proj(x).view(b, n, h, d // h).transpose(1, 2) * self.scale
        k = self.k_proj(x).view(b, n, h, d // h).transpose(1, 2)
        v = self.v_proj(x).view(b, n, h, d // h).transpose(1, 2)
        a = q @ k.transpose(-1, -2)
        if bias is not None:
            a = a + bias
        return self.out_proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))

class Layer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn = Attention(d, heads)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, bias=None):
        x = x + self.self_attn(self.layer_norm1(x), bias)
        h = self.fc1(self.layer_norm2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu

class TextModel(nn.Module):
    def __init__(self, vocab, length, d, layers, heads, proj):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, d)
        self.position_embedding = nn.Embedding(length, d)
        self.layers = nn.ModuleList(Layer(d, heads) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(d)
        self.text_projection = nn.Linear(d, proj, bias=False)
        self.eot = vocab - 1

    def forward(self, input_ids, attention_mask):
        n = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.position_embedding(torch.arange(n))
        causal = torch.full((n, n), -1e9).triu(1)
        pad = (1.0 - attention_mask[:, None, None, :].float()) * -1e9
        for layer in self.layers:
            x = layer(x, causal[None, None] + pad)
        x = self.final_layer_norm(x)
        # the first end-of-text token (HF: eos_token_id)
        eot = (input_ids == self.eot).int().argmax(-1)
        pooled = x[torch.arange(x.shape[0]), eot]
        return self.text_projection(pooled), x

class VisionModel(nn.Module):
    def __init__(self, size, patch, d, layers, heads, proj):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, d, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(d) * 0.02)
        self.position_embedding = nn.Embedding((size // patch) ** 2 + 1, d)
        self.pre_layrnorm = nn.LayerNorm(d)
        self.layers = nn.ModuleList(Layer(d, heads) for _ in range(layers))
        self.post_layernorm = nn.LayerNorm(d)
        self.visual_projection = nn.Linear(d, proj, bias=False)

    def forward(self, pixel_values):
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], 1) + self.position_embedding.weight[None]
        x = self.pre_layrnorm(x)
        for layer in self.layers:
            x = layer(x)
        return self.visual_projection(self.post_layernorm(x[:, 0])), x

# ---------------------------------------------------------------- data

MEAN, STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]

def read_png(path):
    from PIL import Image  # Debian python3-pil
    return np.asarray(Image.open(path).convert("RGB"))

def pixel_values(rgb):
    x = torch.tensor(rgb, dtype=torch.float32).permute(2, 0, 1) / 255.0
    return (x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]

def scenes(folder):
    side = json.load(open(os.path.join(folder, "clip.json")))
    for f in side["frames"]:
        objs = [(o["color"], o["class"]) for o in f.get("objects", [])]
        boxes = [o["box"] for o in f.get("objects", [])]
        yield os.path.join(folder, "frames", f"{f['index']:06d}.png"), objs, boxes

BACKGROUND = "a photo of the background"

def caption(color, cls):
    return f"a photo of a {color} {cls}"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed); random.seed(a.seed)
    items = [(p, o) for p, o, _ in scenes(a.scenes) if o]
    boxes = [b for _, o, b in scenes(a.scenes) if o]
    print(f"{len(items)} scenes", flush=True)
    classes = sorted({c for _, o in items for _, c in o}); colors = sorted({c for _, o in items for c, _ in o})
    corpus = " ".join(caption(co, cl) for co in colors for cl in classes) + " what is there how many is the a an of photo"
    merges = learn_bpe(words_of(corpus) * 3, 400)
    tok = Tokenizer(merges)
    size, patch, length = 96, 16, 16
    text = TextModel(len(tok.encoder), length, 128, 3, 4, 64)
    vision = VisionModel(size, patch, 128, 4, 4, 64)
    logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    params = list(text.parameters()) + list(vision.parameters()) + [logit_scale]
    opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.05)
    images = torch.stack([pixel_values(read_png(p)) for p, _ in items])
    print("images read", flush=True)
    steps = a.epochs * (len(items) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 5e-4, total_steps=steps)
    step = 0
    for epoch in range(a.epochs):
        order = list(range(len(items))); random.shuffle(order)
        for i in range(0, len(order) - 63, 64):
            batch = order[i:i + 64]
            caps = [caption(*random.choice(items[j][1])) for j in batch]
            ids, mask = zip(*(tok.encode(c, length) for c in caps))
            t, _ = text(torch.tensor(ids), torch.tensor(mask))
            v, hidden = vision(images[batch])
            t, v = F.normalize(t, dim=-1), F.normalize(v, dim=-1)
            logits = logit_scale.exp() * v @ t.T
            # dense: each patch inside an object's box is that object's caption among the batch's captions
            # (so the patch tokens, through the same layer norm and projection, point at what they show)
            dense = F.normalize(vision.visual_projection(vision.post_layernorm(hidden[:, 1:])), dim=-1)
            names = sorted({caption(*o) for j in batch for o in items[j][1]}) + [BACKGROUND]
            ci, cm = zip(*(tok.encode(c, length) for c in names))
            ct, _ = text(torch.tensor(ci), torch.tensor(cm))
            ct = F.normalize(ct, dim=-1)
            grid = size // patch
            rows, targets = [], []
            for bi, j in enumerate(batch):
                for r in range(grid):
                    for c in range(grid):
                        cx, cy = (c + 0.5) * patch, (r + 0.5) * patch
                        inside = [caption(co, cl) for (co, cl), (x, y, w, h) in zip(items[j][1], boxes[j]) if x <= cx < x + w and y <= cy < y + h]
                        rows.append(dense[bi, r * grid + c])
                        targets.append(names.index(inside[-1] if inside else BACKGROUND))  # the last drawn is on top
            # background patches outnumber the objects' several times: they count a fifth each
            weight = torch.tensor([0.2 if t == len(names) - 1 else 1.0 for t in targets])
            dense_loss = (F.cross_entropy(logit_scale.exp() * torch.stack(rows) @ ct.T, torch.tensor(targets), reduction="none") * weight).sum() / weight.sum()
            # captions that describe another image of the batch too are not its negatives
            same = torch.tensor([[caps[k] in [caption(*o) for o in items[j][1]] for k in range(64)] for j in batch], dtype=torch.float32)
            target = same / same.sum(1, keepdim=True)
            loss = (-(target * logits.log_softmax(1)).sum(1).mean() - (target.T / target.T.sum(1, keepdim=True) * logits.T.log_softmax(1)).sum(1).mean()) / 2
            opt.zero_grad(); (loss + dense_loss).backward(); opt.step(); sched.step(); step += 1
            if step % 50 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} dense {dense_loss.item():.3f}", flush=True)
    export(a.out, tok, merges, text, vision, logit_scale, size, patch, length, items)

def export(out, tok, merges, text, vision, logit_scale, size, patch, length, items):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    text.eval(); vision.eval()
    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump(tok.encoder, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    json.dump({"model_type": "clip", "projection_dim": 64, "logit_scale_init_value": 2.6592, "logit_scale": float(logit_scale),
               "text_config": {"hidden_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4, "max_position_embeddings": length,
                               "vocab_size": len(tok.encoder), "bos_token_id": tok.sot, "eos_token_id": tok.eot},
               "vision_config": {"hidden_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4, "image_size": size, "patch_size": patch}},
              open(os.path.join(out, "config.json"), "w"), indent=1)
    json.dump({"do_resize": True, "size": {"shortest_edge": size}, "do_center_crop": True, "crop_size": {"height": size, "width": size},
               "do_normalize": True, "image_mean": MEAN, "image_std": STD, "resample": 3, "do_convert_rgb": True},
              open(os.path.join(out, "preprocessor_config.json"), "w"), indent=1)
    json.dump({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"},
              open(os.path.join(out, "special_tokens_map.json"), "w"), indent=1)
    json.dump({"model_max_length": length, "do_lower_case": True, "tokenizer_class": "CLIPTokenizer"},
              open(os.path.join(out, "tokenizer_config.json"), "w"), indent=1)
    ids, mask = tok.encode("a photo of a red car", length)
    torch.onnx.export(text, (torch.tensor([ids]), torch.tensor([mask])), os.path.join(out, "onnx", "text_model.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask"], output_names=["text_embeds", "last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"},
                                    "text_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size", 1: "sequence_length"}})
    torch.onnx.export(vision, (torch.zeros(1, 3, size, size),), os.path.join(out, "onnx", "vision_model.onnx"), opset_version=14,
                      input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"],
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}})
    # the reference the C# side must reproduce
    texts = ["a photo of a red car", "A photo of a  BLUE dog!", "what is there", "how many trucks", "a photo of a purple house"]
    ref = {"texts": [], "images": [], "dense": []}
    with torch.no_grad():
        for t in texts:
            i, m = tok.encode(t, length)
            e, _ = text(torch.tensor([i]), torch.tensor([m]))
            ref["texts"].append({"text": t, "input_ids": i, "attention_mask": m, "text_embeds": e[0].tolist()})
        for p, _ in items[:3]:
            px = pixel_values(read_png(p))
            e, hidden = vision(px[None])
            dense = vision.visual_projection(vision.post_layernorm(hidden[0, 1:]))
            os.makedirs(os.path.join(out, "reference"), exist_ok=True)
            with open(p, "rb") as src, open(os.path.join(out, "reference", os.path.basename(p)), "wb") as dst:
                dst.write(src.read())
            ref["images"].append({"file": "reference/" + os.path.basename(p), "image_embeds": e[0].tolist(), "patch_embeds_first": dense[0].tolist(), "patch_embeds_last": dense[-1].tolist()})
    json.dump(ref, open(os.path.join(out, "reference", "reference.json"), "w"))
    print(f"exported to {out}", flush=True)

if __name__ == "__main__":
    main()
