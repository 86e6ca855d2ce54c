// What the browser tests share: where the build is, playwright-core from web/, the artifacts
// folder, and starting a binary that prints `listening on HOST:PORT`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export const sourceDir = process.env.QGATE_SOURCE_DIR;
export const binaryDir = process.env.QGATE_BINARY_DIR;
const require = createRequire(path.join(sourceDir, 'web', 'package.json'));
const { chromium } = require('playwright-core');
export const artifacts = path.join(binaryDir, 'browser-artifacts');
fs.mkdirSync(artifacts, { recursive: true });

// Debian's headless Chromium as the tests run it: no sandbox (containers), nothing in the background.
export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
}

export function start(binary, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${binary} did not start: ${seen}`)), 15000);
    child.stdout.on('data', (data) => {
      seen += data;
      const match = /listening on [^ ]+:(\d+)/.exec(seen);
      if (match && timer) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`${binary} exited ${code}: ${seen}`)));
  });
}
