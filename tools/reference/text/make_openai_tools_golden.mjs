// Renders OpenAI chat requests with tools (as the official SDKs send them) through the real Qwen3-VL chat template with
// @huggingface/jinja 0.5.11, mapped the way the server documents it (README "Structured output and tool calls"):
// developer → system; an assistant message with tool_calls and null content → content ""; tool_call_id is not
// rendered (the template has no place for it); tools passed as the client wrote them, left out under tool_choice "none".
//   cd tools/reference && node text/make_openai_tools_golden.mjs /work/shared/reference/chat-templates ../../tests/fixtures/text/openai_tools_golden.json
// Output: { cases: [{ name, request, expected }] } — request is the /v1/chat/completions body.
import { Template } from '@huggingface/jinja';
import fs from 'fs';
import path from 'path';

const [dir, out] = process.argv.slice(2);
const template = new Template(fs.readFileSync(path.join(dir, 'qwen3-vl-instruct.chat_template.jinja'), 'utf8'));

const weather = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city ("now").', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string', description: 'e.g. 北京' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'], additionalProperties: false } } };
const zoom = { type: 'function', function: { name: 'zoom', parameters: { type: 'object', properties: { x: { type: 'integer' }, y: { type: 'integer' }, scale: { type: 'number' } } } } };
const bare = { type: 'function', function: { name: 'ping' } };

const requests = [
  ['tools_auto', { model: 'vlorleans', messages: [{ role: 'system', content: 'You read gauges.' }, { role: 'user', content: 'What is the weather in Oslo?' }], tools: [weather, zoom] }],
  ['tools_without_system', { model: 'vlorleans', messages: [{ role: 'user', content: 'Zoom in.' }], tools: [zoom, bare], tool_choice: 'required' }],
  ['developer_role_named_choice', { model: 'vlorleans', messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Weather?' }],
    tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }],
  ['round_trip_two_calls', { model: 'vlorleans', tools: [weather, zoom], messages: [
    { role: 'user', content: 'Weather in Paris and zoom the sky.' },
    { role: 'assistant', content: null, tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' } },
      { id: 'call_2', type: 'function', function: { name: 'zoom', arguments: '{"x":10,"y":20,"scale":2.5}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"temp": 21}' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'zoomed: ' }, { type: 'text', text: 'blue sky' }] },
    { role: 'user', content: 'Thanks. Summarise.' }] }],
  ['content_and_call', { model: 'vlorleans', tools: [weather], messages: [
    { role: 'user', content: 'Weather in 北京?' },
    { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city": "北京", "unit": "celsius"}' } }] },
    { role: 'tool', tool_call_id: 'call_9', content: 'sunny, 25 °C' }] }],
  ['tool_choice_none', { model: 'vlorleans', messages: [{ role: 'user', content: 'Just talk.' }], tools: [weather], tool_choice: 'none' }],
];

// the server's mapping of a request to the template's inputs (see the header)
const render = (request) => {
  const messages = request.messages.map((m) => {
    const r = { role: m.role === 'developer' ? 'system' : m.role, content: m.content === null && m.tool_calls ? '' : m.content };
    if (m.tool_calls) r.tool_calls = m.tool_calls;
    return r;
  });
  const ctx = { messages, add_generation_prompt: true };
  if (request.tools && request.tool_choice !== 'none') ctx.tools = request.tools;
  return template.render(ctx);
};

const cases = requests.map(([name, request]) => ({ name, request, expected: render(request) }));
fs.writeFileSync(out, JSON.stringify({
  source: '@huggingface/jinja 0.5.11 rendering /work/shared/reference/chat-templates/qwen3-vl-instruct.chat_template.jinja',
  command: 'cd tools/reference && node text/make_openai_tools_golden.mjs /work/shared/reference/chat-templates ../../tests/fixtures/text/openai_tools_golden.json',
  cases }, null, 1) + '\n');
console.log(cases.length, 'cases');
