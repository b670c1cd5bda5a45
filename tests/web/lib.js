// Helpers shared by the browser tests and the browser benchmark: a tiny static file server
// bound to 127.0.0.1 that stops by itself, headless Chromium through playwright-core, and
// dropping real files onto the page through a DataTransfer.
'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const http = require('http');
const path = require('path');
const zlib = require('zlib');
const { decodePng } = require('./png');

const REPO = path.resolve(__dirname, '../..');
const SITE = process.env.PYROLENS_SITE || path.join(REPO, 'build/wasm/site');
const CORPUS = path.resolve(REPO, '../shared/corpus');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.woff2': 'font/woff2', '.ico': 'image/x-icon', '.txt': 'text/plain',
};

// Serves `roots` ({'/': dir, '/corpus/': dir, ...}, longest prefix wins) on host:0 and
// resolves to {origin, port, close()}. The server closes itself after `lifetimeMs`.
function serve(roots, { host = '127.0.0.1', lifetimeMs = 15 * 60 * 1000 } = {}) {
  const prefixes = Object.keys(roots).sort((a, b) => b.length - a.length);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = null;
    for (const p of prefixes) {
      if (url.pathname.startsWith(p)) {
        const rel = decodeURIComponent(url.pathname.slice(p.length)) || 'index.html';
        const root = path.resolve(roots[p]);
        const f = path.resolve(root, rel);
        if (f === root || f.startsWith(root + path.sep)) file = f;
        break;
      }
    }
    // Profiles are fetched cross-origin by the embedded viewer.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-store');
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    // ?encoding=gzip: sent gzip-compressed in transfer (Content-Length the compressed size).
    if (url.searchParams.get('encoding') === 'gzip') {
      const body = zlib.gzipSync(fs.readFileSync(file));
      res.writeHead(200, { 'Content-Type': type, 'Content-Encoding': 'gzip', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      const timer = setTimeout(() => server.close(), lifetimeMs);
      timer.unref();
      const hostName = host === '127.0.0.1' ? '127.0.0.1' : host;
      resolve({
        origin: `http://${hostName}:${port}`, port,
        close: () => new Promise((r) => { clearTimeout(timer); server.closeAllConnections(); server.close(r); }),
      });
    });
  });
}

async function launch(extraArgs = []) {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
      '--no-sandbox', '--disable-dev-shm-usage', ...extraArgs],
  });
}

