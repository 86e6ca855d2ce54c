// The operator console in a real browser (Debian's Chromium via playwright-core), against the real
// qgate and the mock upstream: sign in with the admin key, create a tenant with a hostile name, use
// its key on the chat API, see the usage appear; disable and re-key it. Screenshots go to
// <build>/browser-artifacts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { artifacts, binaryDir, launchBrowser, sourceDir, start } from './harness.mjs';

const adminKey = 'console-admin-key-0123456789';
// Hostile input: markup, quotes, a backslash, non-ASCII.
const tenantName = `<img src=x onerror="window.__pwned=1">'"\\ テナント`;

let mock, qgate, browser, base, dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgate-console-'));
  mock = await start(path.join(binaryDir, 'tools/mock_dashscope/mock_dashscope'), ['--port', '0', '--chunks', '2'], {});
  qgate = await start(path.join(binaryDir, 'qgate'), ['--port', '0'], {
    DASHSCOPE_API_KEY: 'sk-qgate-mock',
    DASHSCOPE_BASE_URL: `http://127.0.0.1:${mock.port}`,
    QGATE_CATALOG_PATH: path.join(dir, 'catalog.db'),
    QGATE_CATALOG_SEED: path.join(sourceDir, 'config/models.json'),
    QGATE_LIMITS_LEDGER_SPILL_PATH: path.join(dir, 'spill.jsonl'),
    QGATE_DOCS_ASSETS_DIR: path.join(sourceDir, 'web/node_modules'),
    QGATE_ADMIN_KEY: adminKey,
    QGATE_ADMIN_CONSOLE_DIR: path.join(sourceDir, 'web/console'),
  });
  base = `http://127.0.0.1:${qgate.port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  qgate?.child.kill('SIGTERM');
  mock?.child.kill('SIGTERM');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function chat(key) {
  const response = await fetch(`${base}/api/llm/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'qwen-turbo', messages: [{ role: 'user', content: '你好' }] }),
  });
  return { status: response.status, body: await response.json() };
}

// Polls `condition` from node: the page's CSP allows no eval, which waitForFunction needs.
async function until(condition, what, limit = 10000) {
  const deadline = Date.now() + limit;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

// The row of the tenant named `name` (matched on the data attribute, as text, not as a selector).
function row(page, name) {
  return page.locator('#tenants tbody tr').filter({ has: page.locator('td.name', { hasText: name }) });
}

test('the console signs in, creates a tenant whose key works, and shows its usage', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(`${base}/admin/console`);
  await page.screenshot({ path: path.join(artifacts, 'console-sign-in.png') });

  // A wrong key is refused and not kept.
  await page.fill('#admin-key', 'not-the-admin-key-000');
  await page.click('#sign-in button[type=submit]');
  await page.locator('#status', { hasText: '401' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('qgate.adminKey')), null);

  await page.fill('#admin-key', adminKey);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#console:not([hidden])');

  // Create a tenant whose name is markup: it must show as text and run nothing.
  await page.fill('#form-name', tenantName);
  await page.fill('#form-models', 'qwen-turbo, qwen-plus');
  await page.fill('#form-rpm', '60');
  await page.click('#form-submit');
  await page.waitForSelector('#new-key-panel:not([hidden])');
  const key = (await page.textContent('#new-key')).trim();
  assert.match(key, /^qg-[A-Za-z0-9_-]{43}$/);
  assert.equal(await page.textContent('#new-key-tenant'), tenantName);
  await row(page, tenantName).waitFor();
  assert.equal(await row(page, tenantName).locator('td.name').textContent(), tenantName);
  assert.equal(await page.locator('#tenants img').count(), 0, 'the name was rendered as markup');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.screenshot({ path: path.join(artifacts, 'console-new-key.png'), fullPage: true });

  // The key works on the chat API at once; the usage appears after a refresh.
  const answer = await chat(key);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const tokens = answer.body.data.usage.total_tokens;
  await page.click('#dismiss-key');
  await page.click('#refresh');
  const cell = (n) => row(page, tenantName).locator('td').nth(n).textContent();
  await until(async () => (await cell(8)) === '1', 'one request today');
  assert.equal(await cell(9), String(tokens));
  const usageRow = page.locator('#usage tbody tr').first();
  assert.equal(await usageRow.locator('td').first().textContent(), tenantName);
  assert.equal(await usageRow.locator('td').nth(3).textContent(), '1');
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(await page.getAttribute(`#usage-chart rect[data-day="${today}"]`, 'data-value'), String(tokens));
  await page.screenshot({ path: path.join(artifacts, 'console-usage.png'), fullPage: true });

  // Disable: refused at once. Enable and re-key: the old key stops, the new one works.
  await row(page, tenantName).locator('button[data-action=disable]').click();
  await row(page, tenantName).locator('button[data-action=enable]').waitFor();
  assert.equal((await chat(key)).status, 401);
  await row(page, tenantName).locator('button[data-action=enable]').click();
  await row(page, tenantName).locator('button[data-action=disable]').waitFor();
  assert.equal((await chat(key)).status, 200);
  await row(page, tenantName).locator('button[data-action=rotate]').click();
  await page.waitForSelector('#new-key-panel:not([hidden])');
  const rotated = (await page.textContent('#new-key')).trim();
  assert.notEqual(rotated, key);
  assert.equal((await chat(key)).status, 401);
  assert.equal((await chat(rotated)).status, 200);

  // Edit the limits through the form.
  await row(page, tenantName).locator('button[data-action=edit]').click();
  await page.fill('#form-rpm', '5');
  await page.click('#form-submit');
  await until(async () => (await cell(4)) === '5', 'the new rpm');

  // The key stays in the tab across a reload, and goes with sign-out.
  await page.reload();
  await page.waitForSelector('#console:not([hidden])');
  await row(page, tenantName).waitFor();
  await page.click('#sign-out');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('qgate.adminKey')), null);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  await page.close();
});

test('a tenant key cannot sign in to the console', async () => {
  const created = await fetch(`${base}/admin/tenants`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ name: 'plain-tenant' }),
  });
  assert.equal(created.status, 201);
  const { key } = (await created.json()).data;
  const page = await browser.newPage();
  await page.goto(`${base}/admin/console`);
  await page.fill('#admin-key', key);
  await page.click('#sign-in button[type=submit]');
  await page.locator('#status', { hasText: '403' }).waitFor();
  assert.equal(await page.isHidden('#console'), true);
  await page.close();
});
