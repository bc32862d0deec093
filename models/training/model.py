"""RealtimeMM's compact vision-language model.

Vision encoder: a small CNN over the preprocessed frame -> a grid of patch tokens (plus one learned
"null" token that cross-attention can park on, which lets attention mass say how many things match)
and a pooled, L2-normalised image embedding. Text encoder: a two-layer transformer over word tokens
-> token states and a normalised sentence embedding (aligned with the image's by InfoNCE). Fusion:
LXMERT-style layers where question tokens attend to themselves, then across to the image tokens,
then through an MLP; the [CLS] state picks the answer. ReLU everywhere and no fused kernels, so the
C# reference and the Vulkan shaders can repeat the arithmetic exactly.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def attention(q_in, kv_in, wq, wk, wv, wo, heads, key_mask=None):
    """Multi-head attention with explicit weights. key_mask: (N, M) 1 = attend, 0 = ignore."""
    n, t, d = q_in.shape
    m = kv_in.shape[1]
    hd = d // heads
    q = wq(q_in).view(n, t, heads, hd).transpose(1, 2)
    k = wk(kv_in).view(n, m, heads, hd).transpose(1, 2)
    v = wv(kv_in).view(n, m, heads, hd).transpose(1, 2)
    scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
    if key_mask is not None:
        scores = scores + (1.0 - key_mask[:, None, None, :]) * -1e4
    weights = scores.softmax(-1)
    out = (weights @ v).transpose(1, 2).reshape(n, t, d)
    return wo(out), weights


class SelfBlock(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x, mask):
        a, _ = attention(self.ln1(x), self.ln1(x), self.q, self.k, self.v, self.o, self.heads, mask)
        x = x + a
        return x + self.fc2(F.relu(self.fc1(self.ln2(x))))


class FusionLayer(nn.Module):
    """Question tokens: self-attention, cross-attention over image tokens, MLP (pre-LayerNorm)."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.ln_self, self.ln_cross, self.ln_mlp = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.sq, self.sk, self.sv, self.so = (nn.Linear(d, d) for _ in range(4))
        self.cq, self.ck, self.cv, self.co = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x, text_mask, image):
        a = self.ln_self(x)
        s, _ = attention(a, a, self.sq, self.sk, self.sv, self.so, self.heads, text_mask)
        x = x + s
        c, weights = attention(self.ln_cross(x), image, self.cq, self.ck, self.cv, self.co, self.heads)
        x = x + c
        x = x + self.fc2(F.relu(self.fc1(self.ln_mlp(x))))
        return x, weights


def sine_2d(grid, d, base=None):
    """(1, grid*grid, d): half the channels encode x, half y, with sines and cosines of a few frequencies.
    base: the grid the code was first trained at; a finer grid samples the same code at its own cell
    centres, so a model moved to a higher input resolution keeps the positions it learned."""
    base = base or grid
    quarter = d // 4
    freqs = torch.exp(torch.linspace(0, math.log(base), quarter)) * math.pi / base
    coords = (torch.arange(grid).float() + 0.5) * base / grid
    ys, xs = torch.meshgrid(coords, coords, indexing="ij")
    x, y = xs.flatten()[:, None] * freqs, ys.flatten()[:, None] * freqs
    return torch.cat([x.sin(), x.cos(), y.sin(), y.cos()], 1)[None]


def conv(cin, cout, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class VisionEncoder(nn.Module):
    STRIDE = 8  # input pixels per grid cell: the input side is grid * STRIDE

    def __init__(self, d=128, grid=16, emb=128, classes=10, colors=11, pos_base=None):
        super().__init__()
        self.grid = grid
        self.size = grid * self.STRIDE
        self.body = nn.Sequential(
            conv(3, 24, 2), conv(24, 48, 2), conv(48, 48), conv(48, 96, 2),
            conv(96, 96, dilation=2), conv(96, 96, dilation=4))
        self.proj = nn.Conv2d(96, d, 1)
        self.pos = nn.Parameter(torch.randn(1, grid * grid, d) * 0.02)
        self.register_buffer("fixed_pos", sine_2d(grid, d, pos_base), persistent=False)
        self.ln = nn.LayerNorm(d)
        self.null = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pool = nn.Linear(d, emb)
        # dense heads for the auxiliary losses (training only; not exported)
        self.aux_class = nn.Linear(d, classes + 1)
        self.aux_color = nn.Linear(d, colors + 1)
        self.aux_center = nn.Linear(d, 1)

    def forward(self, image):
        f = self.proj(self.body(image))                       # (N, d, g, g)
        # Position goes in after the LayerNorm, at unit scale, as a fixed 2D sine code plus a learned
        # part: added before it, a small learned embedding was drowned by the CNN features and the
        # model never learned where things are (position answers stuck at "center").
        tokens = self.ln(f.flatten(2).transpose(1, 2)) + self.fixed_pos + self.pos  # (N, g*g, d)
        emb = F.normalize(self.pool(tokens.mean(1)), dim=-1)
        all_tokens = torch.cat([tokens, self.null.expand(tokens.shape[0], -1, -1)], 1)
        return all_tokens, emb


class TextEncoder(nn.Module):
    def __init__(self, vocab, d=128, max_len=24, layers=2, heads=4, ff=256, emb=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, max_len, d) * 0.02)
        self.blocks = nn.ModuleList(SelfBlock(d, heads, ff) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.pool = nn.Linear(d, emb)

    def forward(self, tokens):
        mask = (tokens != 0).float()
        x = self.tok(tokens) + self.pos
        for b in self.blocks:
            x = b(x, mask)
        x = self.ln(x)
        emb = F.normalize(self.pool(x[:, 0]), dim=-1)
        return x, emb


class Fusion(nn.Module):
    def __init__(self, answers, d=128, layers=2, heads=4, ff=256):
        super().__init__()
        self.layers = nn.ModuleList(FusionLayer(d, heads, ff) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head1, self.head2 = nn.Linear(d, d), nn.Linear(d, answers)

    def forward(self, text, text_mask, image):
        """text (N,T,d), text_mask (N,T), image (N,M,d) -> logits (N,A), [CLS] cross-attention (N,L,H,M)."""
        x, maps = text, []
        for layer in self.layers:
            x, w = layer(x, text_mask, image)
            maps.append(w[:, :, 0, :])
        h = self.ln(x[:, 0])
        logits = self.head2(F.relu(self.head1(h)))
        return logits, torch.stack(maps, 1)


class Model(nn.Module):
    def __init__(self, vocab, answers, grid=16, max_len=24, pos_base=None):
        super().__init__()
        self.vision = VisionEncoder(grid=grid, pos_base=pos_base)
        self.text = TextEncoder(vocab, max_len=max_len)
        self.fusion = Fusion(answers)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
