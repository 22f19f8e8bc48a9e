"""Writes tests/fixtures/preprocess/pil_reference.json: for synthetic images (generators in qwen_reference.py),
(1) Pillow BICUBIC resizes to explicit sizes and (2) the full HF Qwen2VLImageProcessor pipeline, stored as a
SHA-256 of the resized bytes, a few hundred sampled values and per-channel statistics (keeps the file small).

Run from the repository root:  /usr/bin/python3 tools/reference/preprocess/make_pil_fixtures.py
"""
import hashlib
import json
import os
import sys

import numpy as np
import PIL

sys.path.insert(0, os.path.dirname(__file__))
from qwen_reference import GENERATORS, QWEN2, QWEN3, pil_resize, preprocess  # noqa: E402

SAMPLES = 300

# (generator, seed, width, height, target width, target height): up, down, one axis kept, big shrink.
RESIZES = [
    ("noise", 1, 64, 48, 200, 150),
    ("noise", 2, 400, 300, 37, 29),
    ("checker", 0, 97, 61, 97, 140),
    ("checker", 0, 250, 90, 71, 90),
    ("gradient", 0, 300, 200, 308, 196),
    ("photo", 3, 512, 384, 130, 510),
    ("noise", 4, 1000, 20, 333, 7),
]

SMALL_BUDGET = dict(QWEN2, max_pixels=28 * 28 * 64)
PIPELINES = [
    ("qwen2", QWEN2, "gradient", 0, 300, 200),      # mild up/down mix → 308x196
    ("qwen2", QWEN2, "noise", 5, 123, 77),          # rounds to 112x84
    ("qwen2", QWEN2, "noise", 10, 10, 10),          # below min_pixels → 56x56
    ("qwen2", QWEN2, "checker", 0, 90, 700),        # tall
    ("qwen2_small_budget", SMALL_BUDGET, "photo", 6, 640, 480),  # above max_pixels → strong downscale
    ("qwen2_small_budget", SMALL_BUDGET, "noise", 7, 517, 389),
    ("qwen2", QWEN2, "noise", 12, 224, 224),        # already a valid size: no resize (layout check)
    ("qwen3", QWEN3, "noise", 13, 256, 256),        # 256² = min_pixels exactly: no resize
    ("qwen3", QWEN3, "noise", 8, 123, 77),          # below min_pixels 65536 → upscale
    ("qwen3", QWEN3, "checker", 0, 517, 389),
    ("qwen3", QWEN3, "photo", 9, 1000, 300),
    ("qwen3", QWEN3, "gradient", 0, 40, 1500),
]


def samples(flat, rng, count):
    idx = np.sort(rng.choice(flat.size, size=min(count, flat.size), replace=False))
    return [[int(i), flat.flat[i].item()] for i in idx]


def main():
    rng = np.random.default_rng(20261122)
    resizes = []
    for gen, seed, w, h, tw, th in RESIZES:
        rgb = GENERATORS[gen](w, h, seed)
        out = pil_resize(rgb, tw, th)
        resizes.append(dict(generator=gen, seed=seed, width=w, height=h, target_width=tw, target_height=th,
                            sha256=hashlib.sha256(out.tobytes()).hexdigest(),
                            samples=samples(out.reshape(-1), rng, SAMPLES)))
    pipelines = []
    for cname, cfg, gen, seed, w, h in PIPELINES:
        rgb = GENERATORS[gen](w, h, seed)
        resized, flat, grid = preprocess(rgb, cfg)
        rl = flat.shape[1]
        per_channel = flat.reshape(flat.shape[0], 3, rl // 3)
        pipelines.append(dict(
            config=cname, patch=cfg["patch"], merge=cfg["merge"], temporal=cfg["temporal"],
            min_pixels=cfg["min_pixels"], max_pixels=cfg["max_pixels"], mean=cfg["mean"], std=cfg["std"],
            generator=gen, seed=seed, width=w, height=h,
            resized_height=resized.shape[0], resized_width=resized.shape[1],
            resized_sha256=hashlib.sha256(resized.tobytes()).hexdigest(),
            shape=list(flat.shape), grid=list(grid),
            channel_means=[float(per_channel[:, c].astype(np.float64).mean()) for c in range(3)],
            max_abs=float(np.abs(flat).max()),
            samples=samples(flat, rng, SAMPLES)))
    out = os.path.join("tests", "fixtures", "preprocess", "pil_reference.json")
    with open(out, "w") as f:
        json.dump({"source": "tools/reference/preprocess/make_pil_fixtures.py", "pillow": PIL.__version__,
                   "numpy": np.__version__, "resizes": resizes, "pipelines": pipelines}, f)
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
