// End-to-end tests of the browser viewer in headless Chromium: real corpus files dropped
// onto the page, the viewer's state read through window.pyrolens.state() (Viewer::StateJson)
// and screenshots checked at the node rectangles the state reports. Expected totals are the
// sums the corpus MANIFEST lists (an independent decoder), not Pyrolens' own output.
// Run by tests/web/run.sh (part of scripts/test). Screenshots: build/wasm/test-screenshots/.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const lib = require('./lib');
const { state, until, settle, checkDrawn, SHOTS } = lib;

let browser, srv, srv2;

before(async () => {
  assert.ok(fs.existsSync(path.join(lib.SITE, 'pyrolens.wasm')), `no viewer build in ${lib.SITE}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const roots = { '/': lib.SITE, '/corpus/': lib.CORPUS };
  srv = await lib.serve(roots, { host: '127.0.0.1', lifetimeMs: 10 * 60 * 1000 });
  // A second origin (another host name and port) for the cross-origin embedding test.
  srv2 = await lib.serve(roots, { host: 'localhost', lifetimeMs: 10 * 60 * 1000 });
  browser = await lib.launch();
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.close();
  if (srv2) await srv2.close();
});

async function openPage(query = '', { width = 1200, height = 700 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${srv.origin}/index.html${query}`);
  await page.evaluate(() => window.pyrolens.ready);
  return page;
}
const command = (page, c) => page.evaluate((c) => window.pyrolens.command(c), c);
const corpus = (rel) => `${srv.origin}/corpus/${rel}`;

async function drop(page, rels, pred = (s) => s.nodes.length > 0) {
  await lib.dropUrls(page, rels.map(corpus));
  await until(page, pred, `drop of ${rels.join(', ')}`);
  return settle(page);
}
function typeTotal(s, profile, type) {
  const t = s.profiles[profile].sampleTypes.find((x) => x.type === type);
  assert.ok(t, `sample type ${type} in ${JSON.stringify(s.profiles[profile].sampleTypes)}`);
  return t.total;
}


test('cpu profile dropped: root total, nodes, top rows, flame graph drawn', async () => {
  const page = await openPage();
  // The warm-up's hidden profile (pyro_warm_up) leaves no trace in the page.
  await page.evaluate(() => window.pyrolens.warmed);
  const idle = await state(page);
  assert.equal(idle.profiles.length, 0);
  assert.deepEqual(idle.errors, []);
  assert.deepEqual(await page.evaluate(() => window.pyrolens.events), []);
  const s = await drop(page, ['datakit/cpu.pprof']);
  assert.equal(s.profiles.length, 1);
  assert.equal(s.profiles[0].name, 'cpu.pprof');
  assert.equal(typeTotal(s, 0, 'samples'), 607);
  assert.equal(typeTotal(s, 0, 'cpu'), 6070000000);
  assert.equal(s.sampleType.type, 'cpu');
  assert.equal(s.sampleType.unit, 'nanoseconds');
  assert.equal(s.rootTotal, 6070000000);
  assert.equal(s.zoom.id, 0);
  assert.equal(s.selected, null);
  assert.ok(s.nodes.length > 50, `visible nodes: ${s.nodes.length}`);
  assert.ok(s.top.length > 10);
  assert.equal(s.top[0].name, 'runtime.futex');  // largest self, as pprof -top says
  assert.ok(s.top[0].self >= s.top[1].self);
  assert.deepEqual(page.errors, []);
  await checkDrawn(page, 'cpu-flame', { minNodes: 30 });
  await page.close();
});

test('click zooms into a node and selects it; reset returns to the root', async () => {
  const page = await openPage();
  let s = await drop(page, ['datakit/cpu.pprof']);
  const box = await page.locator('#canvas').boundingBox();
  const root = s.nodes.reduce((a, n) => (n.w > a.w ? n : a));
  const target = s.nodes.filter((n) => n.id !== root.id && n.w >= 30 && n.w < root.w * 0.8)
    .sort((a, b) => b.w - a.w)[0];
  assert.ok(target, 'a node to click');
  // As a person does: the pointer rests on the node (its tooltip shows), then clicks.
  await page.mouse.move(box.x + target.x + target.w / 2, box.y + target.y + target.h / 2);
  await page.waitForTimeout(200);
  await page.mouse.down();
  await page.waitForTimeout(50);
  await page.mouse.up();
  await page.waitForTimeout(100);
  await page.screenshot({ path: path.join(SHOTS, 'cpu-click.png') });
  s = await until(page, (s) => s.zoom.id === target.id, `zoom into ${target.name}`);
  assert.equal(s.zoom.name, target.name);
  assert.equal(s.selected.id, target.id);
  assert.equal(s.zoom.total, target.total);
  const zoomed = s.nodes.find((n) => n.id === target.id);
  assert.ok(zoomed && zoomed.w > target.w * 1.5, 'the zoomed node is drawn wider');
  const ev = await page.evaluate(() => window.pyrolens.events.filter((e) => e.event === 'select'));
  assert.equal(ev.at(-1).name, target.name);
  await checkDrawn(page, 'cpu-zoomed');
  await command(page, { cmd: 'reset' });
  s = await until(page, (s) => s.zoom.id === 0, 'reset');
  await page.close();
});

test('frames are drawn on demand: a few a second when idle, every animation frame on input', async () => {
  const page = await openPage();
  await drop(page, ['datakit/cpu.pprof']);
  const box = await page.locator('#canvas').boundingBox();
  const framesIn = async (ms, act) => {
    const f0 = await page.evaluate(() => window.pyrolens.frames());
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (act) await act();
      await page.waitForTimeout(40);
    }
    return (await page.evaluate(() => window.pyrolens.frames())) - f0;
  };
  await page.waitForTimeout(800);  // past the frames the drop's input and load asked for
  const idle = await framesIn(1000);
  let i = 0;
  const moving = await framesIn(1000, () =>
    page.mouse.move(box.x + box.width * (0.3 + 0.01 * (i++ % 40)), box.y + box.height * 0.6));
  assert.ok(idle <= 6, `idle page: ${idle} frames in 1 s (4 a second expected)`);
  assert.ok(moving >= idle + 5, `moving the mouse: ${moving} frames in 1 s, idle: ${idle}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a load draws its progress a few times a second, not every animation frame', async () => {
  // Streamed in chunks of 30 bytes, a small gzip file takes a few hundred ms, with the
  // viewer waiting for bytes between chunks: neither the load's start nor those waits
  // draw every animation frame (each drawn frame costs the GPU process too).
  const page = await openPage('?workerFrom=0&inflateChunk=30');
  await page.evaluate(() => window.pyrolens.warmed);
  await page.waitForTimeout(800);  // past the frames the start asked for
  const r = await page.evaluate(async (url) => {
    const file = new File([await (await fetch(url)).blob()], 'alloc_objects.pb.gz');
    const f0 = window.pyrolens.frames();
    const t0 = performance.now();
    const [res] = await window.pyrolens.openFiles([file]);
    return { ok: res.ok, ms: performance.now() - t0, frames: window.pyrolens.frames() - f0 };
  }, corpus('parca/alloc_objects.pb.gz'));
  assert.equal(r.ok, true);
  assert.equal(await page.evaluate(() => window.pyrolens.timings.streamed), true);
  assert.ok(r.frames <= 4 * r.ms / 1000 + 3, `${r.frames} frames in ${r.ms.toFixed(0)} ms of loading`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('search highlights matches and reports their share', async () => {
  const page = await openPage();
  await drop(page, ['datakit/cpu.pprof']);
  const r = await command(page, { cmd: 'setSearch', query: 'fibonacci', regex: false });
  assert.equal(r.ok, true);
  let s = await until(page, (s) => s.search.query === 'fibonacci' && s.search.matchedTotal > 0, 'search');
  const fib = s.top.find((t) => t.name === 'main.fibonacci');
  assert.equal(s.search.matchedTotal, fib.total);
  assert.ok(Math.abs(s.search.share - fib.total / s.rootTotal) < 1e-6);
  await checkDrawn(page, 'cpu-search', { hue: 'any' });
  await command(page, { cmd: 'setSearch', query: 'runtime\\.(futex|nanotime)$', regex: true });
  s = await until(page, (s) => s.search.regex && s.search.matchedTotal > 0, 'regex search');
  assert.equal(s.search.error, '');
  const bad = await command(page, { cmd: 'setSearch', query: '(', regex: true });
  s = await until(page, (s) => s.search.query === '(', 'bad regex');
  assert.ok(!bad.ok || s.search.error !== '', 'a bad regex is reported');
  await page.close();
});

test('heap profile: every sample type selectable with its unit and total', async () => {
  const page = await openPage();
  let s = await drop(page, ['datakit/delta-heap.pprof']);
  const want = { alloc_objects: [535, 'count'], alloc_space: [16699978, 'bytes'],
    inuse_objects: [55422, 'count'], inuse_space: [18585974, 'bytes'] };
  for (const [type, [total, unit]] of Object.entries(want)) {
    const r = await command(page, { cmd: 'setSampleType', sampleType: type });
    assert.equal(r.ok, true, JSON.stringify(r));
    s = await until(page, (s) => s.sampleType.type === type && s.nodes.length > 0, `type ${type}`);
    assert.equal(s.sampleType.unit, unit);
    assert.equal(s.rootTotal, total);
  }
  await checkDrawn(page, 'heap-inuse-space');
  await page.close();
});

test('goroutine and mutex profiles', async () => {
  const page = await openPage();
  let s = await drop(page, ['datakit/goroutines.pprof']);
  assert.equal(s.sampleType.type, 'goroutine');
  assert.equal(s.rootTotal, 25);
  await checkDrawn(page, 'goroutines', { minNodes: 3 });
  await page.evaluate(() => window.pyrolens.command({ cmd: 'clear' }));
  s = await drop(page, ['datakit/delta-mutex.pprof'],
    (s) => s.profiles.length === 1 && s.profiles[0].name === 'delta-mutex.pprof' && s.nodes.length > 0);
  assert.equal(typeTotal(s, 0, 'contentions'), 570);
  assert.equal(typeTotal(s, 0, 'delay'), 1603409);
  await command(page, { cmd: 'setSampleType', sampleType: 'contentions' });
  s = await until(page, (s) => s.sampleType.type === 'contentions', 'contentions');
  assert.equal(s.rootTotal, 570);
  await page.close();
});

test('bad files give a clear message and the page keeps working', async () => {
  const page = await openPage();
  await lib.dropUrls(page, [corpus('speedscope/speedscope/invalid/incomplete-trace.json')]);
  let s = await until(page, (s) => s.errors.length > 0, 'error for an unreadable file');
  assert.match(s.errors.join('\n'), /incomplete-trace\.json/);
  // A pprof cut in half: the message names the format and the offset.
  await page.evaluate(async (u) => {
    const b = new Uint8Array(await (await fetch(u)).arrayBuffer());
    const dt = new DataTransfer();
    dt.items.add(new File([b.subarray(0, b.length >> 1)], 'truncated.pprof'));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, corpus('datakit/cpu.pprof'));
  s = await until(page, (s) => s.errors.some((e) => /truncated\.pprof/.test(e)), 'truncated error');
  const msg = s.errors.find((e) => /truncated\.pprof/.test(e));
  assert.match(msg, /pprof|offset|truncated/i);
  await page.screenshot({ path: path.join(SHOTS, 'bad-file.png') });
  assert.equal(s.profiles.length, 0);
  s = await drop(page, ['datakit/cpu.pprof']);
  assert.equal(s.rootTotal, 6070000000);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a gzip file reads as its plain bytes do; a truncated one gets the gzip error', async () => {
  // Through the page's decompression worker (whatever the size), in 1000-byte chunks (the
  // last one shorter).
  const page = await openPage('?workerFrom=0&inflateChunk=1000');
  const gz = await drop(page, ['parca/alloc_objects.pb.gz']);
  const byWorker = () => page.evaluate(() => window.pyrolens.timings.inflateEnd !== undefined);
  assert.ok(await byWorker(), 'inflated by the worker');
  // The same profile inflated here by node's zlib, handed over as plain bytes.
  const plain = require('zlib').gunzipSync(fs.readFileSync(path.join(lib.CORPUS,
    'parca/alloc_objects.pb.gz')));
  await command(page, { cmd: 'clear' });
  const r = await page.evaluate((b64) => window.pyrolens.open('plain.pb',
    Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))), plain.toString('base64'));
  assert.deepEqual(r, { ok: true });
  const s = await settle(page);
  assert.equal(s.profiles.length, 1);
  assert.deepEqual(s.profiles[0].sampleTypes, gz.profiles[0].sampleTypes);
  assert.equal(s.rootTotal, gz.rootTotal);
  assert.ok(gz.top.length > 10);
  assert.deepEqual(s.top, gz.top);
  // Half of it: the worker refuses it, and the viewer shows core's message naming the
  // gzip member (the one its own reader gives: see the small file below).
  const cut = await page.evaluate(async (u) => {
    const b = new Uint8Array(await (await fetch(u)).arrayBuffer());
    return window.pyrolens.open('cut.pb.gz', new Blob([b.subarray(0, b.length >> 1)]));
  }, corpus('parca/alloc_objects.pb.gz'));
  assert.equal(cut.ok, false);
  assert.ok(!(await byWorker()));
  assert.match(cut.error, /^cut\.pb\.gz: gzip: member at offset 0 is corrupt or truncated/);
  const after = await state(page);
  assert.equal(after.profiles.length, 1);
  assert.deepEqual(after.errors, [cut.error]);
  assert.deepEqual(page.errors, []);
  await page.close();
  // A small file (below ?workerFrom=, 4 MiB by default) is inflated by the viewer itself.
  const small = await openPage();
  const own = await drop(small, ['parca/alloc_objects.pb.gz']);
  assert.ok(!(await small.evaluate(() => window.pyrolens.timings.inflateEnd !== undefined)));
  assert.deepEqual(own.top, gz.top);
  const ownCut = await small.evaluate(async (u) => {
    const b = new Uint8Array(await (await fetch(u)).arrayBuffer());
    return window.pyrolens.open('cut.pb.gz', new Blob([b.subarray(0, b.length >> 1)]));
  }, corpus('parca/alloc_objects.pb.gz'));
  assert.deepEqual(ownCut, cut);
  await small.close();
});

test('a gzip file is read as the worker inflates it; one it cannot stream reads the whole-buffer way', async () => {
  // The worker inflates a dropped gzip file as it reads it (in 1000-byte chunks here) and
  // the viewer reads each chunk as it comes; ?stream=0 inflates it whole first.
  const streaming = await openPage('?workerFrom=0&inflateChunk=1000');
  const whole = await openPage('?workerFrom=0&stream=0');
  const streamed = (page) => page.evaluate(() => window.pyrolens.timings.streamed);
  const rel = 'parca/alloc_objects.pb.gz';
  const a = await drop(streaming, [rel]);
  assert.equal(await streamed(streaming), true);
  const b = await drop(whole, [rel]);
  assert.equal(await streamed(whole), false);
  assert.deepEqual(a.profiles[0].sampleTypes, b.profiles[0].sampleTypes);
  assert.equal(a.rootTotal, b.rootTotal);
  assert.ok(a.top.length > 10);
  assert.deepEqual(a.top, b.top);
  // Two gzip members (the trailer announces the second's size only), folded stacks (the
  // viewer has the page convert them) and a cut file: each is given back and read the
  // whole-buffer way, as without streaming.
  const zlib = require('zlib');
  const plain = zlib.gunzipSync(fs.readFileSync(path.join(lib.CORPUS, rel)));
  const half = plain.length >> 1;
  const files = {
    'members.pb.gz': Buffer.concat([zlib.gzipSync(plain.subarray(0, half)), zlib.gzipSync(plain.subarray(half))]),
    'stacks.folded.gz': zlib.gzipSync(fs.readFileSync(path.join(lib.CORPUS, 'async-profiler/sample1.collapsed'))),
    'cut.pb.gz': fs.readFileSync(path.join(lib.CORPUS, rel)).subarray(0, 60000),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const open = (page) => page.evaluate(async ([name, b64]) => {
      await window.pyrolens.command({ cmd: 'clear' });
      const r = await window.pyrolens.open(name, new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]));
      return [r, window.pyrolens.state()];
    }, [name, bytes.toString('base64')]);
    const [r1, s1] = await open(streaming);
    assert.equal(await streamed(streaming), false, name);
    const [r2, s2] = await open(whole);
    assert.deepEqual(r1, r2, name);
    assert.equal(s1.rootTotal, s2.rootTotal, name);
    assert.deepEqual(s1.top, s2.top, name);
    assert.deepEqual(s1.errors, s2.errors, name);
  }
  assert.equal((await state(streaming)).errors.length, 1);
  assert.match((await state(streaming)).errors[0], /^cut\.pb\.gz: gzip: member at offset 0 is corrupt or truncated/);
  for (const page of [streaming, whole]) {
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('other formats through the worker read as in the viewer; so do their errors', async () => {
  // ?workerFrom=0: every file goes through the worker, which turns other formats into
  // pprof. ?convertFrom=0: the viewer finds that a small file is not pprof and the page
  // has the worker convert it. With a huge convertFrom the viewer reads them itself.
  const direct = await openPage('?convertFrom=1e15');
  const viaWorker = await openPage('?workerFrom=0');
  const converted = await openPage('?convertFrom=0');
  for (const rel of ['datakit/main.jfr', 'async-profiler/sample1.collapsed']) {
    const a = await drop(direct, [rel]);
    assert.equal(await direct.evaluate(() => window.pyrolens.timings.inflateEnd), undefined);
    for (const page of [viaWorker, converted]) {
      const b = await drop(page, [rel]);
      assert.ok(await page.evaluate(() => window.pyrolens.timings.inflateEnd !== undefined));
      assert.deepEqual(b.profiles[0].sampleTypes, a.profiles[0].sampleTypes, rel);
      assert.equal(b.rootTotal, a.rootTotal, rel);
      assert.ok(a.top.length > 5, rel);
      assert.deepEqual(b.top, a.top, rel);
      // The convert round trip is the page's own business: no event says it.
      assert.deepEqual((await page.evaluate(() => window.pyrolens.events)).map((e) => e.event)
        .filter((e) => e !== 'loaded'), [], rel);
    }
    for (const page of [direct, viaWorker, converted]) await command(page, { cmd: 'clear' });
  }
  const bad = 'speedscope/speedscope/invalid/incomplete-trace.json';
  const open = (page) => page.evaluate(async (u) => window.pyrolens.open('bad.json',
    await (await fetch(u)).blob()), corpus(bad));
  const want = await open(direct);
  assert.equal(want.ok, false);
  assert.deepEqual(await open(viaWorker), want);
  assert.deepEqual((await state(viaWorker)).errors, [want.error]);
  assert.deepEqual(await open(converted), want);
  for (const page of [direct, viaWorker, converted]) {
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('a file above the size limit gets a clear message', async () => {
  const page = await openPage('?maxFileBytes=1000');
  await lib.dropUrls(page, [corpus('datakit/cpu.pprof')]);
  await page.waitForFunction(() => /too large/.test(document.getElementById('msg').textContent));
  const ev = await page.evaluate(() => window.pyrolens.events.filter((e) => e.event === 'error'));
  assert.match(ev[0].message, /cpu\.pprof: file too large for the browser viewer/);
  await page.close();
});

test('two files dropped at once: diff, merge and sandwich', async () => {
  const page = await openPage();
  let s = await drop(page, ['dd-trace-go/block.before.pprof', 'dd-trace-go/block.after.pprof'],
    (s) => s.profiles.length === 2 && s.nodes.length > 0);
  assert.equal(typeTotal(s, 0, 'contentions'), 4);
  assert.equal(typeTotal(s, 1, 'contentions'), 5);
  let r = await command(page, { cmd: 'diff', base: 0, comparison: 1 });
  assert.equal(r.ok, true, JSON.stringify(r));
  await command(page, { cmd: 'setSampleType', sampleType: 'delay' });
  s = await until(page, (s) => s.mode === 'diff' && s.diff && s.sampleType.type === 'delay' &&
    s.nodes.length > 0, 'diff mode');
  assert.equal(s.diff.baseTotal, 3336989);
  assert.equal(s.diff.comparisonTotal, 3340939);
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, 'diff-block.png') });

  r = await command(page, { cmd: 'merge' });
  assert.equal(r.ok, true);
  s = await until(page, (s) => s.mode === 'merge' && s.nodes.length > 0, 'merge mode');
  assert.equal(s.rootTotal, 3336989 + 3340939);

  const fn = s.top[0].name;
  await command(page, { cmd: 'select', name: fn });
  await command(page, { cmd: 'setView', view: 'sandwich' });
  s = await until(page, (s) => s.view === 'sandwich' && s.sandwich && s.sandwich.function === fn,
    'sandwich view');
  assert.ok(s.sandwich.callerNames.length > 0, JSON.stringify(s.sandwich));
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, 'sandwich.png') });

  // Two heap profiles of different programs: most nodes exist on one side only, so the diff
  // colours them as grown or shrunk.
  await command(page, { cmd: 'clear' });
  await command(page, { cmd: 'setView', view: 'flame' });
  s = await drop(page, ['dd-trace-go/heap.after.pprof', 'datakit/delta-heap.pprof'],
    (s) => s.profiles.length === 2 && s.nodes.length > 0);
  await command(page, { cmd: 'diff', base: 0, comparison: 1 });
  await command(page, { cmd: 'setSampleType', sampleType: 'alloc_space' });
  s = await until(page, (s) => s.mode === 'diff' && s.sampleType.type === 'alloc_space' &&
    s.nodes.length > 0, 'heap diff');
  assert.equal(s.diff.baseTotal, typeTotal(s, 0, 'alloc_space'));
  assert.equal(s.diff.comparisonTotal, typeTotal(s, 1, 'alloc_space'));
  await checkDrawn(page, 'diff-heap', { hue: 'diff', minNodes: 3 });
  // The table beside it has both sides per function: a function's total on a side is at
  // least that of any of its nodes there.
  const rows = new Map(s.top.map((r) => [r.name, r]));
  let checked = 0;
  for (const n of s.nodes) {
    const r = rows.get(n.name);
    if (!r || n.name === 'total') continue;
    assert.ok(r.baseTotal >= n.base && r.total >= n.comparison,
      `${JSON.stringify(r)} vs ${JSON.stringify(n)}`);
    ++checked;
  }
  assert.ok(checked > 3, `only ${checked} nodes had a table row`);
  // Sorted by change: functions only the comparison has first, those only the base has last.
  await command(page, { cmd: 'sortTop', by: 'change', descending: false });
  s = await until(page, (s) => s.top.length > 0 && s.top[0].total === 0, 'the base\'s only first');
  assert.ok(s.top[0].baseTotal > 0, JSON.stringify(s.top[0]));
  await command(page, { cmd: 'setView', view: 'top' });
  await command(page, { cmd: 'sortTop', by: 'change' });
  s = await until(page, (s) => s.view === 'top' && s.top[0].baseTotal === 0, 'new functions first');
  assert.ok(s.top[0].total > 0, JSON.stringify(s.top[0]));
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, 'diff-table.png') });
  await page.close();
});

test('?url= and #profileURL= load a profile', async () => {
  let page = await openPage(`?url=${encodeURIComponent(corpus('datakit/goroutines.pprof'))}`);
  let s = await until(page, (s) => s.nodes.length > 0, '?url=');
  assert.equal(s.rootTotal, 25);
  await page.close();
  page = await openPage(`#profileURL=${encodeURIComponent(corpus('datakit/cpu.pprof'))}`);
  s = await until(page, (s) => s.nodes.length > 0, '#profileURL=');
  assert.equal(s.rootTotal, 6070000000);
  await page.close();
  // Sent compressed in transfer: more bytes arrive than the Content-Length announced.
  page = await openPage(`?url=${encodeURIComponent(corpus('datakit/cpu.pprof?encoding=gzip'))}`);
  s = await until(page, (s) => s.nodes.length > 0, '?url= with Content-Encoding: gzip');
  assert.equal(s.rootTotal, 6070000000);
  assert.equal(s.profiles[0].name, 'cpu.pprof');
  await page.close();
  // The same, handed over to the decompression worker once fetched.
  page = await openPage(`?workerFrom=0&url=${encodeURIComponent(corpus('datakit/cpu.pprof?encoding=gzip'))}`);
  s = await until(page, (s) => s.nodes.length > 0, 'Content-Encoding: gzip through the worker');
  assert.ok(await page.evaluate(() => window.pyrolens.timings.inflateEnd !== undefined));
  assert.equal(s.rootTotal, 6070000000);
  await page.close();
  // A missing file: the message names the address and the status, and drops still work.
  page = await openPage(`?url=${encodeURIComponent(corpus('datakit/missing.pprof'))}`);
  await page.waitForFunction(() => /cannot fetch/.test(document.getElementById('msg').textContent));
  const ev = await page.evaluate(() => window.pyrolens.events.filter((e) => e.event === 'error'));
  assert.match(ev[0].message, /missing\.pprof: cannot fetch \(HTTP 404/);
  assert.equal((await drop(page, ['datakit/goroutines.pprof'])).rootTotal, 25);
  assert.deepEqual(page.errors, []);
  await page.close();
  // A fetched gzip handed over to the decompression worker (as a Blob of the pieces fetched)
  // reads as a drop: inflated as it is read, or whole.
  page = await openPage('?workerFrom=0');
  const dropped = await drop(page, ['parca/alloc_objects.pb.gz']);
  await page.close();
  for (const stream of ['', '&stream=0']) {
    page = await openPage(`?workerFrom=0${stream}&url=${encodeURIComponent(corpus('parca/alloc_objects.pb.gz'))}`);
    s = await until(page, (s) => s.nodes.length > 0, `?url= of a gzip (${stream})`);
    assert.ok(await page.evaluate(() => window.pyrolens.timings.inflateEnd !== undefined));
    assert.equal(await page.evaluate(() => window.pyrolens.timings.streamed), !stream);
    assert.equal(s.rootTotal, dropped.rootTotal);
    assert.deepEqual((await settle(page)).top, dropped.top);
    await page.close();
  }
});

test('embed mode in a cross-origin iframe, driven by postMessage', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const viewer = `${srv.origin}/index.html`;
  await page.goto(`${srv2.origin}/embed-host.html?viewer=${encodeURIComponent(viewer)}`);
  assert.notEqual(new URL(srv2.origin).origin, new URL(srv.origin).origin);
  await page.evaluate(() => window.host.ready);
  const frame = page.frames().find((f) => f.url().startsWith(srv.origin));
  assert.ok(frame, 'viewer frame');
  assert.equal(await frame.locator('#bar').isVisible(), false, 'chrome hidden in embed mode');

  // Bytes from the host page (its own origin), sent with postMessage.
  const res = await page.evaluate(async (u) => {
    const bytes = await (await fetch(u)).arrayBuffer();
    return window.host.send({ type: 'pyrolens.load', name: 'heap.pprof', bytes }, [bytes]);
  }, `${srv2.origin}/corpus/datakit/delta-heap.pprof`);
  assert.equal(res.ok, true, JSON.stringify(res));
  const send = (m) => page.evaluate((m) => window.host.send(m), m);
  assert.equal((await send({ type: 'pyrolens.setTheme', theme: 'light' })).ok, true);
  assert.equal((await send({ type: 'pyrolens.setSampleType', sampleType: 'alloc_space' })).ok, true);
  assert.equal((await send({ type: 'pyrolens.setSearch', query: 'json' })).ok, true);
  await page.waitForTimeout(200);
  let r = await send({ type: 'pyrolens.getState' });
  assert.equal(r.ok, true);
  assert.equal(r.state.theme, 'light');
  assert.equal(r.state.sampleType.type, 'alloc_space');
  assert.equal(r.state.rootTotal, 16699978);
  assert.equal(r.state.search.query, 'json');
  assert.ok(r.state.nodes.length > 0);

  // A click inside the iframe reaches the host as a selection event.
  const box = await page.locator('#viewer').boundingBox();
  const n = r.state.nodes.filter((n) => n.w > 30 && n.y > 0).sort((a, b) => b.y - a.y)[1] ||
    r.state.nodes[0];
  await page.mouse.click(box.x + 1 + n.x + n.w / 2, box.y + 1 + n.y + n.h / 2);
  await page.waitForFunction(() => window.host.received.some(
    (m) => m.type === 'pyrolens.event' && m.event.event === 'select'));
  const sel = await page.evaluate(() => window.host.received.filter(
    (m) => m.type === 'pyrolens.event' && m.event.event === 'select').at(-1).event);
  assert.equal(sel.name, n.name);

  // URL loading through the bridge, and an unknown message type answered with an error.
  r = await send({ type: 'pyrolens.loadUrl', url: `${srv.origin}/corpus/datakit/goroutines.pprof` });
  assert.equal(r.ok, true, JSON.stringify(r));
  r = await send({ type: 'pyrolens.nonsense' });
  assert.equal(r.ok, false);
  r = await send({ type: 'pyrolens.getState' });
  assert.equal(r.state.profiles.length, 2);
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, 'embed.png') });
  await page.close();
});

test('a third origin cannot drive an embedded viewer pinned to its host', async () => {
  const page = await browser.newPage();
  // The viewer is told only srv2's origin may talk to it; this page is on srv's origin.
  await page.goto(`${srv.origin}/embed-host.html?viewer=${encodeURIComponent(`${srv2.origin}/index.html`)}`);
  await page.evaluate(() => window.host.ready);
  const frame = page.frames().find((f) => f.url().startsWith(srv2.origin));
  await frame.evaluate(() => window.pyrolens.ready);
  await page.evaluate(() => {
    const f = document.getElementById('viewer');
    const u = new URL(f.src);
    u.searchParams.set('origin', 'http://example.invalid');
    f.src = u.href;
  });
  await page.waitForTimeout(1500);
  const frame2 = page.frames().find((f) => f.url().includes('example.invalid'));
  await frame2.evaluate(() => window.pyrolens.ready);
  await page.evaluate(() => document.getElementById('viewer').contentWindow.postMessage(
    { type: 'pyrolens.setSearch', query: 'evil', id: 99 }, '*'));
  await page.waitForTimeout(300);
  const s = await frame2.evaluate(() => window.pyrolens.state());
  assert.equal(s.search.query, '');
  await page.close();
});
