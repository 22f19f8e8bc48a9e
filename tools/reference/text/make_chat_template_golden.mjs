// Renders conversations with the real Qwen chat templates through @huggingface/jinja 0.5.11 (the reference).
//   cd tools/reference && node text/make_chat_template_golden.mjs /work/shared/reference/chat-templates ../../tests/fixtures/text/chat_template_golden.json
// Output: { cases: [{ name, family, messages, tools?, add_generation_prompt, add_vision_id, expected }] }.
// Conversations that make the template itself throw are recorded with expected_error instead.
import { Template } from '@huggingface/jinja';
import fs from 'fs';
import path from 'path';

const [dir, out] = process.argv.slice(2);
const templates = {
  qwen2vl: fs.readFileSync(path.join(dir, 'qwen2-vl_qwen2.5-vl-instruct.chat_template.jinja'), 'utf8'),
  qwen3vl: fs.readFileSync(path.join(dir, 'qwen3-vl-instruct.chat_template.jinja'), 'utf8'),
};

const img = { type: 'image' };
const vid = { type: 'video' };
const txt = (text) => ({ type: 'text', text });
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Get the current weather in a city. Says "sunny" or \'rainy\'.',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name, e.g. 北京' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 14 } },
      required: ['city'] },
  },
};
const zoomTool = { type: 'function', function: { name: 'zoom_image', description: 'Zoom into a region.\nReturns an image.',
  parameters: { type: 'object', properties: { bbox: { type: 'array', items: { type: 'number' } }, scale: { type: 'number', default: 2.5 },
    verbose: { type: 'boolean', default: false }, note: { type: ['string', 'null'], default: null } } } } };
const plainTool = { name: 'lookup', description: 'Tab\there, quote " backslash \\ and control \u0001.', parameters: {} };

const conversations = [
  ['single_user_text', [{ role: 'user', content: 'Hello!' }]],
  ['single_user_image', [{ role: 'user', content: [img, txt('Describe this image.')] }]],
  ['system_string', [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: [img, txt('Describe this image.')] }]],
  ['system_custom', [{ role: 'system', content: '你是一个乐于助人的助手。' }, { role: 'user', content: '你好' }]],
  ['system_as_list', [{ role: 'system', content: [txt('Be brief. '), txt('Answer in English.')] }, { role: 'user', content: 'Hi' }]],
  ['two_images_one_message', [{ role: 'user', content: [img, img, txt('What differs between these two pictures?')] }]],
  ['three_images_interleaved', [{ role: 'user', content: [txt('First: '), img, txt('\nSecond: '), img, txt('\nThird: '), img, txt('\nCompare.')] }]],
  ['only_images', [{ role: 'user', content: [img, img] }]],
  ['empty_text', [{ role: 'user', content: '' }]],
  ['empty_text_item', [{ role: 'user', content: [txt(''), img, txt('')] }]],
  ['empty_list', [{ role: 'user', content: [] }]],
  ['multi_turn', [
    { role: 'user', content: [img, txt('What is in the box?')] },
    { role: 'assistant', content: 'A pair of shoes. The box is dented at one corner.' },
    { role: 'user', content: 'Is the damage serious?' },
    { role: 'assistant', content: [txt('It looks superficial.')] },
    { role: 'user', content: [img, txt('Here is another angle.')] }]],
  ['assistant_last_no_prompt', [{ role: 'user', content: 'Say hi' }, { role: 'assistant', content: 'Hi!' }]],
  ['assistant_with_image', [{ role: 'user', content: 'Draw something' }, { role: 'assistant', content: [txt('Here:'), img] }, { role: 'user', content: 'Thanks' }]],
  ['video_and_image', [{ role: 'user', content: [vid, img, txt('Is the image a frame of the video?')] }]],
  ['special_chars_text', [{ role: 'user', content: 'Line1\nLine2\n\n  indented\t tab <b>bold</b> {{ not jinja }} {% raw %} "quotes" \\ back' }]],
  ['emoji_cjk', [{ role: 'user', content: [img, txt('这是什么？👀 これは何ですか？')] }]],
  ['think_content', [{ role: 'user', content: 'Why is the sky blue?' },
    { role: 'assistant', content: '<think>\nRayleigh scattering.\n</think>\n\nBecause of Rayleigh scattering.' }, { role: 'user', content: 'More detail?' }]],
  ['tool_call_object_args', [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius', days: 3 } } }] },
    { role: 'tool', content: '{"temp": 21, "sky": "clear"}' },
    { role: 'assistant', content: 'It is 21 °C and clear.' }], [weatherTool]],
  ['tool_call_string_args', [
    { role: 'user', content: 'Weather in 北京?' },
    { role: 'assistant', content: 'Let me check.', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city": "北京"}' } }] },
    { role: 'tool', content: 'sunny' }], [weatherTool]],
  ['multiple_tool_calls', [
    { role: 'user', content: [img, txt('Zoom into both corners and check the weather in Oslo.')] },
    { role: 'assistant', content: 'Calling tools.', tool_calls: [
      { type: 'function', function: { name: 'zoom_image', arguments: { bbox: [0, 0.5, 10.25, -3], scale: 2, verbose: true, note: null } } },
      { type: 'function', function: { name: 'zoom_image', arguments: { bbox: [1e21, 1.5e-7, 123456789012, 0.1], scale: 0.000001 } } },
      { name: 'get_weather', arguments: { city: 'Oslo "Norway"\n', nested: { a: [], b: {}, c: [{ d: 'é\u2028' }] } } }] },
    { role: 'tool', content: [txt('Zoomed: '), img] },
    { role: 'tool', content: [img, txt('second zoom')] },
    { role: 'tool', content: 'Oslo: 3 °C' },
    { role: 'user', content: 'Summarise.' }], [zoomTool, weatherTool]],
  ['tool_calls_without_content', [
    { role: 'user', content: 'Look it up' },
    { role: 'assistant', content: '', tool_calls: [{ name: 'lookup', arguments: {} }, { name: 'lookup', arguments: { q: 'x' } }] },
    { role: 'tool', content: 'nothing' }], [plainTool]],
  ['tool_calls_null_content', [
    { role: 'user', content: 'Look it up' },
    { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: { q: 'y' } } }] },
    { role: 'tool', content: 'found' }], [plainTool]],
  ['tools_without_system', [{ role: 'user', content: [img, txt('What is the weather where this photo was taken?')] }], [weatherTool]],
  ['tools_with_system_list', [{ role: 'system', content: [txt('You help with images.')] }, { role: 'user', content: 'Hi' }], [weatherTool, zoomTool, plainTool]],
  ['tool_first_message', [{ role: 'tool', content: 'orphan result' }, { role: 'user', content: 'ok' }]],
  ['second_system_message', [{ role: 'system', content: 'S1' }, { role: 'user', content: 'U1' }, { role: 'system', content: 'S2' }, { role: 'user', content: 'U2' }]],
  ['tool_response_then_tool_again', [
    { role: 'user', content: 'go' }, { role: 'tool', content: 'r1' }, { role: 'assistant', content: 'a' }, { role: 'tool', content: 'r2' }, { role: 'tool', content: [img] }]],
  ['long_conversation_images', [
    { role: 'system', content: 'You are a tutor.' },
    { role: 'user', content: [img, txt('Homework page 1')] }, { role: 'assistant', content: 'Question 1 asks for x.' },
    { role: 'user', content: [img, txt('Page 2'), img] }, { role: 'assistant', content: 'Both pages use fractions.' },
    { role: 'user', content: 'What is 1/2 + 1/3?' }]],
];

