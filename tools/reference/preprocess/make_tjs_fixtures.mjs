// Writes tests/fixtures/preprocess/tjs_reference.json: transformers.js 4.3.1's Qwen2VLImageProcessor on the same
// synthetic images and configs as pil_reference.json (read for the case list and the sample indices).
// transformers.js resizes with sharp (libvips affine), not Pillow, so its values differ; the C# test measures by how much.
//
// Run from the repository root after `make setup`:  node tools/reference/preprocess/make_tjs_fixtures.mjs
//
// Two transformers.js facts that matter: its ImageProcessor defaults `resample` to 2 (BILINEAR) and `do_normalize`
// to undefined (off) when the json lacks them, and HF's shipped Qwen2-VL/Qwen3-VL jsons lack both. So each case is
// run twice: "as_shipped" (the json's own fields, i.e. bilinear; normalise switched on as HF does by default) and
// "bicubic" (resample 3, like HF's class default) — the latter is the apples-to-apples comparison.
import fs from 'node:fs';
import path from 'node:path';
import { Qwen2VLImageProcessor, RawImage } from '@huggingface/transformers';

const fixtures = path.join('tests', 'fixtures', 'preprocess');

function gradient(x, y, c, w, h) {
  if (c === 0) return Math.floor((x * 255) / Math.max(w - 1, 1));
  if (c === 1) return Math.floor((y * 255) / Math.max(h - 1, 1));
  return Math.floor(((x + y) * 255) / Math.max(w + h - 2, 1));
}
function noise(x, y, c, seed) {
  let n = (Math.imul(x, 73856093) ^ Math.imul(y, 19349663) ^ Math.imul(c, 83492791) ^ Math.imul(seed, 2654435761 | 0)) >>> 0;
  n = (n ^ (n >>> 13)) >>> 0;
  n = Math.imul(n, 0x5bd1e995) >>> 0;
  n = (n ^ (n >>> 15)) >>> 0;
  return n & 255;
}
function checker(x, y, c) {
  const on = (Math.floor(x / 7) + Math.floor(y / 7)) % 2 === 1;
  return c === 0 ? (on ? 235 : 16) : c === 1 ? (on ? 16 : 235) : on ? 200 : 40;
}
function pixel(gen, x, y, c, w, h, seed) {
  switch (gen) {
    case 'gradient': return gradient(x, y, c, w, h);
    case 'noise': return noise(x, y, c, seed);
    case 'checker': return checker(x, y, c);
    case 'photo': return Math.min(255, Math.max(0, gradient(x, y, c, w, h) + (noise(x, y, c, seed) % 33) - 16));
    default: throw new Error(gen);
  }
}
function makeImage(gen, w, h, seed) {
  const data = new Uint8ClampedArray(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[3 * (y * w + x) + c] = pixel(gen, x, y, c, w, h, seed);
  return new RawImage(data, w, h, 3);
}

function hfJson(p) {
  // The fields of HF's preprocessor_config.json (min/max pixels, patch sizes, mean/std) and nothing else.
  return {
    min_pixels: p.min_pixels, max_pixels: p.max_pixels, patch_size: p.patch, temporal_patch_size: p.temporal,
    merge_size: p.merge, image_mean: p.mean, image_std: p.std,
  };
}

const pil = JSON.parse(fs.readFileSync(path.join(fixtures, 'pil_reference.json'), 'utf8'));
const out = { source: 'tools/reference/preprocess/make_tjs_fixtures.mjs', transformers_js: '4.3.1', variants: {} };
for (const [variant, extra] of [['as_shipped', { do_resize: true, do_normalize: true }], ['bicubic', { do_resize: true, do_normalize: true, resample: 3 }]]) {
  const cases = [];
  for (const p of pil.pipelines) {
    const processor = new Qwen2VLImageProcessor({ ...hfJson(p), ...extra });
    const result = await processor(makeImage(p.generator, p.width, p.height, p.seed));
    const pv = result.pixel_values;
    const data = pv.data;
    cases.push({
      config: p.config, generator: p.generator, seed: p.seed, width: p.width, height: p.height,
      shape: pv.dims, grid: Array.from(result.image_grid_thw.data, Number),
      samples: p.samples.map(([i]) => [i, data[i]]),
    });
  }
  out.variants[variant] = cases;
}
// The published white 224×224 vector (facts doc): mean 2.050372362136841 with Qwen2-VL's values.
const white = new RawImage(new Uint8ClampedArray(224 * 224 * 3).fill(255), 224, 224, 3);
const w = await new Qwen2VLImageProcessor({ ...hfJson(pil.pipelines[0]), do_resize: true, do_normalize: true, resample: 3 })(white);
out.white224 = { shape: w.pixel_values.dims, mean: w.pixel_values.data.reduce((a, b) => a + b, 0) / w.pixel_values.data.length };
fs.writeFileSync(path.join(fixtures, 'tjs_reference.json'), JSON.stringify(out));
console.log(`wrote tjs_reference.json; white224 ${JSON.stringify(out.white224)}`);
