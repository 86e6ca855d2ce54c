// Shared by the OpenAI-client tests: starts the real mock upstream and the real qgate (from
// QGATE_BINARY_DIR, so the same files run under ASan and ThreadSanitizer), makes tenants, builds
// clients of the official `openai` package and `@langchain/openai`, and reads streams.
//
// Each process writes everything it prints to QGATE_BINARY_DIR/openai-sdk-logs/<test file>-<n>-<name>.log
// (overwritten by the next run).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.QGATE_SOURCE_DIR ?? path.resolve(here, '../..');
export const binaryDir = process.env.QGATE_BINARY_DIR ?? path.join(sourceDir, 'build/asan');
const qgateBinary = path.join(binaryDir, 'qgate');
const mockBinary = path.join(binaryDir, 'tools/mock_dashscope/mock_dashscope');
const logDir = path.join(binaryDir, 'openai-sdk-logs');
fs.mkdirSync(logDir, { recursive: true });

// The clients come from web/node_modules (pinned by web/package-lock.json, installed by `npm ci`).
const require = createRequire(path.join(sourceDir, 'web', 'package.json'));
export const openai = require('openai');
export const { OpenAI } = openai;
export const { ChatOpenAI } = require('@langchain/openai');
export const lcMessages = require('@langchain/core/messages');

// Generous for a sanitizer build on two shared cores; a hung call still fails instead of hanging.
export const testOptions = { timeout: 120_000 };

// The ids /v1/models must list: the seed's language models (type 0).
export const seedModels = JSON.parse(fs.readFileSync(path.join(sourceDir, 'config/models.json'), 'utf8'));
export const languageModelIds = seedModels.filter((m) => m.type === 0).map((m) => m.title);

// What the mock answers (tools/mock_dashscope): the last user message, echoed.
export const mockAnswer = (prompt) => `mock:${prompt}`;

const testFile = path.basename(process.argv[1] ?? 'run', '.test.mjs');
let processCount = 0;

// Starts `binary` and resolves once it prints `listening on HOST:PORT`.
function startProcess(name, binary, args, env) {
  const logPath = path.join(logDir, `${testFile}-${processCount++}-${name}.log`);
  const log = fs.createWriteStream(logPath);
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr.on('data', (data) => log.write(data));
  return new Promise((resolve, reject) => {
    let seen = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s (log: ${logPath}): ${seen}`)), 30_000);
    child.stdout.on('data', (data) => {
      log.write(data);  // always drained: qgate logs to stdout
      if (started) return;
      seen += data;
      const match = /listening on [^ ]+:(\d+)/.exec(seen);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({
          port: Number(match[1]),
          logPath,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            const result = await exited;
            clearTimeout(kill);
            await new Promise((done) => log.end(done));
            return result;
          },
        });
      }
    });
    child.on('error', (err) => reject(new Error(`${name}: ${err.message}`)));
    exited.then(({ code, signal }) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before listening (log: ${logPath}): ${seen}`));
      }
    });
  });
}

// The mock DashScope; `args` are its flags (e.g. ['--chunks', '4']).
export async function startMock(args = ['--chunks', '4']) {
  const mock = await startProcess('mock', mockBinary, ['--port', '0', ...args], {});
  return { ...mock, url: `http://127.0.0.1:${mock.port}` };
}

