"""Export a trained model as a RealtimeMM bundle (DESIGN.md, "Model bundle").

vision.onnx: image (N,3,S,S) float32 -> tokens (N,G*G+1,D), embedding (N,E)
text.onnx:   tokens (N,T) int64 -> states (N,T,D), embedding (N,E)
fusion.safetensors: the fusion weights, read by the C# reference and the Vulkan path
fusion.onnx: the same fusion as the oracle: patches (N,M,D), text (N,T,D), mask (N,T) -> logits (N,A), attention (N,L,H,M)
"""
import json
import os
import struct

import numpy as np
import torch


class _Vision(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, image):
        return self.m.vision(image)


class _Text(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, tokens):
        return self.m.text(tokens)


class _Fusion(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, patches, text, mask):
        return self.m.fusion(text, mask, patches)


def write_safetensors(path, tensors):
    """The safetensors layout: u64 header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().numpy().astype("<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """The tensors write_safetensors wrote, as float32 arrays by name."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    return {name: np.frombuffer(data[e["data_offsets"][0]:e["data_offsets"][1]], dtype="<f4").reshape(e["shape"]).copy()
            for name, e in header.items() if name != "__metadata__"}


def export_bundle(model, vocab, answers, args, training):
    os.makedirs(args.out, exist_ok=True)
    model.eval()
    s, g = args.size, args.grid
    d = model.vision.pool.in_features
    t = model.text.pos.shape[1]
    img = torch.randn(2, 3, s, s)
    tok = torch.tensor([[1, 5, 9] + [0] * (t - 3), [1, 7] + [0] * (t - 2)])
    kw = dict(opset_version=17, do_constant_folding=True)
    torch.onnx.export(_Vision(model), (img,), os.path.join(args.out, "vision.onnx"), input_names=["image"],
                      output_names=["tokens", "embedding"], dynamic_axes={"image": {0: "n"}, "tokens": {0: "n"}, "embedding": {0: "n"}}, **kw)
    torch.onnx.export(_Text(model), (tok,), os.path.join(args.out, "text.onnx"), input_names=["tokens"],
                      output_names=["states", "embedding"], dynamic_axes={"tokens": {0: "n"}, "states": {0: "n"}, "embedding": {0: "n"}}, **kw)
    patches = torch.randn(2, g * g + 1, d)
    text = torch.randn(2, t, d)
    mask = (tok != 0).float()
    torch.onnx.export(_Fusion(model), (patches, text, mask), os.path.join(args.out, "fusion.onnx"),
                      input_names=["patches", "text", "mask"], output_names=["logits", "attention"],
                      dynamic_axes={n: {0: "n"} for n in ["patches", "text", "mask", "logits", "attention"]}, **kw)
    write_safetensors(os.path.join(args.out, "fusion.safetensors"), dict(model.fusion.state_dict()))
    with open(os.path.join(args.out, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    fusion = model.fusion
    assert args.world_json["answers"] == answers, "the world's answers are the logits' order"
    manifest = {
        "format": "rtmm-bundle",
        "version": 2,
        "name": os.path.basename(os.path.normpath(args.out)),
        "kind": "rtmm-scenes",
        "image": {"width": s, "height": s, "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
                  "fit": "stretch", "filter": "bilinear"},
        "grid": {"width": g, "height": g, "extra_tokens": 1},
        "dims": {"model": d, "embedding": model.vision.pool.out_features, "heads": fusion.layers[0].heads,
                 "fusion_layers": len(fusion.layers), "ff": fusion.layers[0].fc1.out_features, "max_tokens": t},
        "vision": {"file": "vision.onnx", "input": "image", "outputs": ["tokens", "embedding"]},
        "text": {"file": "text.onnx", "input": "tokens", "outputs": ["states", "embedding"]},
        "fusion": {"weights": "fusion.safetensors", "oracle": "fusion.onnx", "inputs": ["patches", "text", "mask"], "outputs": ["logits", "attention"]},
        "tokenizer": {"file": "vocab.json", "rule": "lowercase; split on [^a-z0-9']; [CLS] first; unknown -> [UNK]; pad with [PAD]"},
        "world": {k: v for k, v in args.world_json.items() if k != "format"},  # what the model knows: rtmm dataset --vocab-out wrote it
        "holdout_pairs": training["holdout_pairs"],
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(training, f, indent=2)
    print(f"exported bundle to {args.out}", flush=True)
