"""Writes tests/fixtures/preprocess/smart_resize_table.json: expected smart_resize results for many sizes,
from the straight Python port in qwen_reference.py (banker's rounding, HF's max(factor, .) floor guard).

Run from the repository root:  /usr/bin/python3 tools/reference/preprocess/make_smart_resize_table.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qwen_reference import smart_resize  # noqa: E402

CONFIGS = {
    "qwen2": (28, 3136, 12845056),
    "qwen3": (32, 65536, 16777216),
    "qwen2_class_defaults": (28, 56 * 56, 28 * 28 * 1280),
    "small_budget": (28, 3136, 28 * 28 * 64),
}

SIZES = [
    (876, 1300), (1300, 876), (1080, 1920), (1920, 1080), (224, 224), (480, 640), (720, 1280), (2160, 3840),
    (4000, 6000), (6000, 4000), (12000, 9000), (10, 10), (1, 1), (28, 28), (56, 56), (32, 32), (3, 600),
    (1, 200), (200, 1), (1, 201), (5, 1000), (5, 1001), (10, 1900), (14, 2800), (100, 20000), (100, 20001),
    # ties for round(): h/28 = k + 0.5 → even k (70/28 = 2.5 → 2, 98/28 = 3.5 → 4, 42/28 = 1.5 → 2)
    (70, 700), (98, 700), (42, 4200), (126, 1000), (154, 1000), (80, 1000), (112, 1000), (48, 4800), (144, 1000),
    (333, 777), (517, 389), (389, 517), (123, 77), (77, 123), (300, 200), (200, 300), (640, 480), (37, 1001),
    (3584, 3584), (3585, 3584), (4096, 4096), (8192, 8192), (16384, 64), (64, 12800), (50, 10000),
]


def main():
    rows = []
    for name, (factor, mn, mx) in CONFIGS.items():
        for h, w in SIZES:
            row = {"config": name, "factor": factor, "min_pixels": mn, "max_pixels": mx, "height": h, "width": w}
            try:
                rh, rw = smart_resize(h, w, factor, mn, mx)
                row.update(resized_height=rh, resized_width=rw)
            except ValueError:
                row.update(error="aspect")
            rows.append(row)
    out = os.path.join("tests", "fixtures", "preprocess", "smart_resize_table.json")
    with open(out, "w") as f:
        json.dump({"source": "tools/reference/preprocess/make_smart_resize_table.py", "cases": rows}, f, indent=0)
    print(f"wrote {len(rows)} cases to {out}")


if __name__ == "__main__":
    main()
