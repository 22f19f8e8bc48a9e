#!/usr/bin/python3
"""Small encoded fixtures with known content, written by Pillow (Debian python3-pil).

cmyk_quadrants.jpg: 32x32 CMYK JPEG, quality 100, 4:4:4, four 16x16 quadrants of known ink
(Pillow writes CMYK JPEGs the Photoshop way: inverted values plus an Adobe APP14 marker).
Quadrant inks (C, M, Y, K; 255 = full ink), row-major: top-left, top-right, bottom-left, bottom-right.
The tests compute the expected RGB themselves: channel = 255 * (1 - ink/255) * (1 - K/255).

gif_transparent.gif: 8x8 palette GIF, left half index 0 (red, declared transparent), right half
index 1 (blue): expected white | blue.

webp_alpha_lossless.webp: 8x8 lossless WebP, RGBA; row y has colour (200, 100, 50) with alpha
ALPHAS[y]: the tests flatten over white by the convert_to_rgb definition.

Run from the repository root:
    /usr/bin/python3 tools/reference/imaging/make_fixtures.py
"""
import os

from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "fixtures", "imaging")
QUADRANTS = [(0, 255, 255, 0), (255, 0, 0, 0), (0, 0, 0, 128), (64, 128, 192, 32)]
ALPHAS = [0, 1, 64, 127, 128, 200, 254, 255]


def main():
    im = Image.new("CMYK", (32, 32))
    for q, ink in enumerate(QUADRANTS):
        x0, y0 = (q % 2) * 16, (q // 2) * 16
        for y in range(y0, y0 + 16):
            for x in range(x0, x0 + 16):
                im.putpixel((x, y), ink)
    im.save(os.path.join(OUT, "cmyk_quadrants.jpg"), quality=100, subsampling=0)

    gif = Image.new("P", (8, 8))
    gif.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    for y in range(8):
        for x in range(8):
            gif.putpixel((x, y), 0 if x < 4 else 1)
    gif.save(os.path.join(OUT, "gif_transparent.gif"), transparency=0)

    webp = Image.new("RGBA", (8, 8))
    for y in range(8):
        for x in range(8):
            webp.putpixel((x, y), (200, 100, 50, ALPHAS[y]))
    webp.save(os.path.join(OUT, "webp_alpha_lossless.webp"), lossless=True, exact=True)


if __name__ == "__main__":
    main()