const variants = [];
for (const [name, messages, tools] of conversations) {
  variants.push({ name, messages, tools, add_generation_prompt: true, add_vision_id: false });
  if (['single_user_image', 'multi_turn', 'tool_call_object_args', 'assistant_last_no_prompt'].includes(name))
    variants.push({ name: name + '_no_gen_prompt', messages, tools, add_generation_prompt: false, add_vision_id: false });
  if (['three_images_interleaved', 'video_and_image', 'multiple_tool_calls', 'long_conversation_images'].includes(name))
    variants.push({ name: name + '_vision_id', messages, tools, add_generation_prompt: true, add_vision_id: true });
}

const cases = [];
for (const [family, src] of Object.entries(templates)) {
  const template = new Template(src);
  for (const v of variants) {
    const ctx = { messages: v.messages, add_generation_prompt: v.add_generation_prompt, add_vision_id: v.add_vision_id };
    if (v.tools) ctx.tools = v.tools;
    const c = { name: v.name, family, messages: v.messages, add_generation_prompt: v.add_generation_prompt, add_vision_id: v.add_vision_id };
    if (v.tools) c.tools = v.tools;
    try { c.expected = template.render(ctx); } catch (e) { c.expected_error = String(e.message ?? e); }
    cases.push(c);
  }
}
fs.writeFileSync(out, JSON.stringify({
  source: '@huggingface/jinja 0.5.11 rendering /work/shared/reference/chat-templates/*.jinja',
  command: 'cd tools/reference && node text/make_chat_template_golden.mjs /work/shared/reference/chat-templates ../../tests/fixtures/text/chat_template_golden.json',
  cases }, null, 1) + '\n');
const counts = {};
for (const c of cases) counts[c.family] = (counts[c.family] ?? 0) + 1;
console.log(counts, 'errors:', cases.filter((c) => c.expected_error).map((c) => c.family + '/' + c.name + ': ' + c.expected_error));
