// LangChain's ChatOpenAI (@langchain/openai, Chat Completions) pointed at qgate's /v1: invoke,
// stream, and a tool call round trip with bindTools.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  langchainModel, lcMessages, mockAnswer, startGateway, startMock, stopAll, testOptions, weatherTool,
} from './harness.mjs';

const { AIMessage, HumanMessage, ToolMessage } = lcMessages;

let mock, gateway, model;

before(async () => {
  mock = await startMock(['--chunks', '4']);
  gateway = await startGateway({ upstream: mock, tenants: { app: [] } });
  model = langchainModel(gateway, gateway.keys.app);
});

after(() => stopAll([gateway], [mock]));

function checkUsage(usage) {
  assert.ok(usage, 'usage_metadata is present');
  assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0, JSON.stringify(usage));
  assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens, JSON.stringify(usage));
}

// All chunks of a LangChain stream, and their sum (AIMessageChunk.concat).
async function gather(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 0, 'the stream yielded chunks');
  return { chunks, full: chunks.reduce((sum, chunk) => sum.concat(chunk)) };
}

test('ChatOpenAI.invoke answers', testOptions, async () => {
  const prompt = '你好, LangChain';
  const reply = await model.invoke(prompt);
  assert.ok(reply instanceof AIMessage, reply.constructor.name);
  assert.equal(reply.content, mockAnswer(prompt));
  assert.equal(reply.response_metadata.finish_reason, 'stop');
  assert.equal(reply.response_metadata.model_name, 'qwen-turbo');
  assert.ok(reply.id?.startsWith('chatcmpl-'), reply.id);
  assert.deepEqual(reply.tool_calls, []);
  checkUsage(reply.usage_metadata);
});

test('ChatOpenAI.stream yields the answer in chunks', testOptions, async () => {
  const prompt = 'stream, LangChain';
  const { chunks, full } = await gather(await model.stream([new HumanMessage(prompt)]));
  assert.ok(chunks.filter((c) => c.content !== '').length >= 2, `${chunks.length} chunks`);
  assert.equal(full.content, mockAnswer(prompt));
  assert.equal(full.response_metadata.finish_reason, 'stop');
  checkUsage(full.usage_metadata);  // LangChain asks for stream_options.include_usage
});

test('bindTools: a tool call round trip', testOptions, async () => {
  const prompt = 'weather in Hangzhou, LangChain?';
  const withTools = model.bindTools([weatherTool]);
  const history = [new HumanMessage(prompt)];
  const call = await withTools.invoke(history);
  assert.equal(call.tool_calls.length, 1, JSON.stringify(call.tool_calls));
  const [toolCall] = call.tool_calls;
  assert.equal(toolCall.name, 'get_weather');
  assert.deepEqual(toolCall.args, { query: prompt });
  assert.ok(toolCall.id?.length > 0, JSON.stringify(toolCall));
  assert.deepEqual(call.invalid_tool_calls ?? [], []);
  assert.equal(call.response_metadata.finish_reason, 'tool_calls');

  history.push(call, new ToolMessage({ tool_call_id: toolCall.id, content: 'sunny, 21°C' }));
  const answer = await withTools.invoke(history);
  assert.equal(answer.content, 'mock:tool:sunny, 21°C');
  assert.deepEqual(answer.tool_calls, []);
  assert.equal(answer.response_metadata.finish_reason, 'stop');
});

test('bindTools: a streamed tool call round trip', testOptions, async () => {
  const prompt = 'weather in 杭州, streamed by LangChain';
  const withTools = model.bindTools([weatherTool]);
  const history = [new HumanMessage(prompt)];
  const { full } = await gather(await withTools.stream(history));
  assert.equal(full.tool_calls.length, 1, JSON.stringify(full.tool_call_chunks));
  const [toolCall] = full.tool_calls;
  assert.equal(toolCall.name, 'get_weather');
  assert.deepEqual(toolCall.args, { query: prompt });
  assert.ok(toolCall.id?.length > 0, JSON.stringify(toolCall));

  history.push(full, new ToolMessage({ tool_call_id: toolCall.id, content: 'rain' }));
  const { full: answer } = await gather(await withTools.stream(history));
  assert.equal(answer.content, 'mock:tool:rain');
  assert.deepEqual(answer.tool_calls, []);
});

test('ChatOpenAI with a wrong key fails with 401', testOptions, async () => {
  const stranger = langchainModel(gateway, 'qg-not-a-key');
  await assert.rejects(stranger.invoke('hello'), (err) => {
    assert.equal(err.status, 401, `${err.constructor.name}: ${err.message}`);
    return true;
  });
});
