// The official `openai` npm client against qgate's /v1: models, chat in both modes, usage in
// streams, max_tokens and thinking. A tenant's key is the client's API key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ageSeconds, collect, languageModelIds, mockAnswer, openai, openaiClient, rejectsWith, startGateway,
  startMock, stopAll, testOptions, user,
} from './harness.mjs';

let mock, gateway, client;

before(async () => {
  mock = await startMock(['--chunks', '4']);
  gateway = await startGateway({ upstream: mock, tenants: { app: [] } });
  client = openaiClient(gateway, gateway.keys.app);
});

after(() => stopAll([gateway], [mock]));

function checkUsage(usage) {
  assert.ok(usage, 'usage is present');
  assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0, JSON.stringify(usage));
  assert.ok(Number.isInteger(usage.completion_tokens) && usage.completion_tokens > 0, JSON.stringify(usage));
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens, JSON.stringify(usage));
}

test('models.list lists the catalog language models', testOptions, async () => {
  const models = [];
  for await (const model of client.models.list()) models.push(model);
  assert.deepEqual(models.map((m) => m.id).sort(), [...languageModelIds].sort());
  for (const model of models) {
    assert.equal(model.object, 'model', JSON.stringify(model));
    assert.ok(Number.isInteger(model.created), JSON.stringify(model));
    assert.equal(typeof model.owned_by, 'string', JSON.stringify(model));
  }
});

test('models.retrieve returns a known model', testOptions, async () => {
  const model = await client.models.retrieve('qwen-plus');
  assert.equal(model.id, 'qwen-plus');
  assert.equal(model.object, 'model');
  assert.ok(Number.isInteger(model.created));
  assert.equal(typeof model.owned_by, 'string');
});

test('models.retrieve of an unknown model is a NotFoundError', testOptions, async () => {
  await rejectsWith(client.models.retrieve('no-such-model'), openai.NotFoundError,
    { status: 404, type: 'invalid_request_error', code: 'model_not_found' });
  // A catalog model that is not a language model is not listed, so it is not found either.
  await rejectsWith(client.models.retrieve('wanx2.1-t2i-turbo'), openai.NotFoundError,
    { status: 404, code: 'model_not_found' });
});

test('chat non-stream: content, stop, usage, id and model', testOptions, async () => {
  const prompt = '你好, qgate!';
  const completion = await client.chat.completions.create({ model: 'qwen-turbo', messages: [user(prompt)] });
  assert.ok(completion.id.startsWith('chatcmpl-'), completion.id);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'qwen-turbo');
  assert.ok(ageSeconds(completion.created) < 300, `created ${completion.created}`);
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, mockAnswer(prompt));
  assert.equal(choice.message.tool_calls, undefined);
  checkUsage(completion.usage);
  assert.ok(completion._request_id, 'the SDK found the X-Request-Id header');

  // The raw response: JSON, and a fresh id for every call.
  const { data, response } = await client.chat.completions
    .create({ model: 'qwen-max', messages: [user(prompt)] })
    .withResponse();
  assert.match(response.headers.get('content-type'), /^application\/json/);
  assert.equal(data.model, 'qwen-max');
  assert.notEqual(data.id, completion.id);
});

test('chat stream: deltas add up to the non-stream content, one finish chunk', testOptions, async () => {
  const prompt = 'stream me, 流式';
  const whole = await client.chat.completions.create({ model: 'qwen-turbo', messages: [user(prompt)] });
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'qwen-turbo', messages: [user(prompt)], stream: true })
    .withResponse();
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const got = await collect(stream);
  assert.equal(got.content, whole.choices[0].message.content);
  assert.ok(got.contentDeltas >= 2, `the answer came in ${got.contentDeltas} content deltas`);
  const first = got.chunks[0];
  assert.ok(first.id.startsWith('chatcmpl-'), first.id);
  assert.equal(first.model, 'qwen-turbo');
  assert.ok(ageSeconds(first.created) < 300, `created ${first.created}`);
  assert.equal(first.choices[0].delta.role, 'assistant');
  assert.deepEqual(got.finishes.map((f) => f.reason), ['stop']);
  assert.equal(got.finishes[0].at, got.chunks.length - 1, 'the finish chunk is the last one');
  for (const chunk of got.chunks) {
    assert.equal(chunk.usage, undefined, `no usage without stream_options: ${JSON.stringify(chunk)}`);
    assert.equal(chunk.choices.length, 1, JSON.stringify(chunk));
  }
});

