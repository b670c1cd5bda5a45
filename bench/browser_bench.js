// Browser benchmark (run through bench/browser_bench.sh): for each profile, the Pyrolens wasm
// viewer and speedscope in the same headless Chromium.
//   pyrolens drop:  performance.now() at the drop event -> end of the first frame that draws
//                   the flame graph (the file is already a Blob in the page, as after a drop;
//                   the page is idle: started, and its warm-up, pyro_warm_up, ended).
//   pyrolens url:   navigation start -> first drawn flame graph, loading through #profileURL=
//                   (includes compiling the wasm and fetching the file; same path as speedscope)
//   speedscope url: navigation start -> document.title set by speedscope after import + two
//                   animation frames (its first flame graph render).
// Memory: peak JSHeapUsedSize sampled over CDP every 100 ms, plus the wasm memory (which only
// grows, so its final size is its peak); and the peak resident memory of the renderer
// processes (rendererRss), which also holds the decompression worker's memory. "longest
// block" is the longest gap between two animation frames while loading, and when it began
// (from the drop, or from navigation start): how long the page was frozen. The viewer draws on demand, but the page's
// animation-frame callbacks run at the display's rate whenever the main thread is free.
// With BENCH_PROFILE=1, one more drop runs under the CPU profiler and prints its 15 largest
// functions by self time. First, the cost of first touching fresh wasm memory in this
// Chromium (256 MiB grown, then written): every MiB of a load's peak wasm memory pays it once
// on the main thread, and the drop row prints what its wasm memory costs that way (at most:
// the page touched some of it before the drop, starting and warming up).
// Usage: node bench/browser_bench.js SIZE=/abs/file.pb.gz ...   (SPEEDSCOPE=0 skips speedscope)
'use strict';
const fs = require('fs');
const path = require('path');
const lib = require('../tests/web/lib');

const SPEEDSCOPE_DIR = path.join(lib.REPO, 'tests/web/node_modules/speedscope/dist/release');
const RUNS = Number(process.env.BENCH_RUNS || 2);
const WITH_SPEEDSCOPE = process.env.SPEEDSCOPE !== '0';
const SPEEDSCOPE_TIMEOUT_S = Number(process.env.SPEEDSCOPE_TIMEOUT_S || 900);
const PAGE_QUERY = process.env.BENCH_PAGE_QUERY || '';
const PROFILE = process.env.BENCH_PROFILE === '1';
const mib = (n) => (n / 1048576).toFixed(0);
// Waits for p, but at most ms: a renderer that hangs (speedscope on a large profile) answers
// neither CDP nor page.close().
const settled = (p, ms) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, ms))]);

// Resident memory of this run's Chromium renderer processes (descendants of this process
// started with --type=renderer, but not the browser's own UI), in bytes: the page's whole
// process with its workers, V8 heaps, wasm memories and the renderer's own, plus any spare
// renderer Chromium keeps (about 80 MiB here: it counts more, never less). Linux /proc.
function rendererRss() {
  const parent = new Map();
  const renderers = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const args = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (args.includes('--type=renderer') && !args.includes('--top-chrome-webui')) renderers.push(d);
    } catch (e) { /* the process ended */ }
  }
  const ours = (pid) => {
    for (let p = pid; p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  let sum = 0;
  for (const d of renderers) {
    if (!ours(Number(d))) continue;
    try {
      sum += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))[1]) * 1024;
    } catch (e) { /* the process ended */ }
  }
  return sum;
}

