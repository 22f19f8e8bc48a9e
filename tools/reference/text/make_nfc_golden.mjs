// NFC golden pairs made by JavaScript's String.prototype.normalize('NFC') (ICU), the normaliser transformers.js uses.
//   cd tools/reference && node text/make_nfc_golden.mjs ../../tests/fixtures/text/nfc_golden.json
import fs from 'fs';
const out = process.argv[2];
let seed = 0xc0ffee;
function rand() {
  seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const inputs = [];
const str = (cp) => String.fromCodePoint(cp);
// Every code point that NFC or NFD changes, and its NFD form (which NFC must recompose).
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  if (cp >= 0xac00 && cp < 0xac00 + 11172 && cp % 97 !== 0) continue;   // a sample of Hangul syllables
  const s = str(cp);
  if (s.normalize('NFD') !== s || s.normalize('NFC') !== s) inputs.push(s, s.normalize('NFD'));
}
// Random base + marks sequences (reordering and blocking), and jamo sequences.
const marks = [0x300, 0x301, 0x302, 0x303, 0x308, 0x30a, 0x323, 0x327, 0x328, 0x331, 0x334, 0x345, 0x5b0, 0x5bc, 0x93c, 0x94d, 0x3099, 0x309a, 0x1dc0, 0x20d0, 0x0bd7, 0x0cd5];
const bases = [0x41, 0x61, 0x45, 0x65, 0x4f, 0x6f, 0x55, 0x73, 0x3b1, 0x3c9, 0x418, 0x915, 0x3046, 0x30ab, 0xc6, 0xe5, 0x1100, 0xac00, 0x0b92, 0x0cc6];
for (let i = 0; i < 3000; i++) {
  let s = '';
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    s += str(bases[Math.floor(rand() * bases.length)]);
    const m = Math.floor(rand() * 4);
    for (let j = 0; j < m; j++) s += str(marks[Math.floor(rand() * marks.length)]);
  }
  inputs.push(s);
}
for (let l = 0; l < 19; l += 3) for (let v = 0; v < 21; v += 4) for (let t = 0; t < 28; t += 9)
  inputs.push(str(0x1100 + l) + str(0x1161 + v) + (t ? str(0x11a7 + t) : '') + 'x');
inputs.push('\u0301leading mark', 'e\u0301\ud83d\ude00');
const cases = inputs.map((s) => [s, s.normalize('NFC')]);
fs.writeFileSync(out, JSON.stringify({ source: `Node ${process.versions.node} ICU ${process.versions.icu} Unicode ${process.versions.unicode}`,
  command: 'cd tools/reference && node text/make_nfc_golden.mjs ../../tests/fixtures/text/nfc_golden.json', cases }) + '\n');
console.log(`${cases.length} cases`);
