// Browser tests of the viewer's server mode (web/server.js) in headless Chromium, against a
// real `pyrolens serve` (env PYROLENS_BIN, default build/native/native/pyrolens) on a fresh
// store: corpus profiles are pushed to /ingest at known times in the last hour, then the page
// picks a service, a profile type and a range, brushes the timeline and compares two ranges.
// Flame-graph totals read through window.pyrolens.state() must equal what the server's own
// SelectMergeStacktraces answers for the same query (and the sums of what was pushed).
// Run by tests/web/run.sh after e2e.test.js. Screenshots: build/wasm/test-screenshots/server-*.png.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const lib = require('./lib');
const { state, until, settle, checkDrawn, SHOTS } = lib;
const { decodePng } = require('./png');

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
// The two files' cpu totals (corpus MANIFEST / e2e.test.js).
const SMALL = { file: 'pyroscope/ingest/cpu.pb.gz', cpu: 470000000 };
const BIG = { file: 'datakit/cpu.pprof', cpu: 6070000000 };
const HEAP = { file: 'pyroscope/ingest/heap.pb.gz' };
const MIN = 60;
const T = { timeout: 120000 };  // per test: every wait inside is bounded too
let browser, srv, emptySrv;
const now = Math.floor(Date.now() / 1000);
// What is pushed: [service name (ingest "name"), file, minutes ago].
const PUSHES = [
  ...[55, 45, 35, 25, 15, 5].map((m) => ['svcA.cpu{env=prod}', SMALL, m]),
  ...[14, 4].map((m) => ['svcA.cpu{env=prod}', BIG, m]),
  ...[50, 30, 10].map((m) => ['svcB.cpu{env=staging}', SMALL, m]),
  ['svcB{env=staging}', HEAP, 20],
];
const at = (minutesAgo) => (now - minutesAgo * MIN) * 1000;  // ms

before(async () => {
  assert.ok(fs.existsSync(path.join(lib.SITE, 'pyrolens.wasm')), `no viewer build in ${lib.SITE}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  srv = await lib.startPyrolensServer();
  for (const [name, f, ago] of PUSHES) {
    const from = now - ago * MIN;
    const url = `${srv.origin}/ingest?name=${encodeURIComponent(name)}&format=pprof` +
      `&from=${from}&until=${from + 10}`;
    const r = await fetch(url, { method: 'POST', body: fs.readFileSync(path.join(lib.CORPUS, f.file)),
      signal: AbortSignal.timeout(10000) });
    assert.equal(r.status, 200, `push ${name} ${f.file}: ${await r.text()}`);
  }
  emptySrv = await lib.startPyrolensServer();
  browser = await lib.launch();
});
after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (srv) await srv.stop();
  if (emptySrv) await emptySrv.stop();
});

// The server's own answer for a query the page made: the flame graph's total.
async function serverTotal(q) {
  const r = await fetch(`${srv.origin}/querier.v1.QuerierService/SelectMergeStacktraces`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ profileTypeID: q.profileTypeID, labelSelector: q.labelSelector,
      start: q.start, end: q.end }),
    signal: AbortSignal.timeout(10000),
  });
  const j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  return Number(j.flamegraph.total);
}

const srvState = (page) => page.evaluate(() => window.pyrolensServer.state());
// Waits (at most 20 s) until the page has no server query in flight.
const idle = (page) => page.evaluate(() => Promise.race([window.pyrolensServer.idle(),
  new Promise((_, reject) => setTimeout(() => reject(new Error('server queries still running after 20 s')), 20000))]));

async function openPage(origin = srv.origin, { query = '', width = 1280, height = 800 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${origin}/${query}`);
  await page.evaluate(() => window.pyrolens.ready);
  await page.waitForFunction(() => window.pyrolensServer, null, { timeout: 10000 });
  const on = await page.evaluate(() => Promise.race([window.pyrolensServer.ready,
    new Promise((r) => setTimeout(() => r('timeout'), 20000))]));
  assert.equal(on, true, 'server mode is on');
  await idle(page);
  return page;
}
// Picks service, type and range the way a person does, and waits for the queries.
async function pick(page, { service, type = CPU, range = '1h' }) {
  await page.selectOption('#srv-service', service);
  await idle(page);
  await page.selectOption('#srv-type', type);
  await idle(page);
  await page.selectOption('#srv-range', range);
  await idle(page);
}
// Drags on the timeline from one time to another (ms), as a mouse does.
async function brush(page, t0, t1) {
  const box = await page.locator('#srv-timeline').boundingBox();
  const g = (await srvState(page)).geometry;
  const x = (t) => box.x + g.left + ((t - g.start) / (g.end - g.start)) * g.width;
  const y = box.y + g.top + g.height / 2;
  await page.mouse.move(x(t0), y);
  await page.mouse.down();
  for (let i = 1; i <= 5; i++) await page.mouse.move(x(t0) + ((x(t1) - x(t0)) * i) / 5, y);
  await page.mouse.up();
  await idle(page);
}
// The timeline canvas has bars: pixels of the bar colour, and more than a blank background.
async function checkTimeline(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.locator('#srv-timeline').screenshot({ path: file });
  const img = decodePng(fs.readFileSync(file));
  let bar = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [r, g, b] = img.pixel(x, y);
      if (b > 180 && b - r > 70 && g > 90 && g < 170) bar++;  // #4f8fe6 / #2f6fd0
    }
  }
  assert.ok(img.distinctColors() > 5, `${name}: timeline looks blank`);
  assert.ok(bar > 200, `${name}: only ${bar} bar-coloured pixels on the timeline`);
  return bar;
}
const msg = (page) => page.locator('#msg').textContent();

