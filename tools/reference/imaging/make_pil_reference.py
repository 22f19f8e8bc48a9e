#!/usr/bin/python3
"""Golden pixels for the imaging tests, made by an independent decoder: Pillow (Debian python3-pil).

For each listed corpus file: decode with Pillow, apply the EXIF orientation (ImageOps.exif_transpose),
flatten any alpha over white the way transformers' `convert_to_rgb` does (alpha_composite onto an
opaque white RGBA canvas, then drop alpha), convert to 8-bit RGB, and record the size, the mean of
each channel and the RGB values at an 8x8 grid of sample points ((i + 0.5) / 8 of each side).

Run (from the repository root; reads ../shared/images):
    apt-get install python3-pil python3-numpy
    /usr/bin/python3 tools/reference/imaging/make_pil_reference.py > tests/fixtures/imaging/pil_reference.json
"""
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image, ImageOps

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "images")
FILES = [
    # PNG: exact (same 8-bit values whatever the decoder)
    "real/skimage__chelsea.png",
    "real/skimage__camera.png",            # 8-bit grey
    "real/skimage__logo.png",              # RGBA
    "real/libpng__toucan.png",             # palette + tRNS, Adam7
    "real/libvips__sample_16bit.png",      # 16-bit RGB
    "real/ocrmypdf__linn.png",             # 1-bit palette
    # JPEG: within a small tolerance
    "real/yolov5__bus.jpg",
    "real/llava__waterview.jpg",           # progressive
    "real/exiforient__Landscape_6.jpg",    # EXIF orientation 6
    "real/ocrmypdf__baiona_cmyk.jpg",      # CMYK, Adobe inverted
    "malformed/jpegjs__tree-cmyk-notransform.jpg",
    "malformed/pillow__pil_sample_cmyk.jpg",   # YCCK
    "malformed/jpegjs__cmyk-grey.jpg",         # progressive YCCK
    "malformed/ljt__testimgari.jpg",           # arithmetic coding
    # WebP
    "real/pillow__flower.webp",
    "malformed/libvips__looks-like-svg.webp",  # alpha
    "malformed/libwebp__bad_palette_index.webp",
    "malformed/sharp__animated-loop-3.webp",   # first frame of an animation
    "malformed/qwen25vl__multiple_items_is_webp.png",
    # GIF (first frame), BMP
    "malformed/wuffs__muybridge.gif",
    "real/wuffs__harvesters.bmp",
    "malformed/pillow__bmp_g_pal1.bmp",
    "malformed/pillow__bmp_g_pal8rle.bmp",
]
GRID = 8
# EXIF facts as Pillow reads them (IFD0 Make/Model/Orientation, Exif IFD DateTimeOriginal).
EXIF_FILES = [
    "real/yolov5__bus.jpg",
    "real/pillow__flower.webp",
    "real/qwen3vl__sketch2code_input.jpeg",
    "real/donut__sample_image_donut_document.png",
    "real/exiforient__Landscape_6.jpg",
    "malformed/pillow__sugarshack_bad_mpo_header.jpg",
    "real/sam__dog.jpg",
]
# Decoding at reduced size. JPEG: Pillow's draft() asks libjpeg for DCT scaling (scale 1/2 here),
# the same mechanism as TurboJPEG's scaling factors. WebP: the full-size mean (a rescale keeps it).
SCALED_JPEG = [("real/minisolar__8k_stars_milky_way.jpg", 2)]
FULL_MEAN_ONLY = ["real/libwebp__bryce.webp"]


def to_rgb(im):
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    if im.mode.startswith("I;16") or im.mode == "I":
        return Image.fromarray((np.asarray(im, dtype=np.uint32) >> 8).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")


def record(a):
    h, w, _ = a.shape
    samples = []
    for j in range(GRID):
        for i in range(GRID):
            x, y = int((i + 0.5) * w / GRID), int((j + 0.5) * h / GRID)
            samples.append([x, y] + [int(v) for v in a[y, x]])
    return {
        "width": w,
        "height": h,
        "mean": [round(float(a[:, :, c].mean()), 4) for c in range(3)],
        "samples": samples,
    }


def exif_facts(rel):
    with Image.open(os.path.join(SHARED, rel)) as im:
        e = im.getexif()
        return {
            "make": e.get(0x010F),
            "model": e.get(0x0110),
            "orientation": e.get(0x0112, 1),
            "dateTimeOriginal": e.get_ifd(0x8769).get(0x9003),
        }


def main():
    out = {"generator": f"Pillow {PIL.__version__}, numpy {np.__version__}", "grid": GRID, "images": {}}
    for rel in FILES:
        with Image.open(os.path.join(SHARED, rel)) as im:
            im.seek(0)
            rgb = to_rgb(im)
        out["images"][rel] = record(np.asarray(rgb, dtype=np.uint8))
    out["scaledJpeg"] = {}
    for rel, denom in SCALED_JPEG:
        with Image.open(os.path.join(SHARED, rel)) as im:
            im.draft("RGB", (im.width // denom, im.height // denom))
            entry = record(np.asarray(im.convert("RGB"), dtype=np.uint8))
        entry["denominator"] = denom
        out["scaledJpeg"][rel] = entry
    out["fullMean"] = {}
    for rel in FULL_MEAN_ONLY:
        with Image.open(os.path.join(SHARED, rel)) as im:
            a = np.asarray(im.convert("RGB"), dtype=np.uint8)
        out["fullMean"][rel] = {"width": a.shape[1], "height": a.shape[0], "mean": [round(float(a[:, :, c].mean()), 4) for c in range(3)]}
    out["exif"] = {rel: exif_facts(rel) for rel in EXIF_FILES}
    # One image per line keeps the file small and its diffs readable.
    images = out.pop("images")
    sys.stdout.write(json.dumps(out, separators=(',', ':'))[:-1] + ', "images": {\n')
    sys.stdout.write(",\n".join(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in images.items()))
    sys.stdout.write("\n}}\n")


if __name__ == "__main__":
    main()