// Samples JSHeapUsedSize over CDP and the renderers' resident memory every 100 ms until
// stopped; resolves to the peaks in bytes, {js, rss}.
async function heapSampler(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  let js = 0, rss = 0, running = true;
  const loop = (async () => {
    while (running) {
      rss = Math.max(rss, rendererRss());
      try {
        const { metrics } = await cdp.send('Performance.getMetrics');
        const m = metrics.find((x) => x.name === 'JSHeapUsedSize');
        if (m && m.value > js) js = m.value;
      } catch (e) { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await settled(loop, 2000);
      await settled(cdp.detach(), 2000);
      return { js, rss };
    },
  };
}

// Records the longest gap between animation frames from now on (window.__longest) and when
// it began (window.__longestAt, performance.now() time), and the longest main-thread task
// (window.__longestTask, from the browser's long-task entries, those over 50 ms): a gap much
// longer than every task was spent elsewhere (the GPU process, another thread's work).
const FRAME_GAPS = () => {
  window.__longest = 0;
  window.__longestAt = 0;
  window.__longestTask = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longestTask = Math.max(window.__longestTask, e.duration);
  }).observe({ type: 'longtask' });
  let last = performance.now();
  const tick = (t) => {
    if (t - last > window.__longest) {
      window.__longest = t - last;
      window.__longestAt = last;
    }
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

// The main thread's CPU time from drop to first draw per function (self time), largest
// first, from a CDP CPU profile (wasm functions have names in the BENCH_PROFILE build).
async function startProfile(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    profile.samples.forEach((id, i) => {
      const f = byId.get(id).callFrame;
      const name = f.functionName || `(${f.url.split('/').pop() || 'program'})`;
      self.set(name, (self.get(name) || 0) + (profile.timeDeltas[i + 1] || 0) / 1000);
    });
    return [...self.entries()].sort((a, b) => b[1] - a[1]);
  };
}

async function pyrolensDrop(browser, origin, url, profile = false) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${origin}/index.html${PAGE_QUERY}`);
  await page.evaluate(() => window.pyrolens.warmed);
  await page.evaluate(async (u) => { window.__blob = await (await fetch(u)).blob(); }, url);
  const heap = await heapSampler(page);
  const name = url.split('/').pop();
  await page.evaluate(FRAME_GAPS);
  const stopProfile = profile ? await startProfile(page) : null;
  const ms = await page.evaluate(async (name) => {
    const dt = new DataTransfer();
    dt.items.add(new File([window.__blob], name));
    window.__t0 = performance.now();
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    while (!window.pyrolens.timings.firstDraw) await new Promise((r) => setTimeout(r, 5));
    return window.pyrolens.timings.firstDraw - window.__t0;
  }, name);
  const cpu = stopProfile ? await stopProfile() : null;
  // The load's longest gap, measured from the drop; then the interaction's, on its own.
  const [longest, longestAt, longestTask] = await page.evaluate(() =>
    [window.__longest, window.__longestAt - window.__t0, window.__longestTask]);
  const phases = await page.evaluate(() => {
    const t = window.pyrolens.timings;
    const loaded = window.pyrolens.events.filter((e) => e.event === 'loaded').pop();
    return Object.assign({ start: t.decodeStart - window.__t0, worker: (t.inflateEnd || t.decodeStart) - t.decodeStart,
      viewer: t.decodeEnd - t.decodeStart, firstFrame: t.firstDraw - t.decodeEnd }, loaded.ms);
  });
  // The profiled drop is only for its profile.
  const frame = profile ? null : await interact(page);
  if (frame) frame.longest = await page.evaluate(() => window.__longest);
  const out = await finish(page, heap);
  return Object.assign(out, { ms, frame, longest, longestAt, longestTask, phases, cpu });
}

// Frame times while zooming into wide nodes, hovering across the graph, panning it with the
// mouse wheel and resetting, on the tree just loaded: CPU time per frame inside the module
// and the animation-frame period; then, on their own (`whole`), those of hovering across
// the whole tree unzoomed.
async function interact(page) {
  const box = await page.locator('#canvas').boundingBox();
  // The zoom targets from the state once, before measuring: the state hook's JSON of
  // thousands of drawn nodes is the test's cost, not the user's.
  const s = await page.evaluate(() => window.pyrolens.state());
  const wide = s.nodes.filter((n) => n.w > 40).sort((a, b) => a.y - b.y);
  await page.evaluate(() => { window.__longest = 0; window.pyrolens.frameStats(true); });
  const t0 = await page.evaluate(() => [performance.now(), window.pyrolens.frames()]);
  for (let round = 0; round < 4; round++) {
    const target = wide[Math.floor(wide.length * (round + 1) / 6)] || wide[0];
    if (target) await page.evaluate((id) => window.pyrolens.command({ cmd: 'zoom', id }), target.id);
    for (let i = 0; i < 10; i++) {
      await page.mouse.move(box.x + box.width * (0.4 + 0.05 * i), box.y + box.height * (0.3 + 0.06 * i));
      await page.mouse.wheel(0, i < 5 ? -120 : 120);
      await page.waitForTimeout(30);
    }
    await page.evaluate(() => window.pyrolens.command({ cmd: 'reset' }));
    await page.waitForTimeout(60);
  }
  const stats = await page.evaluate(() => window.pyrolens.frameStats(false));
  const t1 = await page.evaluate(() => [performance.now(), window.pyrolens.frames()]);
  stats.period = (t1[0] - t0[0]) / Math.max(1, t1[1] - t0[1]);
  // Then hovering across the whole tree, unzoomed: the frames that draw the most levels
  // and nodes.
  await page.evaluate(() => window.pyrolens.frameStats(true));
  for (let i = 0; i < 30; i++) {
    await page.mouse.move(box.x + box.width * (0.3 + 0.02 * i), box.y + box.height * (0.4 + 0.01 * i));
    await page.waitForTimeout(30);
  }
  stats.whole = await page.evaluate(() => window.pyrolens.frameStats(false));
  return stats;
}

async function pyrolensUrl(browser, origin, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(FRAME_GAPS);
  const heap = await heapSampler(page);
  await page.goto(`${origin}/index.html${PAGE_QUERY}#profileURL=${encodeURIComponent(url)}`);
  await page.waitForFunction(() => window.pyrolens && window.pyrolens.timings.firstDraw,
    null, { timeout: 600000, polling: 20 });
  const ms = await page.evaluate(() => window.pyrolens.timings.firstDraw);
  const out = await finish(page, heap);
  return Object.assign(out, { ms });
}

