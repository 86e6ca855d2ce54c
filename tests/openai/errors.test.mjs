// Every failure a client of qgate's /v1 can meet, as the official `openai` client raises it: its
// own error class, status, code and param, headers where they matter, and a stream cut after it
// began.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mockAnswer, openai, openaiClient, rejectsWith, startGateway, startMock, stopAll, testOptions, user,
} from './harness.mjs';

let mock, gateway, slowGateway, client;

before(async () => {
  mock = await startMock(['--chunks', '4']);
  gateway = await startGateway({
    upstream: mock,
    tenants: { app: [], limited: ['--rpm', '1'], narrow: ['--models', 'qwen-turbo'] },
  });
  client = openaiClient(gateway, gateway.keys.app);
  // Open mode (no tenant), with an upstream first-byte timeout short enough to wait for.
  slowGateway = await startGateway({
    upstream: mock,
    env: { QGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '1000', QGATE_UPSTREAM_IDLE_TIMEOUT_MS: '1000' },
  });
});

after(() => stopAll([gateway, slowGateway], [mock]));

const chat = (extra = {}, prompt = 'hello') => ({ model: 'qwen-turbo', messages: [user(prompt)], ...extra });

test('bad parameters are BadRequestError with the parameter named', testOptions, async () => {
  const cases = [
    [{ temperature: 5 }, 'temperature'],
    [{ temperature: 5, stream: true }, 'temperature'],
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],  // refused: DashScope has no log probabilities
    [{ frequency_penalty: 0.5 }, 'frequency_penalty'],
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ stream_options: { include_usage: true } }, 'stream_options'],  // only with stream
  ];
  for (const [extra, param] of cases) {
    const err = await rejectsWith(client.chat.completions.create(chat(extra)), openai.BadRequestError,
      { status: 400, type: 'invalid_request_error', param });
    assert.ok(err.error?.message?.length > 0, `a message for ${JSON.stringify(extra)}`);
    assert.ok(err.requestID, 'the SDK found the X-Request-Id header');
  }
  await rejectsWith(client.chat.completions.create({ model: 'qwen-turbo', messages: [] }), openai.BadRequestError,
    { status: 400, param: 'messages' });
});