// A qgate in front of `upstream`, with its own catalog. `tenants`: { name: [flags of `qgate tenant
// add`] }, created before it starts (none: open mode). `env` adds settings (QGATE_<SECTION>_<KEY>).
// Returns { baseURL, keys: { name: key }, stop() }.
export async function startGateway({ upstream, tenants = {}, env = {} }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgate-openai-'));
  const gatewayEnv = {
    DASHSCOPE_API_KEY: 'sk-qgate-mock',
    DASHSCOPE_BASE_URL: upstream.url,
    QGATE_CATALOG_PATH: path.join(dir, 'catalog.db'),
    QGATE_CATALOG_SEED: path.join(sourceDir, 'config/models.json'),
    QGATE_DOCS_ASSETS_DIR: path.join(sourceDir, 'web/node_modules'),
    QGATE_DOCS_OPENAPI: path.join(sourceDir, 'http/docs/openapi.json'),
    QGATE_SERVER_SHUTDOWN_GRACE_MS: '2000',
    // Scripted faults come one after another: a key a fault throttled, failed or refused is
    // usable again at once (the gateway's own cooldowns are resilience_test's).
    QGATE_UPSTREAM_KEY_COOLDOWN_MS: '1',
    QGATE_UPSTREAM_KEY_COOLDOWN_MAX_MS: '1',
    QGATE_UPSTREAM_BREAKER_OPEN_MS: '1',
    ...env,
  };
  const keys = {};
  for (const [name, flags] of Object.entries(tenants)) {
    const output = execFileSync(qgateBinary, ['tenant', 'add', name, ...flags], {
      env: { ...process.env, ...gatewayEnv },
      encoding: 'utf8',
    });
    const key = /qg-\S+/.exec(output)?.[0];
    assert.ok(key, `qgate tenant add ${name} printed no key: ${output}`);
    keys[name] = key;
  }
  const qgate = await startProcess('qgate', qgateBinary, ['--host', '127.0.0.1', '--port', '0'], gatewayEnv);
  return {
    ...qgate,
    keys,
    origin: `http://127.0.0.1:${qgate.port}`,
    baseURL: `http://127.0.0.1:${qgate.port}/v1`,
    async stop() {
      const result = await qgate.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}

// Stops the gateways, then the mocks (either may be undefined when `before` failed). A gateway must
// exit 0 on SIGTERM: a sanitizer report at exit (a leak, say) fails the test file.
export async function stopAll(gateways, mocks) {
  const results = [];
  for (const gateway of gateways) if (gateway) results.push([gateway, await gateway.stop()]);
  for (const mock of mocks) await mock?.stop();
  for (const [gateway, result] of results) {
    assert.deepEqual(result, { code: 0, signal: null }, `qgate exit (log: ${gateway.logPath})`);
  }
}

// An official OpenAI client for `gateway` with `apiKey`. No retries: every failure is seen as is.
export function openaiClient(gateway, apiKey, options = {}) {
  return new OpenAI({ apiKey, baseURL: gateway.baseURL, maxRetries: 0, timeout: 60_000, ...options });
}

// A LangChain chat model for `gateway` (Chat Completions API, no retries).
export function langchainModel(gateway, apiKey, options = {}) {
  return new ChatOpenAI({
    model: 'qwen-turbo',
    apiKey,
    configuration: { baseURL: gateway.baseURL },
    maxRetries: 0,
    timeout: 60_000,
    ...options,
  });
}

export const user = (content) => ({ role: 'user', content });

// The tools the tests offer; the mock calls them with {"query": <last user message>}.
export const functionTool = (name, description) => ({
  type: 'function',
  function: {
    name,
    description,
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
});
export const weatherTool = functionTool('get_weather', 'The weather for a place');
export const timeTool = functionTool('get_time', 'The local time of a place');

// Reads a whole Chat Completions stream and checks what every chunk must satisfy.
// Returns the chunks, the concatenated content and reasoning, the order in which they came
// ('content'/'reasoning' per delta), the finish reasons, the tool calls reassembled by index and
// the usage chunk.
export async function collect(stream) {
  const out = {
    chunks: [],
    content: '',
    contentDeltas: 0,
    reasoning: '',
    reasoningDeltas: 0,
    order: [],
    finishes: [],
    calls: [],
    usageChunks: [],
  };
  for await (const chunk of stream) {
    out.chunks.push(chunk);
    assert.equal(chunk.object, 'chat.completion.chunk', JSON.stringify(chunk));
    assert.equal(chunk.id, out.chunks[0].id, 'every chunk of a stream has the same id');
    if (chunk.usage) out.usageChunks.push(chunk);
    for (const choice of chunk.choices) {
      assert.equal(choice.index, 0);
      const delta = choice.delta ?? {};
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
        out.reasoning += delta.reasoning_content;
        out.reasoningDeltas++;
        out.order.push('reasoning');
      }
      if (typeof delta.content === 'string' && delta.content !== '') {
        out.content += delta.content;
        out.contentDeltas++;
        out.order.push('content');
      }
      for (const call of delta.tool_calls ?? []) {
        assert.equal(typeof call.index, 'number', JSON.stringify(call));
        const slot = (out.calls[call.index] ??= { id: undefined, type: undefined, name: '', arguments: '', fragments: 0 });
        if (call.id) {
          assert.equal(slot.id, undefined, `tool call ${call.index}: its id comes once`);
          slot.id = call.id;
        }
        if (call.type) slot.type = call.type;
        if (call.function?.name) slot.name += call.function.name;
        if (call.function?.arguments) {
          slot.arguments += call.function.arguments;
          slot.fragments++;
        }
      }
      if (choice.finish_reason != null) out.finishes.push({ reason: choice.finish_reason, at: out.chunks.length - 1 });
    }
  }
  return out;
}

// `promise` rejects with an instance of `type` (an SDK error class) whose fields match `fields`
// (`headers` not included). Returns the error for further checks.
export async function rejectsWith(promise, type, fields = {}) {
  let caught;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected ${type.name}, but the call succeeded`);
  assert.ok(caught instanceof type,
    `expected ${type.name}, got ${caught?.constructor?.name}: status ${caught?.status}: ${caught?.message}`);
  for (const [key, value] of Object.entries(fields)) {
    assert.deepEqual(caught[key], value, `${type.name}.${key} (message: ${caught.message})`);
  }
  return caught;
}

// Seconds between `created` (Unix seconds) and now.
export const ageSeconds = (created) => Math.abs(Date.now() / 1000 - created);
