// The API docs and a cross-origin page in a real browser (Debian's Chromium via playwright-core),
// against the real qgate and the mock upstream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { artifacts, binaryDir, launchBrowser, sourceDir, start } from './harness.mjs';

let mock, qgate, origin, browser, base, dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgate-browser-'));
  mock = await start(path.join(binaryDir, 'tools/mock_dashscope/mock_dashscope'), ['--port', '0', '--chunks', '4'], {});
  qgate = await start(path.join(binaryDir, 'qgate'), ['--port', '0'], {
    DASHSCOPE_API_KEY: 'sk-qgate-mock',
    DASHSCOPE_BASE_URL: `http://127.0.0.1:${mock.port}`,
    QGATE_CATALOG_PATH: path.join(dir, 'catalog.db'),
    QGATE_CATALOG_SEED: path.join(sourceDir, 'config/models.json'),
    QGATE_DOCS_ASSETS_DIR: path.join(sourceDir, 'web/node_modules'),
    QGATE_DOCS_OPENAPI: path.join(sourceDir, 'http/docs/openapi.json'),
  });
  base = `http://127.0.0.1:${qgate.port}`;
  // A second origin (other port, and "localhost" instead of 127.0.0.1) serving the example page.
  const page = fs.readFileSync(path.join(sourceDir, 'tests/browser/second_origin.html'), 'utf8').replaceAll('__QGATE__', base);
  origin = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  origin?.close();
  qgate?.child.kill('SIGTERM');
  mock?.child.kill('SIGTERM');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('/docs lists both operations and "Try it out" runs a chat', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/docs`);
  await page.waitForSelector('.opblock-summary-path');
  const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.getAttribute('data-path')));
  assert.ok(paths.includes('/api/llm/chat'), `paths: ${paths}`);
  assert.ok(paths.includes('/api/llm/models'), `paths: ${paths}`);
  await page.click('#operations-chat-chat .opblock-summary');
  await page.click('#operations-chat-chat .try-out__btn');
  await page.click('#operations-chat-chat .execute');
  const status = page.locator('#operations-chat-chat .live-responses-table tbody .response-col_status').first();
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), '200');
  const body = await page.locator('#operations-chat-chat .live-responses-table .microlight').first().textContent();
  assert.match(body, /mock:你好/);
  await page.screenshot({ path: path.join(artifacts, 'docs.png'), fullPage: true });
  await page.close();
});

test('/redoc renders the API title and both operations', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/redoc`);
  // Operation titles render in collapsed menus too; wait for them in the page's visible text.
  for (const text of ['qgate LLM API', '统一对话API端点(流式/非流式)', '获取所有可用的语言模型列表(仅 type=0)']) {
    await page.waitForFunction((t) => document.body.innerText.includes(t), text);
  }
  await page.screenshot({ path: path.join(artifacts, 'redoc.png') });
  await page.close();
});

test('a page from another origin runs the spec streaming example', async () => {
  const page = await browser.newPage();
  await page.goto(`http://localhost:${origin.address().port}/`);
  await page.waitForFunction(() => document.body.dataset.done !== undefined);
  assert.equal(await page.evaluate(() => document.body.dataset.done), 'yes');
  const lines = (await page.textContent('#out')).split('\n');
  assert.equal(lines.join(''), 'mock:你好流式响应结束');
  assert.equal(lines.filter((l) => l === '流式响应结束').length, 1);
  await page.screenshot({ path: path.join(artifacts, 'second-origin.png') });
  await page.close();
});
