"""Independent reference for Qwen image preprocessing: a straight port of Hugging Face's
Qwen2VLImageProcessor steps (smart_resize, PIL BICUBIC resize, rescale, normalize, patchify) in
Python + Pillow + numpy, plus the synthetic image generators the C# tests reproduce.

Written from the HF formulas (transformers image_processing_qwen2_vl.py, image_transforms.py), not
from the C# code under test. Run with Debian's /usr/bin/python3 (python3-pil, python3-numpy).
"""
import math

import numpy as np
from PIL import Image

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

QWEN2 = dict(patch=14, merge=2, temporal=2, min_pixels=3136, max_pixels=12845056, mean=CLIP_MEAN, std=CLIP_STD)
QWEN3 = dict(patch=16, merge=2, temporal=2, min_pixels=65536, max_pixels=16777216, mean=[0.5] * 3, std=[0.5] * 3)


def smart_resize(height, width, factor, min_pixels, max_pixels):
    """HF transformers (current) smart_resize: Python round() = banker's rounding; floor branch guarded by max(factor, .)."""
    if max(height, width) / min(height, width) > 200:
        raise ValueError("aspect")
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


# ---- synthetic images (the same integer formulas are in the C# tests and the Node script) ----

def _grid(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return x.astype(np.uint64), y.astype(np.uint64)


def gen_gradient(w, h, seed=0):
    x, y = _grid(w, h)
    r = x * 255 // max(w - 1, 1)
    g = y * 255 // max(h - 1, 1)
    b = (x + y) * 255 // max(w + h - 2, 1)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def gen_noise(w, h, seed):
    x, y = _grid(w, h)
    m = np.uint64(0xFFFFFFFF)
    chans = []
    for c in range(3):
        n = ((x * np.uint64(73856093)) ^ (y * np.uint64(19349663)) ^ np.uint64((c * 83492791) & 0xFFFFFFFF)
             ^ np.uint64((seed * 2654435761) & 0xFFFFFFFF)) & m
        n ^= n >> np.uint64(13)
        n = (n * np.uint64(0x5BD1E995)) & m
        n ^= n >> np.uint64(15)
        chans.append(n & np.uint64(255))
    return np.stack(chans, axis=-1).astype(np.uint8)


def gen_checker(w, h, seed=0):
    x, y = _grid(w, h)
    on = ((x // 7) + (y // 7)) % 2 == 1
    r = np.where(on, 235, 16)
    g = np.where(on, 16, 235)
    b = np.where(on, 200, 40)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def gen_photo(w, h, seed):
    base = gen_gradient(w, h).astype(np.int64)
    noise = gen_noise(w, h, seed).astype(np.int64)
    return np.clip(base + noise % 33 - 16, 0, 255).astype(np.uint8)


GENERATORS = dict(gradient=gen_gradient, noise=gen_noise, checker=gen_checker, photo=gen_photo)


# ---- HF Qwen2VLImageProcessor._preprocess, step by step ----

def pil_resize(rgb, width, height):
    """HF image_transforms.resize on a uint8 HWC array: to PIL (no rescale for uint8), Image.resize BICUBIC, back."""
    img = Image.fromarray(rgb, mode="RGB")
    return np.array(img.resize((width, height), resample=Image.BICUBIC))


def preprocess(rgb, cfg):
    h, w = rgb.shape[:2]
    P, M, T = cfg["patch"], cfg["merge"], cfg["temporal"]
    rh, rw = smart_resize(h, w, P * M, cfg["min_pixels"], cfg["max_pixels"])
    resized = pil_resize(rgb, rw, rh)
    # rescale: image.astype(float64) * scale, then cast to float32 (image_transforms.rescale)
    x = (resized.astype(np.float64) * (1 / 255)).astype(np.float32)
    # normalize: float32 arithmetic with mean/std cast to the image dtype (image_transforms.normalize)
    x = (x - np.array(cfg["mean"], dtype=np.float32)) / np.array(cfg["std"], dtype=np.float32)
    x = x.transpose(2, 0, 1)  # CHW
    patches = np.broadcast_to(x[None], (T,) + x.shape)  # one frame repeated to temporal_patch_size
    C = 3
    gt, gh, gw = 1, rh // P, rw // P
    flat = (patches.reshape(gt, T, C, gh // M, M, P, gw // M, M, P)
            .transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
            .reshape(gt * gh * gw, C * T * P * P))
    return resized, np.ascontiguousarray(flat), (gt, gh, gw)
