// Tool calls through qgate's /v1 with the official `openai` client: the model calls a tool, the
// client runs it and sends the result back, in both modes; parallel calls reassembled by index.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collect, mockAnswer, openaiClient, startGateway, startMock, stopAll, testOptions, timeTool, user, weatherTool,
} from './harness.mjs';

let mock, gateway, client;

before(async () => {
  mock = await startMock(['--chunks', '4']);
  gateway = await startGateway({ upstream: mock, tenants: { app: [] } });
  client = openaiClient(gateway, gateway.keys.app);
});

after(() => stopAll([gateway], [mock]));

// The tool's answer the client sends back, and what the mock makes of it.
const toolResult = (name) => `${name}: sunny, 21°C`;

// A message's tool call as the client must see it: a function call of `name` with JSON arguments
// {"query": prompt} and an id to answer it by.
function checkCall(call, name, prompt) {
  assert.equal(call.type, 'function', JSON.stringify(call));
  assert.equal(typeof call.id, 'string', JSON.stringify(call));
  assert.ok(call.id.length > 0, JSON.stringify(call));
  assert.equal(call.function.name, name, JSON.stringify(call));
  assert.deepEqual(JSON.parse(call.function.arguments), { query: prompt });
}

test('tool call round trip, non-stream', testOptions, async () => {
  const prompt = 'weather in Hangzhou?';
  const messages = [user(prompt)];
  const first = await client.chat.completions.create({ model: 'qwen-plus', messages, tools: [weatherTool] });
  const [choice] = first.choices;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, null, 'a message that only calls tools has content null');
  assert.equal(choice.message.tool_calls.length, 1, JSON.stringify(choice.message));
  const [call] = choice.message.tool_calls;
  checkCall(call, 'get_weather', prompt);

  // The client appends the assistant message as received, then the tool's answer.
  messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: toolResult('get_weather') });
  const second = await client.chat.completions.create({ model: 'qwen-plus', messages, tools: [weatherTool] });
  assert.equal(second.choices[0].finish_reason, 'stop');
  assert.equal(second.choices[0].message.content, `mock:tool:${toolResult('get_weather')}`);
  assert.equal(second.choices[0].message.tool_calls, undefined);
  assert.equal(second.usage.total_tokens, second.usage.prompt_tokens + second.usage.completion_tokens);
});

test('tool call round trip, stream', testOptions, async () => {
  const prompt = 'weather in 杭州, streamed';
  const messages = [user(prompt)];
  const got = await collect(await client.chat.completions.create({
    model: 'qwen-plus', messages, tools: [weatherTool], stream: true,
  }));
  assert.equal(got.chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(got.content, '');
  assert.deepEqual(got.finishes.map((f) => f.reason), ['tool_calls']);
  assert.equal(got.finishes[0].at, got.chunks.length - 1);
  assert.equal(got.calls.length, 1, JSON.stringify(got.calls));
  const [call] = got.calls;
  checkCall({ id: call.id, type: call.type, function: { name: call.name, arguments: call.arguments } },
    'get_weather', prompt);

  messages.push(
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }],
    },
    { role: 'tool', tool_call_id: call.id, content: toolResult('get_weather') },
  );
  const answer = await collect(await client.chat.completions.create({
    model: 'qwen-plus', messages, tools: [weatherTool], stream: true,
  }));
  assert.equal(answer.content, `mock:tool:${toolResult('get_weather')}`);
  assert.deepEqual(answer.finishes.map((f) => f.reason), ['stop']);
  assert.deepEqual(answer.calls, []);
});

test('a named tool_choice picks that tool', testOptions, async () => {
  const prompt = 'what time is it?';
  const completion = await client.chat.completions.create({
    model: 'qwen-turbo',
    messages: [user(prompt)],
    tools: [weatherTool, timeTool],
    tool_choice: { type: 'function', function: { name: 'get_time' } },
  });
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
  assert.equal(completion.choices[0].message.tool_calls.length, 1);
  checkCall(completion.choices[0].message.tool_calls[0], 'get_time', prompt);
});

test('parallel tool calls in a stream are reassembled by index', testOptions, async () => {
  const prompt = 'weather and time in Hangzhou';
  const messages = [user(prompt)];
  const request = { model: 'qwen-max', messages, tools: [weatherTool, timeTool], parallel_tool_calls: true };
  const got = await collect(await client.chat.completions.create({ ...request, stream: true }));
  assert.deepEqual(got.finishes.map((f) => f.reason), ['tool_calls']);
  assert.equal(got.calls.length, 2, JSON.stringify(got.calls));
  const calls = got.calls.map((c) => ({ id: c.id, type: c.type, function: { name: c.name, arguments: c.arguments } }));
  checkCall(calls[0], 'get_weather', prompt);
  checkCall(calls[1], 'get_time', prompt);
  assert.notEqual(calls[0].id, calls[1].id);

  // The SDK's own stream helper reassembles the same calls.
  const runner = client.chat.completions.stream(request);
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(final.choices[0].message.tool_calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
    [['get_weather', { query: prompt }], ['get_time', { query: prompt }]]);

  // Non-stream: the same two calls in one message.
  const whole = await client.chat.completions.create(request);
  assert.equal(whole.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(whole.choices[0].message.tool_calls.map((c) => c.function.name), ['get_weather', 'get_time']);

  // Both answers go back; the model answers from the last tool message.
  messages.push(
    { role: 'assistant', content: null, tool_calls: calls },
    ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: toolResult(c.function.name) })),
  );
  const answer = await collect(await client.chat.completions.create({ ...request, messages, stream: true }));
  assert.equal(answer.content, `mock:tool:${toolResult('get_time')}`);
  assert.deepEqual(answer.finishes.map((f) => f.reason), ['stop']);
});

test('without tools the same prompt is answered with text', testOptions, async () => {
  const prompt = 'weather in Hangzhou?';
  const completion = await client.chat.completions.create({ model: 'qwen-plus', messages: [user(prompt)] });
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.equal(completion.choices[0].message.content, mockAnswer(prompt));
});
