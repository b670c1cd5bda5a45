// Helpers shared by the browser tests and the browser benchmark: a tiny static file server
// bound to 127.0.0.1 that stops by itself, headless Chromium through playwright-core, and
// dropping real files onto the page through a DataTransfer.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

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
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': fs.statSync(file).size,
    });
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

module.exports = { REPO, SITE, CORPUS, serve, launch, dropUrls };