test('server mode: services, profile types, timeline and the flame graph of the range', T, async () => {
  const page = await openPage();
  assert.equal(await page.locator('#server').isVisible(), true);
  const services = await page.locator('#srv-service option').allTextContents();
  assert.deepEqual(services, ['svcA', 'svcB']);
  await pick(page, { service: 'svcA' });
  // Only svcA's own types, labelled readably.
  const types = await page.locator('#srv-type option').allTextContents();
  assert.deepEqual(types.sort(), ['process_cpu / cpu (nanoseconds)', 'process_cpu / samples (count)']);
  const ss = await srvState(page);
  assert.equal(ss.lastQuery.profileTypeID, CPU);
  assert.equal(ss.lastQuery.labelSelector, '{service_name="svcA"}');
  assert.ok(ss.lastQuery.end - ss.lastQuery.start === 3600e3);
  const want = await serverTotal(ss.lastQuery);
  assert.equal(want, 6 * SMALL.cpu + 2 * BIG.cpu);  // everything pushed for svcA
  let s = await until(page, (s) => s.profiles.length === 1 && s.nodes.length > 0, 'flame graph');
  assert.equal(s.sampleType.type, 'cpu');
  assert.equal(s.rootTotal, want);
  // The timeline: one bar per push (8 pushes, distinct steps), and visible pixels.
  assert.equal(ss.timeline.points.length, 8);
  assert.equal(ss.timeline.points.reduce((a, p) => a + p.v, 0), want);
  await checkTimeline(page, 'server-timeline');
  ({ s } = await checkDrawn(page, 'server-flame', { minNodes: 3 }));
  assert.equal(await msg(page), '');

  // svcB has memory types too, and only its own data.
  await page.selectOption('#srv-service', 'svcB');
  await idle(page);
  const bTypes = await page.locator('#srv-type option').allTextContents();
  assert.ok(bTypes.includes('memory / inuse_space (bytes)'), bTypes.join(', '));
  assert.ok(bTypes.includes('process_cpu / cpu (nanoseconds)'));
  const sb = await srvState(page);
  assert.equal(sb.profileType.ID, CPU);
  s = await until(page, (s) => s.profiles.length === 1 && s.rootTotal === 3 * SMALL.cpu, 'svcB flame');
  assert.equal(await serverTotal(sb.lastQuery), 3 * SMALL.cpu);
  await page.selectOption('#srv-type', 'memory:inuse_space:bytes:space:bytes');
  await idle(page);
  const sm = await srvState(page);
  s = await until(page, (s) => s.sampleType.type === 'inuse_space' && s.nodes.length > 0, 'heap');
  assert.equal(s.rootTotal, await serverTotal(sm.lastQuery));
  assert.ok(s.rootTotal > 0);
  await page.screenshot({ path: path.join(SHOTS, 'server-heap.png') });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('dragging on the timeline selects a sub-range and re-queries the flame graph', T, async () => {
  const page = await openPage();
  await pick(page, { service: 'svcA', range: '1h' });
  await brush(page, at(40), at(20));  // holds the pushes at -35 and -25 minutes
  const ss = await srvState(page);
  assert.ok(ss.selection, 'a selection');
  assert.ok(Math.abs(ss.selection.start - at(40)) < 60e3 && Math.abs(ss.selection.end - at(20)) < 60e3,
    JSON.stringify(ss.selection));
  assert.deepEqual(ss.lastQuery, { profileTypeID: CPU, labelSelector: '{service_name="svcA"}',
    start: ss.selection.start, end: ss.selection.end });
  const want = await serverTotal(ss.lastQuery);
  assert.equal(want, 2 * SMALL.cpu);
  const s = await until(page, (s) => s.profiles.length === 1 && s.rootTotal === want, 'brushed flame');
  assert.equal(s.rootTotal, want);
  assert.match(await page.locator('#srv-sel-text').textContent(), /Flame graph of .*–/);
  await checkDrawn(page, 'server-brush', { minNodes: 3 });
  // A click on the timeline returns to the whole range.
  const box = await page.locator('#srv-timeline').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + 30);
  await idle(page);
  assert.equal((await srvState(page)).selection, null);
  await until(page, (s) => s.rootTotal === 6 * SMALL.cpu + 2 * BIG.cpu, 'whole range again');
  // A custom from–to range (minute precision, local time as the inputs show it).
  const local = (ms) => {
    const d = new Date(ms), p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  await page.selectOption('#srv-range', 'custom');
  await idle(page);
  assert.equal(await page.locator('#srv-from').isVisible(), true);
  await page.fill('#srv-from', local(at(50)));
  await idle(page);
  await page.fill('#srv-to', local(at(10)));
  await idle(page);
  const sc = await srvState(page);
  assert.equal(sc.lastQuery.start, Date.parse(local(at(50))));
  assert.equal(sc.lastQuery.end, Date.parse(local(at(10))));
  const wantCustom = await serverTotal(sc.lastQuery);
  assert.equal(wantCustom, 4 * SMALL.cpu + BIG.cpu);  // -45, -35, -25, -15 and -14 minutes
  await until(page, (s) => s.rootTotal === wantCustom, 'custom range');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('compare two ranges: the viewer shows the diff of A (baseline) and B', T, async () => {
  const page = await openPage();
  await pick(page, { service: 'svcA', range: '1h' });
  await page.click('#srv-compare');
  await idle(page);
  assert.equal(await page.locator('#srv-compare-bar').isVisible(), true);
  let s = await until(page, (s) => s.mode === 'diff' && s.profiles.length === 2, 'default diff');
  // As a person does: drag A, then B (the target moves to B after A).
  await brush(page, at(60), at(30));
  assert.equal((await srvState(page)).target, 'b');
  await brush(page, at(20), at(1));
  const ss = await srvState(page);
  assert.equal(ss.loaded.kind, 'diff');
  const [qa, qb] = ss.lastQuery;
  assert.ok(Math.abs(qa.start - at(60)) < 60e3 && Math.abs(qb.end - at(1)) < 60e3);
  const wantA = await serverTotal(qa), wantB = await serverTotal(qb);
  assert.equal(wantA, 3 * SMALL.cpu);               // -55, -45, -35
  assert.equal(wantB, 2 * SMALL.cpu + 2 * BIG.cpu); // -15, -5 and the two big ones
  s = await until(page, (s) => s.mode === 'diff' && s.diff && s.diff.baseTotal === wantA &&
    s.diff.comparisonTotal === wantB && s.nodes.length > 0, 'diff of A and B');
  assert.equal(s.profiles.length, 2);
  assert.match(s.profiles[0].name, /^A svcA/);
  assert.match(s.profiles[1].name, /^B svcA/);
  assert.equal(s.sampleType.type, 'cpu');
  await checkTimeline(page, 'server-compare-timeline');
  await checkDrawn(page, 'server-diff', { hue: 'diff', minNodes: 3 });
  // Compare off: back to one flame graph of the whole range.
  await page.click('#srv-compare');
  await idle(page);
  s = await until(page, (s) => s.mode !== 'diff' && s.profiles.length === 1, 'single again');
  assert.equal(s.rootTotal, 6 * SMALL.cpu + 2 * BIG.cpu);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('label selector: merged into the query; server errors shown in the message area', T, async () => {
  const page = await openPage(srv.origin, { query: '?theme=light' });
  await pick(page, { service: 'svcA', range: '6h' });
  await page.fill('#srv-labels', '{env="prod"}');
  await page.press('#srv-labels', 'Enter');
  await idle(page);
  let ss = await srvState(page);
  assert.equal(ss.lastQuery.labelSelector, '{service_name="svcA", env="prod"}');
  await until(page, (s) => s.rootTotal === 6 * SMALL.cpu + 2 * BIG.cpu, 'env=prod');
  assert.equal((await srvState(page)).lastQuery.end - ss.lastQuery.start, 6 * 3600e3);
  await checkTimeline(page, 'server-light-timeline');
  await checkDrawn(page, 'server-light', { minNodes: 3 });
  // Nothing matches: a clear message, not an error.
  await page.fill('#srv-labels', 'env="staging"');
  await page.press('#srv-labels', 'Enter');
  await idle(page);
  ss = await srvState(page);
  assert.equal(ss.lastQuery.labelSelector, '{service_name="svcA", env="staging"}');
  assert.equal(await serverTotal(ss.lastQuery), 0);
  assert.match(await msg(page), /no process_cpu \/ cpu \(nanoseconds\) profiles for svcA/);
  // A broken selector: the server's Connect error reaches the page.
  await page.fill('#srv-labels', '{env=');
  await page.press('#srv-labels', 'Enter');
  await idle(page);
  const m = await msg(page);
  assert.match(m, /SelectSeries failed: invalid_argument: .*selector/, m);
  assert.match(await page.locator('#srv-sel-text').textContent(), /SelectSeries failed/);
  await page.screenshot({ path: path.join(SHOTS, 'server-error.png') });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an empty store shows how to push a first profile', T, async () => {
  const page = await openPage(emptySrv.origin);
  const empty = page.locator('#srv-empty');
  assert.equal(await empty.isVisible(), true);
  assert.match(await empty.textContent(), /No profiles yet — push one with:.*\/ingest\?name=/s);
  assert.match(await msg(page), /no profiles yet/);
  assert.equal(await page.locator('#srv-service option').count(), 0);
  await page.screenshot({ path: path.join(SHOTS, 'server-empty.png') });
  // After a push, Refresh finds it.
  const r = await fetch(`${emptySrv.origin}/ingest?name=late.cpu&format=pprof&from=${now - 120}`,
    { method: 'POST', body: fs.readFileSync(path.join(lib.CORPUS, SMALL.file)), signal: AbortSignal.timeout(10000) });
  assert.equal(r.status, 200);
  await page.click('#srv-refresh');
  await idle(page);
  assert.equal(await empty.isVisible(), false);
  await until(page, (s) => s.rootTotal === SMALL.cpu, 'the late push');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a static server (no config.json) keeps the stand-alone page', T, async () => {
  const stat = await lib.serve({ '/': lib.SITE }, { lifetimeMs: 60000 });
  try {
    const page = await browser.newPage();
    await page.goto(`${stat.origin}/index.html`);
    await page.evaluate(() => window.pyrolens.ready);
    assert.equal(await page.evaluate(() => window.pyrolensServer.ready), false);
    assert.equal(await page.locator('#server').isVisible(), false);
    assert.match(await page.locator('#bar .hint').textContent(), /drop one or many files/);
    await page.close();
  } finally {
    await stat.close();
  }
});