async function finish(page, heap) {
  const s = await page.evaluate(() => window.pyrolens.state());
  if (!s || !s.nodes.length) throw new Error('no flame graph drawn: ' + JSON.stringify(s && s.errors));
  const wasm = await page.evaluate(() => window.pyrolens.memory());
  const [longest, longestAt, longestTask] = await page.evaluate(() =>
    [window.__longest || 0, window.__longestAt, window.__longestTask]);
  const { js, rss } = await heap.stop();
  await page.close();
  return { js, rss, wasm, longest, longestAt, longestTask, total: s.rootTotal, nodes: s.numNodes };
}

async function speedscope(browser, origin, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(FRAME_GAPS);
  const heap = await heapSampler(page);
  const t0 = Date.now();
  try {
    await page.goto(`${origin}/speedscope/index.html#profileURL=${encodeURIComponent(url)}`);
    await page.waitForFunction(() => / - speedscope$/.test(document.title), null,
      { timeout: SPEEDSCOPE_TIMEOUT_S * 1000, polling: 50 });
  } catch (e) {
    // The renderer runs out of memory on large profiles ("Target crashed").
    const { js, rss } = await heap.stop();
    await settled(page.close(), 5000);
    return { ms: Date.now() - t0, js, rss, wasm: 0, longest: 0,
      failed: String(e.message || e).split('\n')[0] };
  }
  const ms = await page.evaluate(() => new Promise((r) =>
    requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))));
  const [longest, longestTask] = await page.evaluate(() => [window.__longest || 0, window.__longestTask]);
  await page.screenshot({ path: path.join(lib.REPO, 'build/bench-cache/speedscope-last.png') });
  const { js, rss } = await heap.stop();
  await page.close();
  return { ms, js, rss, wasm: 0, longest, longestTask };
}

// ms per MiB of writing fresh wasm memory once, and of writing it again.
async function firstTouch(browser) {
  const page = await browser.newPage();
  const r = await page.evaluate(() => {
    const n = 256, mem = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    mem.grow(n * 16);
    const bytes = new Uint8Array(mem.buffer, 65536);
    const time = (v) => { const t = performance.now(); bytes.fill(v); return (performance.now() - t) / n; };
    return { first: time(1), again: time(2) };
  });
  await page.close();
  return r;
}