test("the tenant's key is the API key; a wrong key is an AuthenticationError", testOptions, async () => {
  const models = [];
  for await (const model of client.models.list()) models.push(model.id);
  assert.ok(models.includes('qwen-turbo'), models.join(','));
  const completion = await client.chat.completions.create(chat());
  assert.equal(completion.choices[0].message.content, mockAnswer('hello'));

  const stranger = openaiClient(gateway, 'qg-not-a-key');
  const fields = { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' };
  await rejectsWith(stranger.chat.completions.create(chat()), openai.AuthenticationError, fields);
  await rejectsWith(stranger.chat.completions.create(chat({ stream: true })), openai.AuthenticationError, fields);
  await rejectsWith(stranger.models.list(), openai.AuthenticationError, fields);
  await rejectsWith(stranger.models.retrieve('qwen-turbo'), openai.AuthenticationError, fields);
});

test('an unknown model is a NotFoundError', testOptions, async () => {
  const fields = { status: 404, type: 'invalid_request_error', code: 'model_not_found', param: 'model' };
  await rejectsWith(client.chat.completions.create(chat({ model: 'no-such-model' })), openai.NotFoundError, fields);
  await rejectsWith(client.chat.completions.create(chat({ model: 'no-such-model', stream: true })),
    openai.NotFoundError, fields);
  // Not a language model: the chat API cannot call it.
  await rejectsWith(client.chat.completions.create(chat({ model: 'text-embedding-v3' })), openai.NotFoundError,
    { status: 404, code: 'model_not_found' });
});

test("a model outside the tenant's list is not found for that tenant", testOptions, async () => {
  const narrow = openaiClient(gateway, gateway.keys.narrow);
  const ids = [];
  for await (const model of narrow.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['qwen-turbo']);
  assert.equal((await narrow.models.retrieve('qwen-turbo')).id, 'qwen-turbo');
  await rejectsWith(narrow.models.retrieve('qwen-max'), openai.NotFoundError, { status: 404, code: 'model_not_found' });
  await rejectsWith(narrow.chat.completions.create(chat({ model: 'qwen-max' })), openai.NotFoundError,
    { status: 404, code: 'model_not_found' });
  const completion = await narrow.chat.completions.create(chat());
  assert.equal(completion.choices[0].finish_reason, 'stop');
});

test("over the tenant's rpm is a RateLimitError with Retry-After", testOptions, async () => {
  const limited = openaiClient(gateway, gateway.keys.limited);
  const first = await limited.chat.completions.create(chat());
  assert.equal(first.choices[0].finish_reason, 'stop');
  const err = await rejectsWith(limited.chat.completions.create(chat()), openai.RateLimitError,
    { status: 429, code: 'rate_limit_exceeded' });
  const retryAfter = err.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^\d+$/, `Retry-After: ${retryAfter}`);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After: ${retryAfter}`);
  await rejectsWith(limited.chat.completions.create(chat({ stream: true })), openai.RateLimitError, { status: 429 });
});

test('upstream throttling is a RateLimitError with the upstream Retry-After', testOptions, async () => {
  for (const stream of [false, true]) {
    const err = await rejectsWith(client.chat.completions.create(chat({ stream }, '[[fault:throttle-retry]]')),
      openai.RateLimitError, { status: 429 });
    assert.equal(err.headers.get('retry-after'), '7', `stream ${stream}`);
  }
});

test('an upstream failure is a 502 InternalServerError', testOptions, async () => {
  for (const stream of [false, true]) {
    const err = await rejectsWith(client.chat.completions.create(chat({ stream }, 'boom [[fault:internal]]')),
      openai.InternalServerError, { status: 502 });
    assert.ok(err.error?.message?.length > 0, `stream ${stream}: ${JSON.stringify(err.error)}`);
  }
  const err = await rejectsWith(client.chat.completions.create(chat({}, 'cut [[fault:drop-mid]]')),
    openai.InternalServerError, { status: 502 });
  assert.ok(err.error?.message?.length > 0, JSON.stringify(err.error));
});

test('an upstream that does not answer in time is a 504 InternalServerError', testOptions, async () => {
  const slow = openaiClient(slowGateway, 'any-key-in-open-mode');
  for (const stream of [false, true]) {
    const started = Date.now();
    const err = await rejectsWith(slow.chat.completions.create(chat({ stream }, 'wait [[fault:stall-first]]')),
      openai.InternalServerError, { status: 504 });
    assert.ok(err.error?.message?.length > 0, JSON.stringify(err.error));
    assert.ok(Date.now() - started >= 900, `after the first-byte timeout, not before (${Date.now() - started} ms)`);
  }
});

// A stream that fails after content arrived: the SDK's iterator raises the error frame's error.
async function readUntilError(stream) {
  let content = '';
  const finishes = [];
  let caught;
  try {
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        content += choice.delta?.content ?? '';
        if (choice.finish_reason != null) finishes.push(choice.finish_reason);
      }
    }
  } catch (err) {
    caught = err;
  }
  return { content, finishes, caught };
}

test('a stream cut mid-answer raises an APIError from the stream iterator', testOptions, async () => {
  const prompt = 'cut me [[fault:drop-mid]]';
  const { content, finishes, caught } = await readUntilError(
    await client.chat.completions.create(chat({ stream: true }, prompt)));
  assert.ok(caught, `the stream ended without an error after ${JSON.stringify(content)}`);
  assert.ok(caught instanceof openai.APIError, `${caught.constructor.name}: ${caught.message}`);
  assert.ok(!(caught instanceof openai.APIConnectionError), `a clean error frame, not a broken connection: ${caught.message}`);
  assert.ok(caught.error?.message?.length > 0, JSON.stringify(caught.error));
  assert.ok(content.length > 0, 'some content arrived before the cut');
  assert.ok(mockAnswer(prompt).startsWith(content) && content !== mockAnswer(prompt), `content: ${content}`);
  assert.deepEqual(finishes, [], 'a failed stream has no finish_reason');
});

test('a stream stalled mid-answer raises an APIError from the stream iterator', testOptions, async () => {
  const slow = openaiClient(slowGateway, 'any-key-in-open-mode');
  const prompt = 'stall me [[fault:stall-mid]]';
  const { content, finishes, caught } = await readUntilError(
    await slow.chat.completions.create(chat({ stream: true }, prompt)));
  assert.ok(caught instanceof openai.APIError, `${caught?.constructor?.name}: ${caught?.message}`);
  assert.ok(!(caught instanceof openai.APIConnectionError), caught.message);
  assert.ok(content.length > 0 && mockAnswer(prompt).startsWith(content), `content: ${content}`);
  assert.deepEqual(finishes, []);
});

test('an unknown /v1 path is a NotFoundError', testOptions, async () => {
  await rejectsWith(client.get('/embeddings-nope'), openai.NotFoundError, { status: 404 });
});
