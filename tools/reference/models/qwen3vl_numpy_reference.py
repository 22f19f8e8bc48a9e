#!/usr/bin/python3
"""Independent numpy forward of a Qwen3-VL checkpoint (vision tower + text decoder), for golden data.

Written from the architecture description (QWEN_VL_FACTS.md section 2; transformers' modeling_qwen3_vl.py read
for facts), vectorised and with full recomputation instead of a KV cache, so it shares no structure with the C#
reference in tests/VLOrleans.Engine.Tests/Reference/. Needs only numpy (Debian: apt-get install python3-numpy).

Regenerate the fixture (from the repository root):
    ./vl make-tiny-model --family qwen3-vl --preset tiny --seed 0 --out /tmp/qwen3vl-tiny
    /usr/bin/python3 tools/reference/models/qwen3vl_numpy_reference.py /tmp/qwen3vl-tiny \
        tests/fixtures/models/qwen3vl-tiny-seed0-numpy.json
"""
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

IMAGE_TOKEN, VISION_START, VISION_END = 151655, 151652, 151653


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        assert info["dtype"] == "BF16", info["dtype"]
        bits = np.frombuffer(data[begin:end], dtype="<u2").astype(np.uint32) << 16
        tensors[name] = bits.view(np.float32).reshape(info["shape"]).astype(np.float64)
    return tensors


def pixels(count, salt=0):
    # the same float32 values as ReferenceTextTests.Pixels: ((i + salt)·7919 mod 2001)/1000 − 1
    k = ((np.arange(count, dtype=np.int64) + salt) * 7919) % 2001
    return (k.astype(np.float32) / np.float32(1000)) - np.float32(1)


def layer_norm(x, w, b, eps=1e-6):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


ERF = np.vectorize(math.erf)