// Drops the files at `urls` (fetched by the page itself) onto the element matching
// `selector`, as a user's drag and drop does. Resolves once the drop event was dispatched.
async function dropUrls(page, urls, selector = 'body') {
  await page.evaluate(async ({ urls, selector }) => {
    const dt = new DataTransfer();
    for (const u of urls) {
      const r = await fetch(u);
      const b = await r.blob();
      dt.items.add(new File([b], decodeURIComponent(u.split('/').pop()), { type: '' }));
    }
    const target = document.querySelector(selector);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, { urls, selector });
}

// A free TCP port on 127.0.0.1 (the OS picks one; it is released at once for the caller).
function freePort() {
  const net = require('net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts `pyrolens serve --data DIR --listen 127.0.0.1:PORT` (binary: env PYROLENS_BIN,
// default build/native/native/pyrolens, relative to the repository) and resolves once
// GET /ready answers, to {origin, dataDir, proc, log(), stop()}. stop() kills the server
// (SIGTERM, then SIGKILL) and removes the data directory when this function made it; the
// process is also killed when node exits, so a failing test never leaves it running.
// Waiting for /ready is bounded (`readyTimeoutMs`).
const children = new Set();
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch (_) {} } });
async function startPyrolensServer({ dataDir, args = [], readyTimeoutMs = 20000 } = {}) {
  const { spawn } = require('child_process');
  const os = require('os');
  const bin = path.resolve(REPO, process.env.PYROLENS_BIN || 'build/native/native/pyrolens');
  if (!fs.existsSync(bin)) throw new Error(`no pyrolens binary at ${bin} (set PYROLENS_BIN)`);
  const dir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'pyrolens-web-'));
  const port = await freePort();
  const proc = spawn(bin, ['serve', '--data', dir, '--listen', `127.0.0.1:${port}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let output = '';
  const keep = (d) => { output = (output + d).slice(-20000); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((r) => proc.on('exit', (code, sig) => { exited = { code, sig }; children.delete(proc); r(); }));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, 3000);
      await exit;
      clearTimeout(t);
    }
    if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`pyrolens serve exited (${JSON.stringify(exited)}): ${output}`);
    try {
      const r = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch (_) { /* not listening yet */ }
    if (Date.now() - t0 > readyTimeoutMs) {
      await stop();
      throw new Error(`pyrolens serve not ready after ${readyTimeoutMs} ms: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { origin, port, dataDir: dir, proc, stop, log: () => output };
}

// The viewer's state (window.pyrolens.state()) in `page`.
const state = (page) => page.evaluate(() => window.pyrolens.state());

// Waits until `pred(state)` holds (the viewer applies commands at the next frame); fails
// the test after `timeout` ms with the last state.
async function until(page, pred, what, timeout = 20000) {
  const t0 = Date.now();
  let s;
  for (;;) {
    s = await state(page);
    if (s && pred(s)) return s;
    if (Date.now() - t0 > timeout) {
      assert.fail(`timed out waiting for ${what}; state: ${JSON.stringify(s).slice(0, 600)}`);
    }
    await page.waitForTimeout(50);
  }
}

// Where the browser tests keep the screenshots they check.
const SHOTS = path.join(REPO, 'build/wasm/test-screenshots');

// The state after a few more frames and one more (the first frame of a new profile may
// still lay out, and a screenshot should show the frame the state describes).
async function settle(page) {
  const f0 = await page.evaluate(() => window.pyrolens.frames());
  await page.waitForFunction((f0) => window.pyrolens.frames() >= f0 + 3, f0, { timeout: 20000 });
  await page.waitForTimeout(150);
  return state(page);
}

// Screenshots the page into SHOTS/NAME.png and checks the flame graph is drawn: many
// colours, at least `minNodes` wide nodes, and at 90% of the reported rectangles of wide
// nodes the pixel has the palette's hue ('warm'; 'diff': red or green or neutral grey, and
// some node clearly red or green; 'any': colours only). Returns {s, img, box}.
async function checkDrawn(page, name, { hue = 'warm', minNodes = 5 } = {}) {
  const s = await settle(page);
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  const img = decodePng(fs.readFileSync(file));
  const box = await page.locator('#canvas').boundingBox();
  assert.ok(img.distinctColors() > 20, `${name}: screenshot looks blank`);
  const wide = s.nodes.filter((n) => n.w >= 8 && n.h >= 8);
  assert.ok(wide.length >= minNodes, `${name}: only ${wide.length} wide nodes reported`);
  let good = 0, strong = 0;
  const bad = [];
  for (const n of wide) {
    const [r, g, b] = img.pixel(box.x + n.x + 2, box.y + n.y + 3);
    const ok = hue === 'warm' ? r >= 150 && r - b >= 40 :
      hue === 'diff' ? Math.abs(r - g) >= 30 || (r > 90 && Math.abs(r - b) < 30) : true;
    if (ok) good++; else bad.push(`${n.name}@${n.x},${n.y}=rgb(${r},${g},${b})`);
    if (Math.abs(r - g) >= 50) strong++;
  }
  // A diff shows unchanged nodes neutral: some node must be clearly red or green.
  if (hue === 'diff') assert.ok(strong > 0, `${name}: no node is coloured as a change`);
  assert.ok(good >= wide.length * 0.9,
    `${name}: ${bad.length}/${wide.length} node rects lack the palette: ${bad.slice(0, 5).join(' ')}`);
  return { s, img, box };
}

module.exports = { REPO, SITE, CORPUS, SHOTS, serve, launch, dropUrls, freePort,
  startPyrolensServer, state, until, settle, checkDrawn };
