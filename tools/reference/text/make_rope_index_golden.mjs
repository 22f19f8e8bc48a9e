// M-RoPE position ids from transformers.js 4.3.1's Qwen2VLForConditionalGeneration.get_rope_index, called on a bare
// object with only a config (no weights). Prompts: real chat template (@huggingface/jinja) + real tokenizer +
// TJS-style text expansion of <|image_pad|> (one copy per merged patch), padded on the left for batches.
//   cd tools/reference && node text/make_rope_index_golden.mjs ../../.deps/tokenizer-qwen3 /work/shared/reference/chat-templates ../../tests/fixtures/text/rope_index_golden.json
// Note: TJS leaves padded slots at 0 (Hugging Face uses 1); compare only positions where the mask is 1.
import { PreTrainedTokenizer, Qwen2VLForConditionalGeneration, Tensor } from '@huggingface/transformers';
import { Template } from '@huggingface/jinja';
import fs from 'fs';
import path from 'path';

const [tokDir, templateDir, out] = process.argv.slice(2);
const tok = new PreTrainedTokenizer(JSON.parse(fs.readFileSync(path.join(tokDir, 'tokenizer.json'), 'utf8')),
  JSON.parse(fs.readFileSync(path.join(tokDir, 'tokenizer_config.json'), 'utf8')));
const templates = {
  qwen2vl: new Template(fs.readFileSync(path.join(templateDir, 'qwen2-vl_qwen2.5-vl-instruct.chat_template.jinja'), 'utf8')),
  qwen3vl: new Template(fs.readFileSync(path.join(templateDir, 'qwen3-vl-instruct.chat_template.jinja'), 'utf8')),
};
const model = Object.create(Qwen2VLForConditionalGeneration.prototype);
model.config = { image_token_id: 151655, video_token_id: 151656, vision_start_token_id: 151652, vision_config: { spatial_merge_size: 2 } };

const img = { type: 'image' };
const txt = (text) => ({ type: 'text', text });
function promptIds(family, messages, grids) {
  let text = templates[family].render({ messages, add_generation_prompt: true });
  let k = 0;
  // TJS processing_qwen2_vl.js: each <|image_pad|> becomes t*h*w/4 copies (a placeholder first so copies are not re-replaced)
  text = text.replaceAll('<|image_pad|>', () => '<|placeholder|>'.repeat(grids[k][0] * grids[k++][1] * grids[k - 1][2] / 4));
  text = text.replaceAll('<|placeholder|>', '<|image_pad|>');
  return tok.encode(text, { add_special_tokens: false });
}

const rows = {
  one_image_224: ['qwen2vl', [{ role: 'user', content: [img, txt('Describe this image.')] }], [[1, 16, 16]]],
  two_images_non_square: ['qwen2vl', [{ role: 'user', content: [txt('Compare '), img, txt(' with '), img, txt(' please.')] }], [[1, 16, 16], [1, 10, 22]]],
  three_images_text_around: ['qwen3vl', [{ role: 'system', content: 'Be exact.' },
    { role: 'user', content: [txt('Before.'), img, txt('Between one and two.'), img, img, txt('After all three.')] }], [[1, 4, 4], [1, 6, 12], [1, 20, 8]]],
  multi_turn_images: ['qwen3vl', [{ role: 'user', content: [img, txt('What is this?')] }, { role: 'assistant', content: 'A parcel.' },
    { role: 'user', content: [img, txt('And this one, taken later?')] }], [[1, 54, 82], [1, 2, 2]]],
  text_only_row: ['qwen2vl', [{ role: 'user', content: 'No image here, just a question about 42.' }], []],
};

function run(name, rowNames) {
  const built = rowNames.map((r) => { const [family, messages, grids] = rows[r]; return { ids: promptIds(family, messages, grids), grids }; });
  const S = Math.max(...built.map((b) => b.ids.length));
  const ids = built.map((b) => [...Array(S - b.ids.length).fill(151643), ...b.ids]);
  const mask = built.map((b) => [...Array(S - b.ids.length).fill(0), ...Array(b.ids.length).fill(1)]);
  const grids = built.flatMap((b) => b.grids);
  const B = ids.length;
  const inputIds = new Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), [B, S]);
  const attention = new Tensor('int64', BigInt64Array.from(mask.flat().map(BigInt)), [B, S]);
  const gridTensor = grids.length ? new Tensor('int64', BigInt64Array.from(grids.flat().map(BigInt)), [grids.length, 3]) : null;
  const [pos, deltas] = model.get_rope_index(inputIds, gridTensor, null, attention);
  return { name, rows: rowNames, input_ids: ids, attention_mask: mask, image_grid_thw: grids,
    position_ids: Array.from(pos.data, Number), rope_deltas: Array.from(deltas.data, Number) };
}

const cases = [
  run('one_image_224', ['one_image_224']),
  run('two_images_non_square', ['two_images_non_square']),
  run('three_images_text_around', ['three_images_text_around']),
  run('multi_turn_images', ['multi_turn_images']),
  run('batch2_left_padding', ['one_image_224', 'three_images_text_around']),
  run('batch2_left_padding_other_order', ['two_images_non_square', 'one_image_224']),
  run('batch3_with_text_only_row', ['multi_turn_images', 'text_only_row', 'two_images_non_square']),
];
fs.writeFileSync(out, JSON.stringify({
  source: '@huggingface/transformers 4.3.1 Qwen2VLForConditionalGeneration.prototype.get_rope_index (config only, no weights)',
  command: 'cd tools/reference && node text/make_rope_index_golden.mjs ../../.deps/tokenizer-qwen3 /work/shared/reference/chat-templates ../../tests/fixtures/text/rope_index_golden.json',
  note: 'position_ids flattened [3, B, S]; padded slots are 0 here (HF: 1) and are not compared.',
  cases }) + '\n');
for (const c of cases) console.log(c.name, 'B', c.input_ids.length, 'S', c.input_ids[0].length, 'deltas', c.rope_deltas);