def gelu_erf(x):
    return 0.5 * x * (1 + ERF(x / math.sqrt(2)))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def to_merge_order(a, h, w):
    """[h, w, ...] row-major → rows in (block_row, block_col, intra_row, intra_col) order."""
    rest = a.shape[2:]
    return a.reshape(h // 2, 2, w // 2, 2, *rest).transpose(0, 2, 1, 3, *range(4, 4 + len(rest))).reshape(h * w, *rest)


def vision(W, vc, pix, grids):
    E, heads = vc["hidden_size"], vc["num_heads"]
    hd = E // heads
    n = sum(t * h * w for t, h, w in grids)
    x = pix.astype(np.float64).reshape(n, -1) @ W["model.visual.patch_embed.proj.weight"].reshape(E, -1).T
    x += W["model.visual.patch_embed.proj.bias"]

    side = int(round(math.sqrt(vc["num_position_embeddings"])))
    table = W["model.visual.pos_embed.weight"].reshape(side, side, E)
    d = hd // 2
    inv = (np.float32(1) / (np.float32(10000) ** (np.arange(0, d, 2, dtype=np.float32) / np.float32(d)))).astype(np.float32)
    pos, rows, cols, seg = [], [], [], []
    segment = 0
    for t, h, w in grids:
        hi, wi = np.linspace(0, side - 1, h), np.linspace(0, side - 1, w)
        h0, w0 = np.floor(hi).astype(int), np.floor(wi).astype(int)
        h1, w1 = np.minimum(h0 + 1, side - 1), np.minimum(w0 + 1, side - 1)
        dh, dw = (hi - h0)[:, None, None], (wi - w0)[None, :, None]
        grid = ((1 - dh) * (1 - dw) * table[h0][:, w0] + (1 - dh) * dw * table[h0][:, w1]
                + dh * (1 - dw) * table[h1][:, w0] + dh * dw * table[h1][:, w1])
        rr, cc = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        for _ in range(t):
            pos.append(to_merge_order(grid, h, w))
            rows.append(to_merge_order(rr, h, w))
            cols.append(to_merge_order(cc, h, w))
            seg.append(np.full(h * w, segment))
            segment += 1
    x += np.concatenate(pos)
    rows, cols, seg = np.concatenate(rows), np.concatenate(cols), np.concatenate(seg)
    angles = np.concatenate([rows[:, None].astype(np.float32) * inv, cols[:, None].astype(np.float32) * inv], axis=1).astype(np.float64)
    emb = np.concatenate([angles, angles], axis=1)[:, None, :]
    cos, sin = np.cos(emb), np.sin(emb)
    mask = np.where(seg[:, None] == seg[None, :], 0.0, -np.inf)

    deepstack = []
    for b in range(vc["depth"]):
        p = f"model.visual.blocks.{b}."
        y = layer_norm(x, W[p + "norm1.weight"], W[p + "norm1.bias"])
        qkv = (y @ W[p + "attn.qkv.weight"].T + W[p + "attn.qkv.bias"]).reshape(n, 3, heads, hd)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = np.einsum("ihd,jhd->hij", q, k) / math.sqrt(hd) + mask
        out = np.einsum("hij,jhd->ihd", softmax(scores), v).reshape(n, E)
        x = x + out @ W[p + "attn.proj.weight"].T + W[p + "attn.proj.bias"]
        y = layer_norm(x, W[p + "norm2.weight"], W[p + "norm2.bias"])
        y = gelu_tanh(y @ W[p + "mlp.linear_fc1.weight"].T + W[p + "mlp.linear_fc1.bias"])
        x = x + y @ W[p + "mlp.linear_fc2.weight"].T + W[p + "mlp.linear_fc2.bias"]
        if b in vc["deepstack_visual_indexes"]:
            j = vc["deepstack_visual_indexes"].index(b)
            deepstack.append(merger(W, f"model.visual.deepstack_merger_list.{j}.", x.reshape(n // 4, 4 * E), post=True))
    main = merger(W, "model.visual.merger.", x, post=False)
    return main, deepstack


def merger(W, p, x, post):
    if post:
        x = layer_norm(x, W[p + "norm.weight"], W[p + "norm.bias"])
    else:
        x = layer_norm(x, W[p + "norm.weight"], W[p + "norm.bias"]).reshape(x.shape[0] // 4, -1)
    x = gelu_erf(x @ W[p + "linear_fc1.weight"].T + W[p + "linear_fc1.bias"])
    return x @ W[p + "linear_fc2.weight"].T + W[p + "linear_fc2.bias"]


def rope_index(ids, grids):
    """get_rope_index for one unpadded sequence with images (Qwen3-VL), as in transformers' list-based loop."""
    tokens = list(ids)
    starts = [i for i, t in enumerate(tokens) if t == VISION_START]
    n_images = sum(1 for i in starts if tokens[i + 1] == IMAGE_TOKEN)
    parts, st = [], 0
    for g in range(n_images):
        ed = tokens.index(IMAGE_TOKEN, st)
        t, h, w = grids[g]
        gt, gh, gw = t, h // 2, w // 2
        st_idx = parts[-1].max() + 1 if parts else 0
        parts.append(np.arange(ed - st)[None, :].repeat(3, 0) + st_idx)
        ti = np.arange(gt)[:, None].repeat(gh * gw, 1).flatten()
        hi = np.arange(gh)[None, :, None].repeat(gt, 0).repeat(gw, 2).flatten()
        wi = np.arange(gw)[None, None, :].repeat(gt, 0).repeat(gh, 1).flatten()
        parts.append(np.stack([ti, hi, wi]) + (ed - st) + st_idx)
        st = ed + gt * gh * gw
    if st < len(tokens):
        st_idx = parts[-1].max() + 1 if parts else 0
        parts.append(np.arange(len(tokens) - st)[None, :].repeat(3, 0) + st_idx)
    pos = np.concatenate(parts, axis=1)
    return pos, int(pos.max() + 1 - len(tokens))


def text(W, tc, ids, pos, features, deepstack):
    H, heads, kvh, hd = tc["hidden_size"], tc["num_attention_heads"], tc["num_key_value_heads"], tc["head_dim"]
    eps, section = tc["rms_norm_eps"], tc["rope_scaling"]["mrope_section"]
    s = len(ids)
    embed = W["model.language_model.embed_tokens.weight"]
    x = embed[np.array(ids)]
    vis = np.array(ids) == IMAGE_TOKEN
    x[vis] = features

    inv = (np.float32(1) / (np.float32(tc["rope_theta"]) ** (np.arange(0, hd, 2).astype(np.float32) / np.float32(hd)))).astype(np.float32)
    freqs = pos.astype(np.float32)[:, :, None] * inv[None, None, :]          # [3, S, hd/2] in float32
    f = freqs[0].copy()
    f[:, 1:3 * section[1]:3] = freqs[1][:, 1:3 * section[1]:3]
    f[:, 2:3 * section[2]:3] = freqs[2][:, 2:3 * section[2]:3]
    emb = np.concatenate([f, f], axis=1).astype(np.float64)[:, None, :]
    cos, sin = np.cos(emb), np.sin(emb)
    causal = np.triu(np.full((s, s), -np.inf), 1)

    for layer in range(tc["num_hidden_layers"]):
        p = f"model.language_model.layers.{layer}."
        y = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = rms_norm((y @ W[p + "self_attn.q_proj.weight"].T).reshape(s, heads, hd), W[p + "self_attn.q_norm.weight"], eps)
        k = rms_norm((y @ W[p + "self_attn.k_proj.weight"].T).reshape(s, kvh, hd), W[p + "self_attn.k_norm.weight"], eps)
        v = (y @ W[p + "self_attn.v_proj.weight"].T).reshape(s, kvh, hd)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = np.repeat(k, heads // kvh, axis=1), np.repeat(v, heads // kvh, axis=1)
        scores = np.einsum("ihd,jhd->hij", q, k) / math.sqrt(hd) + causal
        out = np.einsum("hij,jhd->ihd", softmax(scores), v).reshape(s, heads * hd)
        x = x + out @ W[p + "self_attn.o_proj.weight"].T
        y = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        gate = y @ W[p + "mlp.gate_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * (y @ W[p + "mlp.up_proj.weight"].T)) @ W[p + "mlp.down_proj.weight"].T
        if deepstack is not None and layer < len(deepstack):
            x[vis] += deepstack[layer]
    return rms_norm(x, W["model.language_model.norm.weight"], eps) @ embed.T


def main():
    model, out = sys.argv[1], sys.argv[2]
    cfg = json.load(open(os.path.join(model, "config.json")))
    W = load_safetensors(os.path.join(model, "model.safetensors"))
    sha = hashlib.sha256(open(os.path.join(model, "model.safetensors"), "rb").read()).hexdigest()
    vc, tc = cfg["vision_config"], cfg["text_config"]

    # vision: three grids, the last with two frames (segments are per frame)
    grids = [(1, 4, 6), (1, 2, 2), (2, 2, 4)]
    n = sum(t * h * w for t, h, w in grids)
    feats, deep = vision(W, vc, pixels(n * 1536), grids)

    # text: two images (the first two grids, 6 and 1 tokens) in a chat prompt; features are the first 7 rows
    ids = ([151644, 872, 198, VISION_START] + [IMAGE_TOKEN] * 6 + [VISION_END, 74785, 419, VISION_START, IMAGE_TOKEN, VISION_END, 13]
           + [151645, 198, 151644, 77091, 198])
    pos, delta = rope_index(ids, grids[:2])
    logits = text(W, tc, ids, pos, feats[:7], [d[:7] for d in deep])
    # two decode steps, here by full recomputation with positions max + 1, max + 2 (= cache length + rope_delta)
    decode_ids = [9707, 11]
    full_ids = ids + decode_ids
    extra = np.array([[len(ids) + i + delta] * 3 for i in range(len(decode_ids))]).T
    full_logits = text(W, tc, full_ids, np.concatenate([pos, extra], axis=1), feats[:7], [d[:7] for d in deep])

    probe = sorted(set([0, 1, 13, 198, 872, 9707, 14990, 77091, 151643, 151645, 151655, 151935] + [i * 3797 for i in range(40)]))
    rows = lambda a: [[float(v) for v in r] for r in a]
    fixture = {
        "made_by": "tools/reference/models/qwen3vl_numpy_reference.py (numpy %s)" % np.__version__,
        "model": "vl make-tiny-model --family qwen3-vl --preset tiny --seed 0",
        "model_safetensors_sha256": sha,
        "pixels": "ReferenceTextTests.Pixels(N*1536, salt 0) over all vision grids",
        "vision_grids": [list(g) for g in grids],
        "image_features": rows(feats),
        "deepstack": [rows(d) for d in deep],
        "text_grids": [list(g) for g in grids[:2]],
        "input_ids": ids,
        "position_ids": pos.tolist(),
        "rope_delta": delta,
        "probe_ids": probe,
        "prefill_logits": rows(logits[:, probe]),
        "prefill_argmax": [int(i) for i in logits.argmax(-1)],
        "decode_ids": decode_ids,
        "decode_logits": rows(full_logits[len(ids):, probe]),
    }
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