test('stream_options.include_usage adds one final usage chunk with no choices', testOptions, async () => {
  const prompt = 'count my tokens';
  const whole = await client.chat.completions.create({ model: 'qwen-plus', messages: [user(prompt)] });
  const stream = await client.chat.completions.create({
    model: 'qwen-plus', messages: [user(prompt)], stream: true, stream_options: { include_usage: true },
  });
  const got = await collect(stream);
  assert.equal(got.content, mockAnswer(prompt));
  const last = got.chunks.at(-1);
  assert.deepEqual(last.choices, [], 'the usage chunk has empty choices');
  assert.deepEqual(got.usageChunks, [last], 'exactly one chunk, the last, carries usage');
  checkUsage(last.usage);
  for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens']) {
    assert.equal(last.usage[key], whole.usage[key], `${key}: stream and non-stream agree`);
  }
  for (const chunk of got.chunks.slice(0, -1)) {
    assert.equal(chunk.usage, null, `the other chunks carry "usage": null: ${JSON.stringify(chunk)}`);
  }
  assert.deepEqual(got.finishes.map((f) => f.reason), ['stop']);
  assert.equal(got.finishes[0].at, got.chunks.length - 2, 'the finish chunk comes right before the usage chunk');
});

test('cached prompt tokens are reported in prompt_tokens_details, in both modes', testOptions, async () => {
  const prompt = 'a long shared prefix [[cached:3]]';
  const completion = await client.chat.completions.create({ model: 'qwen-turbo', messages: [user(prompt)] });
  checkUsage(completion.usage);
  assert.equal(completion.usage.prompt_tokens_details?.cached_tokens, 3, JSON.stringify(completion.usage));
  const got = await collect(await client.chat.completions.create({
    model: 'qwen-turbo', messages: [user(prompt)], stream: true, stream_options: { include_usage: true },
  }));
  assert.equal(got.usageChunks.length, 1);
  assert.deepEqual(got.usageChunks[0].usage, completion.usage);
});

test('max_tokens shorter than the answer ends in finish_reason "length" in both modes', testOptions, async () => {
  const prompt = 'a question whose answer is long';
  const full = mockAnswer(prompt);
  const request = { model: 'qwen-turbo', messages: [user(prompt)], max_tokens: 2 };

  const completion = await client.chat.completions.create(request);
  const content = completion.choices[0].message.content;
  assert.equal(completion.choices[0].finish_reason, 'length');
  assert.ok(content.length > 0 && content.length < full.length && full.startsWith(content), `content: ${content}`);
  checkUsage(completion.usage);
  assert.ok(completion.usage.completion_tokens <= 2, JSON.stringify(completion.usage));

  const got = await collect(await client.chat.completions.create({ ...request, stream: true }));
  assert.equal(got.content, content);
  assert.deepEqual(got.finishes.map((f) => f.reason), ['length']);

  // max_completion_tokens is the newer name of the same limit.
  const { max_tokens, ...rest } = request;
  const newer = await client.chat.completions.create({ ...rest, max_completion_tokens: max_tokens });
  assert.equal(newer.choices[0].finish_reason, 'length');
  assert.equal(newer.choices[0].message.content, content);
});

test('enable_thinking streams reasoning_content before the content', testOptions, async () => {
  const prompt = 'think first';
  const stream = await client.chat.completions.create({
    model: 'qwen-plus',
    messages: [user(prompt)],
    stream: true,
    stream_options: { include_usage: true },
    enable_thinking: true,  // a DashScope field, sent in the body as is
  });
  const got = await collect(stream);
  assert.equal(got.reasoning, `think:${prompt}`);
  assert.equal(got.content, mockAnswer(prompt));
  const firstContent = got.order.indexOf('content');
  assert.ok(got.order.lastIndexOf('reasoning') < firstContent, `order: ${got.order.join(',')}`);
  assert.equal(got.chunks[0].choices[0].delta.role, 'assistant');
  assert.deepEqual(got.finishes.map((f) => f.reason), ['stop']);
  assert.equal(got.usageChunks.length, 1);
  const { usage } = got.usageChunks[0];
  checkUsage(usage);
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens;
  assert.ok(Number.isInteger(reasoningTokens) && reasoningTokens > 0, JSON.stringify(usage));
  assert.ok(reasoningTokens < usage.completion_tokens, `reasoning tokens are part of completion_tokens: ${JSON.stringify(usage)}`);
});

test('enable_thinking without stream is a BadRequestError on enable_thinking', testOptions, async () => {
  await rejectsWith(
    client.chat.completions.create({ model: 'qwen-plus', messages: [user('think')], enable_thinking: true }),
    openai.BadRequestError, { status: 400, type: 'invalid_request_error', param: 'enable_thinking' });
});