(async () => {
  const inputs = process.argv.slice(2).map((a) => { const i = a.indexOf('='); return [a.slice(0, i), a.slice(i + 1)]; });
  if (!inputs.length) throw new Error('usage: browser_bench.js SIZE=FILE ...');
  const roots = { '/': lib.SITE, '/speedscope/': SPEEDSCOPE_DIR };
  for (const [size, file] of inputs) roots[`/data/${size}/`] = path.dirname(file);
  const srv = await lib.serve(roots, { lifetimeMs: 60 * 60 * 1000 });
  const browser = await lib.launch(['--js-flags=--max-old-space-size=8192', '--enable-precise-memory-info']);
  const row = (size, tool, r, note = '') => {
    const line = `${size.padEnd(5)} ${tool.padEnd(16)} ${(r.ms / 1000).toFixed(2).padStart(8)} s ` +
      `${mib(r.js).padStart(6)} MiB JS ${mib(r.wasm).padStart(6)} MiB wasm ${mib(r.js + r.wasm).padStart(6)} MiB total ` +
      `${mib(r.rss).padStart(6)} MiB renderer RSS ` +
      `longest block ${(r.longest / 1000).toFixed(2)} s` +
      `${r.longestAt !== undefined ? ` at ${(r.longestAt / 1000).toFixed(1)} s` : ''}` +
      `${r.longestTask !== undefined ? ` (longest task ${(r.longestTask / 1000).toFixed(2)} s)` : ''}${note}`;
    console.log(line);
  };
  try {
    const touch = await firstTouch(browser);
    console.log(`# first touch of fresh wasm memory here: ${touch.first.toFixed(2)} ms/MiB ` +
      `(written again: ${touch.again.toFixed(2)} ms/MiB)`);
    console.log(`size  tool             first draw        peak memory (JS heap, wasm, sum; renderer processes), longest main-thread block`);
    for (const [size, file] of inputs) {
      const url = `${srv.origin}/data/${size}/${path.basename(file)}`;
      console.log(`# ${size}: ${path.basename(file)} (${(fs.statSync(file).size / 1048576).toFixed(1)} MiB gzip)`);
      let drop = null, byUrl = null;
      for (let i = 0; i < RUNS; i++) {
        const d = await pyrolensDrop(browser, srv.origin, url);
        if (!drop || d.ms < drop.ms) drop = d;
        const u = await pyrolensUrl(browser, srv.origin, url);
        if (!byUrl || u.ms < byUrl.ms) byUrl = u;
      }
      row(size, 'pyrolens drop', drop, ` (root total ${drop.total}, ${drop.nodes} nodes; ` +
        `first touching its wasm memory: at most ${(drop.wasm / 1048576 * touch.first / 1000).toFixed(2)} s)`);
      const p = drop.phases, s = (ms) => `${(ms / 1000).toFixed(2)} s`;
      const pl = `${size.padEnd(5)} pyrolens drop phases: to the load ${s(p.start)}; from there the worker ` +
        `(read, inflate) ended at ${s(p.worker)} and the viewer at ${s(p.viewer)} (its steps: read ${s(p.read)}, ` +
        `tree ${s(p.tree)}, table ${s(p.table)}); then to the first frame ${s(p.firstFrame)}`;
      console.log(pl);
      const f = drop.frame;
      const fl = `${size.padEnd(5)} pyrolens frames while zooming/hovering: CPU ${f.avg.toFixed(1)} ms avg, ` +
        `${f.p95.toFixed(1)} ms p95, ${f.max.toFixed(1)} ms max over ${f.frames} frames; ` +
        `animation-frame period ${f.period.toFixed(1)} ms, longest gap ${f.longest.toFixed(0)} ms`;
      console.log(fl);
      const w = f.whole;
      console.log(`${size.padEnd(5)} pyrolens frames while hovering the whole tree: CPU ${w.avg.toFixed(1)} ms avg, ` +
        `${w.p95.toFixed(1)} ms p95, ${w.max.toFixed(1)} ms max over ${w.frames} frames`);
      row(size, 'pyrolens url', byUrl);
      if (PROFILE) {
        // One more drop, profiled (the profiler slows it: not a measurement).
        const { ms, cpu } = await pyrolensDrop(browser, srv.origin, url, true);
        console.log(`${size.padEnd(5)} pyrolens drop CPU profile (${(ms / 1000).toFixed(2)} s, profiled), ` +
          `self time: ${cpu.slice(0, 15).map(([n, t]) => `${n.startsWith('(') ? n : n.replace(/\(.*/, '')} ${t.toFixed(0)} ms`).join('; ')}`);
      }
      if (WITH_SPEEDSCOPE) {
        const s = await speedscope(browser, srv.origin, url);
        const times = `${(s.ms / byUrl.ms).toFixed(1)}x time (url to url; ${(s.ms / drop.ms).toFixed(1)}x vs drop)`;
        if (s.failed) {
          // No flame graph by then: the ratios are at least these.
          const line = `${size.padEnd(5)} speedscope url   FAILED after ${(s.ms / 1000).toFixed(1)} s ` +
            `(${s.failed}); peak JS heap seen ${mib(s.js)} MiB, renderer RSS ${mib(s.rss)} MiB; ` +
            `ratio speedscope/pyrolens at least ${times}`;
          console.log(line);
          continue;
        }
        row(size, 'speedscope url', s);
        const line = `${size.padEnd(5)} ratio speedscope/pyrolens: ${times}, ` +
          `${(s.js / (byUrl.js + byUrl.wasm)).toFixed(1)}x memory ` +
          `(JS + wasm), ${(s.rss / byUrl.rss).toFixed(1)}x renderer RSS`;
        console.log(line);
      } else {
        console.log(`${size.padEnd(5)} speedscope skipped (SPEEDSCOPE=0)`);
      }
    }
  } finally {
    await browser.close();
    await srv.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
