// Golden ids for the Qwen byte-level BPE tokenizer, made by transformers.js (the independent reference).
// Run from tools/reference (after `make setup`):
//   node text/make_tokenizer_golden.mjs ../../.deps/tokenizer-qwen3 ../../tests/fixtures/text/tokenizer_golden.json
// The corpus is generated deterministically (fixed seed), so re-running gives the same file.
import { PreTrainedTokenizer } from '@huggingface/transformers';
import fs from 'fs';
import path from 'path';

const [dir, out] = process.argv.slice(2);
const tokenizerJson = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
const tok = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);

// mulberry32: small deterministic PRNG.
let seed = 0x5eed1234;
function rand() {
  seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

const fixed = [
  'hello', 'Hello world!', ' hello', 'hello ', '  hello  ', '', ' ', '  ', '\n', '\n\n', '\t', ' \t\n ',
  'The quick brown fox jumps over the lazy dog.', "I'm sure it's what they'd've wanted, isn't it? We'll see. You're right.",
  "I'M SURE IT'S FINE, THEY'LL COME. 'S 'T 'Re 'vE", 'don\'t\ndon\'t', "'s", "a's", "x 's",
  '你好，世界！', '我爱北京天安门。今天天气很好，我们去公园散步吧。', '这张图片里有什么？请详细描述。',
  'Describe this image.', 'What is shown in the picture? 图片中显示的是什么？',
  '😀', '😀😃😄', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '👩🏻‍💻 coding', '🇫🇷🇩🇪', 'I ❤️ NY', '✔︎ done', 'a😀b', '😀 😀  😀',
  'def f(x):\n    return x * 2\n', 'for (int i = 0; i < n; ++i) { sum += a[i]; }', '```python\nprint("hi")\n```',
  '{"name": "get_weather", "arguments": {"city": "Paris"}}', '<div class="a">text</div>', 'SELECT * FROM t WHERE id=42;',
  '1', '12', '123', '1234', '12345678901234567890', '3.14159265358979', '-42', '1,000,000', '2026-11-22T00:11:16Z', '０１２３', '١٢٣', '½ ⅓ ²',
  '   leading spaces', 'trailing spaces   ', 'a  b   c    d', 'tabs\t\there', '\t\tleading tabs', 'mixed \t \n whitespace \n\n\n end  ',
  'line1\r\nline2\r\n', '\r\n\r\n', 'a\n \nb', 'x \n', ' \n x', '\u00a0nbsp\u00a0', 'ideographic\u3000space', 'nel\u0085x', 'bom\ufeffx', 'zw\u200bsp',
  '<|im_start|>user\nhello<|im_end|>\n', '<|im_start|>assistant\n', '<|vision_start|><|image_pad|><|vision_end|>',
  'text<|image_pad|><|image_pad|>text', '<|endoftext|>', 'a<|im_end|>b', '<tool_call>\n{"name": "x"}\n</tool_call>',
  '<think>\nreasoning\n</think>\n\nanswer', '<tool_response>ok</tool_response>', '<|im_start|', '<|im_start|><|im_start|>', ' <|im_end|> ',
  '<|fim_prefix|>code<|fim_suffix|><|fim_middle|>', '<|box_start|>(10,20),(30,40)<|box_end|>', '<|object_ref_start|>cat<|object_ref_end|>',
  'café', 'cafe\u0301', 'e\u0301', 'A\u030a', '\u212b', 'n\u0303o', 'Å', 'ﬁ ligature', 'Ｆｕｌｌｗｉｄｔｈ', '\u1e9b\u0323',
  'مرحبا بالعالم', 'السلام عليكم ورحمة الله', 'こんにちは世界', 'カタカナとひらがな、漢字。', '안녕하세요 세계', '한국어 텍스트입니다.',
  'Привет, мир!', 'Съешь же ещё этих мягких французских булок.', 'Γειά σου κόσμε', 'שלום עולם', 'नमस्ते दुनिया', 'สวัสดีชาวโลก',
  '𝐀𝐁𝐂 math bold', '𠀀𠀁 ext-b', '𝟏𝟐𝟑', 'a\u0000b', '\u0001\u0002', '\uFFFD',
];

const words = {
  en: ['the', 'image', 'shows', 'a', 'cat', 'sitting', 'on', 'table', 'Parcel', 'damaged', 'box', 'corner', 'QUESTION', 'answer',
    'photo', 'receipt', 'total', 'price', "it's", "don't", 'hello', 'World', 'OpenAI', 'Qwen', 'vision', 'language', 'model'],
  zh: ['图片', '中', '有', '一只', '猫', '坐在', '桌子', '上', '包裹', '损坏', '请', '描述', '这个', '问题', '答案', '价格', '总计'],
  ja: ['写真', 'には', '猫', 'が', 'います', 'テーブル', 'の上', 'に', '箱', '壊れた'],
  ko: ['사진', '에는', '고양이', '가', '있습니다', '테이블', '위에', '상자'],
  ru: ['изображение', 'показывает', 'кошку', 'на', 'столе', 'коробка', 'повреждена'],
  ar: ['الصورة', 'تظهر', 'قطة', 'على', 'الطاولة', 'صندوق', 'تالف'],
  emoji: ['😀', '🐱', '📦', '👍', '👍🏻', '👨‍👩‍👧', '🧑‍🔬', '❤️', '🔥', '✨', '🇯🇵', '🤖', '😂😂'],
  code: ['if', '(', ')', '{', '}', '=>', '==', '!=', 'x', 'y_1', 'fooBar', '//', '#', '->', '::', '[i]', '0x1F', '"str"', "'c'", ';', '...'],
  num: ['0', '7', '42', '2024', '3.5', '100000', '9999999999', '1e10', '-1', '+3', '50%', '$19.99', '¥200', '１２'],
  special: ['<|im_start|>', '<|im_end|>', '<|image_pad|>', '<|vision_start|>', '<|vision_end|>', '<|endoftext|>', '<tool_call>',
    '</tool_call>', '<think>', '</think>', '<|video_pad|>', '<tool_response>'],
  accents: ['café', 'cafe\u0301', 'naïve', 'nai\u0308ve', 'Ångström', 'A\u030angstro\u0308m', 'résumé', 'Über', 'U\u0308ber', 'São'],
};
const seps = [' ', ' ', ' ', '', '\n', '  ', '\t', ', ', '. ', '\n\n', ' \n', '   ', '\r\n'];
const kinds = Object.keys(words);

const generated = [];
while (generated.length < 520) {
  const n = 1 + Math.floor(rand() * 14);
  const mix = rand() < 0.5;
  const kind = pick(kinds);
  let s = rand() < 0.15 ? pick(['', ' ', '  ', '\n', '\t', '   ']) : '';
  for (let i = 0; i < n; i++) {
    s += pick(words[mix ? pick(kinds) : kind]);
    if (i < n - 1 || rand() < 0.2) s += pick(seps);
  }
  if (rand() < 0.1) s += pick(['', ' ', '  ', '\n', '\n\n', '\t', '   \n']);
  generated.push(s);
}
// Long digit runs and long whitespace runs.
let digits = '';
for (let i = 0; i < 60; i++) digits += String(Math.floor(rand() * 10));
generated.push(digits, ' '.repeat(40) + 'x', 'x' + '\n'.repeat(17), '\t '.repeat(12), 'a' + ' '.repeat(30) + 'b');
// Long pre-tokens (more than 64 bytes) exercise the heap-based merge path.
generated.push('supercalifragilisticexpialidocious'.repeat(4), '='.repeat(100), '-'.repeat(80) + '\n',
  '我爱北京天安门今天天气很好我们去公园散步吧这张图片里有什么请详细描述'.repeat(3), ' '.repeat(150), 'ab'.repeat(70),
  'Pneumonoultramicroscopicsilicovolcanoconiosis and antidisestablishmentarianism', '😀'.repeat(30));

const corpus = [...fixed, ...generated];
const cases = corpus.map((text) => {
  const ids = tok.encode(text, { add_special_tokens: false });
  return { text, ids, decoded: ids.length ? tok.decode(ids) : "" };
});
fs.writeFileSync(out, JSON.stringify({
  source: '@huggingface/transformers 4.3.1 PreTrainedTokenizer over .deps/tokenizer-qwen3 (tokenizer.json + tokenizer_config.json)',
  command: 'cd tools/reference && node text/make_tokenizer_golden.mjs ../../.deps/tokenizer-qwen3 ../../tests/fixtures/text/tokenizer_golden.json',
  count: cases.length,
  cases,
}, null, 0) + '\n');
console.log(`wrote ${cases.length} cases to ${out}`);
