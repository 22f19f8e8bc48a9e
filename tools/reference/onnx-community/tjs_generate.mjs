// transformers.js 4.3.1 (onnxruntime-node, CPU) answering one question about one synthetic image with a model folder
// in the onnx-community layout (onnx/vision_encoder.onnx, onnx/embed_tokens.onnx, onnx/decoder_model_merged.onnx +
// HF json + tokenizer): greedy generation through transformers.js's own path (processor → encode_image → merge in JS
// → get_rope_index → decoder with past_key_values/present), recording every step's chosen token and log-softmax.
//
//   node tools/reference/onnx-community/tjs_generate.mjs <model folder> <max new tokens>  > answer.json
//
// Offline: env.allowRemoteModels = false and the folder is given as localModelPath + its own name, so nothing is
// fetched. The image is the same formula as the C# test's (OnnxCommunityAgreementTests.SyntheticImage):
// an RGB gradient with a checker, size = 2×2 merged patches of the family's patch size (56 px for P=14, 64 px for P=16)
// so that smart_resize keeps it as is. The prompt is the family's chat template rendered for
// [user: image, QUESTION] (Qwen2-VL/2.5-VL inject the default system prompt, Qwen3-VL does not).
// Run by tests/VLOrleans.Engine.Tests/OnnxCommunity (which writes the folder first); the golden files under
// tests/fixtures/onnx-community/ are its output (regenerate: VLO_WRITE_ONNX_COMMUNITY_GOLDEN=1 dotnet test ... --filter OnnxCommunity).
import fs from 'node:fs';
import path from 'node:path';
import {
  env, AutoProcessor, RawImage, LogitsProcessor,
  Qwen2VLForConditionalGeneration, Qwen2_5_VLForConditionalGeneration, Qwen3VLForConditionalGeneration,
} from '@huggingface/transformers';

export const QUESTION = 'What is in this picture?';

const [folderArg, maxArg] = process.argv.slice(2);
if (!folderArg) {
  console.error('usage: tjs_generate.mjs <model folder> [max new tokens]');
  process.exit(2);
}
const folder = path.resolve(folderArg);
const maxNewTokens = Number(maxArg ?? 8);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(folder) + path.sep;
const id = path.basename(folder);

const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
const family = config.model_type;
const modelClass = {
  qwen2_vl: Qwen2VLForConditionalGeneration,
  qwen2_5_vl: Qwen2_5_VLForConditionalGeneration,
  qwen3_vl: Qwen3VLForConditionalGeneration,
}[family];
if (!modelClass) throw new Error(`unsupported model_type ${family}`);
const patch = config.vision_config.patch_size;
const side = 2 * 2 * patch; // 2×2 merged tokens of 2×2 patches each

function pixel(x, y, c) {
  const checker = (Math.floor(x / 5) + Math.floor(y / 7)) % 2;
  if (c === 0) return (x * 255 / (side - 1) + 40 * checker) % 256 | 0;
  if (c === 1) return (y * 255 / (side - 1)) | 0;
  return ((x + y) * 4 + 90 * checker) % 256;
}
const data = new Uint8ClampedArray(side * side * 3);
for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) for (let c = 0; c < 3; c++) data[3 * (y * side + x) + c] = pixel(x, y, c);
const image = new RawImage(data, side, side, 3);

const vision = '<|vision_start|><|image_pad|><|vision_end|>';
const prompt = family === 'qwen3_vl'
  ? `<|im_start|>user\n${vision}${QUESTION}<|im_end|>\n<|im_start|>assistant\n`
  : `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n${vision}${QUESTION}<|im_end|>\n<|im_start|>assistant\n`;

const processor = await AutoProcessor.from_pretrained(id);
const model = await modelClass.from_pretrained(id, { dtype: 'fp32', device: 'cpu' });
const inputs = await processor(prompt, image);

// Records each step's log-softmax (chosen token, top 5) without changing the logits.
class Recorder extends LogitsProcessor {
  steps = [];
  _call(inputIds, logits) {
    const row = logits[0].data;
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, 5);
    this.steps.push({ top: order.map((t) => ({ token: t, logit: row[t], logprob: row[t] - lse })) });
    return logits;
  }
}
const recorder = new Recorder();
const started = performance.now();
const output = await model.generate({
  ...inputs, max_new_tokens: maxNewTokens, do_sample: false, logits_processor: [recorder],
});
const elapsed = performance.now() - started;
const all = output.tolist()[0].map(Number);
const promptLength = inputs.input_ids.dims[1];
const tokens = all.slice(promptLength);
console.log(JSON.stringify({
  source: 'tools/reference/onnx-community/tjs_generate.mjs',
  transformers_js: '4.3.1',
  family,
  image: { side, formula: 'see tjs_generate.mjs pixel()' },
  question: QUESTION,
  prompt_ids: Array.from(inputs.input_ids.data, Number),
  image_grid_thw: Array.from(inputs.image_grid_thw.data, Number),
  pixel_values_sum: Array.from(inputs.pixel_values.data).reduce((a, b) => a + b, 0),
  tokens,
  steps: recorder.steps.map((s, i) => ({ token: tokens[i], ...s })),
  generate_ms: Math.round(elapsed),
}, null, 1));
