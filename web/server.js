// Pyrolens server mode: when the page is served by `pyrolens serve` (GET pyrolens/config.json
// answers {"mode":"server"}), a bar above the viewer picks a service, a profile type, extra
// label matchers and a time range, draws a timeline of totals (SelectSeries) and loads the
// merged profile of the range (SelectMergeProfile, proto encoding = the raw pprof) into the
// viewer through window.pyrolens (web/app.js). Dragging on the timeline selects a sub-range;
// "Compare" takes two ranges, A (baseline) and B (comparison), and shows the viewer's diff.
// Without config.json (a static server's 404) or in embed mode nothing here runs.
//
// window.pyrolensServer (tests): ready (Promise<boolean>: true in server mode), state()
// (selection, ranges, the last queries and the timeline's geometry), idle() (Promise that
// resolves when no query is in flight).
(function () {
  'use strict';
  const P = window.pyrolens;
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const ui = {
    box: $('server'), service: $('srv-service'), type: $('srv-type'), labels: $('srv-labels'),
    range: $('srv-range'), custom: $('srv-custom'), from: $('srv-from'), to: $('srv-to'),
    tokenBox: $('srv-token-box'), token: $('srv-token'), refresh: $('srv-refresh'),
    compare: $('srv-compare'), compareBar: $('srv-compare-bar'), pickA: $('srv-pick-a'),
    pickB: $('srv-pick-b'), aText: $('srv-a-text'), bText: $('srv-b-text'),
    canvas: $('srv-timeline'), selText: $('srv-sel-text'), empty: $('srv-empty'),
  };

  let resolveReady;
  const ready = new Promise((r) => { resolveReady = r; });
  let busy = 0;
  let idleWaiters = [];
  const st = {
    active: false,
    config: null,
    services: [],
    types: [],            // ProfileTypes of the selected service
    service: '',
    profileType: null,    // {ID, name, sampleType, sampleUnit, ...}
    range: { start: 0, end: 0 },   // ms, the timeline's range
    selection: null,      // {start, end} ms: the brush (single mode)
    compare: false,
    a: null, b: null,     // {start, end} ms: compare ranges
    target: 'a',          // which compare range the next drag sets
    timeline: { points: [], step: 0 },
    lastQuery: null,      // the SelectMergeProfile request(s) the viewer shows
    loaded: null,         // {kind: 'single'|'diff', queries: [...]}
    empty: false,
    error: '',
  };
  let gen = 0;            // bumps on every new query; stale answers are dropped

  window.pyrolensServer = {
    ready,
    state: () => JSON.parse(JSON.stringify(Object.assign({}, st, { geometry: geometry(), busy }))),
    idle: () => (busy === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
  };
  function track(p) {
    busy++;
    return p.finally(() => {
      if (--busy === 0) {
        const w = idleWaiters;
        idleWaiters = [];
        for (const r of w) r();
      }
    });
  }

  // ---- Talking to the server (Connect: POST, JSON or proto; errors are {code, message}).
  class ApiError extends Error {}
  function apiBase() { return (st.config && st.config.apiBase) || ''; }
  function headers(ct) {
    const h = { 'Content-Type': ct };
    const t = ui.token.value || sessionStorage.getItem('pyrolens.token') || '';
    if (t) h.Authorization = 'Bearer ' + t;
    return h;
  }
  async function call(method, body, { proto = false } = {}) {
    let resp;
    try {
      resp = await fetch(`${apiBase()}/querier.v1.QuerierService/${method}`, {
        method: 'POST',
        headers: headers(proto ? 'application/proto' : 'application/json'),
        body: proto ? body : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(`${method}: cannot reach the server (${e.message || e})`);
    }
    if (!resp.ok) {
      let text = `HTTP ${resp.status}`;
      try {
        const j = await resp.json();
        if (j && j.message) text = `${j.code || resp.status}: ${j.message}`;
      } catch (_) { /* not JSON */ }
      throw new ApiError(`${method} failed: ${text}`);
    }
    return proto ? new Uint8Array(await resp.arrayBuffer()) : resp.json();
  }
  // The few protobuf fields a SelectMergeProfileRequest needs: 1 profile_typeID, 2
  // label_selector (strings), 3 start, 4 end (int64 ms). The proto answer is the raw pprof
  // the viewer reads; the JSON answer would be the pprof as JSON.
  function varint(out, v) {
    let n = BigInt(Math.max(0, Math.floor(v)));
    while (n >= 128n) { out.push(Number(n & 127n) | 128); n >>= 7n; }
    out.push(Number(n));
  }
  function encodeMergeProfile(q) {
    const out = [];
    const str = (field, s) => {
      const b = new TextEncoder().encode(s);
      varint(out, (field << 3) | 2);
      varint(out, b.length);
      for (const x of b) out.push(x);
    };
    str(1, q.profileTypeID);
    str(2, q.labelSelector);
    varint(out, 3 << 3); varint(out, q.start);
    varint(out, 4 << 3); varint(out, q.end);
    return new Uint8Array(out);
  }

  // Messages go to the page's message area (app.js); `failed` marks a query error, which the
  // timeline and its caption repeat until the next successful query.
  let failed = '';
  function say(text) {
    if (P && P.say) P.say(text);
    const m = document.getElementById('msg');
    if (m) m.title = text || '';
  }
  function fail(e) {
    const text = e instanceof ApiError ? e.message : `server mode: ${e && e.message ? e.message : e}`;
    failed = st.error = text;
    say(text);
    draw();
    console.warn(text);
  }
  function ok() { failed = st.error = ''; }

  // ---- Formatting.
  function fmtValue(v, unit) {
    const a = Math.abs(v);
    const num = (x, u) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}${u}`;
    if (unit === 'nanoseconds' || unit === 'microseconds' || unit === 'milliseconds' || unit === 'seconds') {
      const ns = v * ({ nanoseconds: 1, microseconds: 1e3, milliseconds: 1e6, seconds: 1e9 })[unit];
      const n = Math.abs(ns);
      if (n === 0) return '0';
      if (n < 1e3) return num(ns, ' ns');
      if (n < 1e6) return num(ns / 1e3, ' µs');
      if (n < 1e9) return num(ns / 1e6, ' ms');
      if (n < 60e9) return num(ns / 1e9, ' s');
      if (n < 3600e9) return num(ns / 60e9, ' min');
      return num(ns / 3600e9, ' h');
    }
    if (unit === 'bytes') {
      if (a < 1024) return `${v} B`;
      const u = ['KiB', 'MiB', 'GiB', 'TiB'];
      let x = v / 1024, i = 0;
      while (Math.abs(x) >= 1024 && i < u.length - 1) { x /= 1024; i++; }
      return num(x, ' ' + u[i]);
    }
    if (a < 1000) return String(Math.round(v * 100) / 100);
    if (a < 1e6) return num(v / 1e3, 'k');
    if (a < 1e9) return num(v / 1e6, 'M');
    return num(v / 1e9, 'G');
  }
  const pad = (n) => String(n).padStart(2, '0');
  function fmtTime(ms, withDate) {
    const d = new Date(ms);
    const t = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}` : t;
  }
  // "10:05 – 10:35 (30m)" today; dates on both ends when the range spans days.
  function rangeText(r, dash) {
    const a = new Date(r.start), b = new Date(r.end);
    const sameDay = a.toDateString() === b.toDateString();
    const today = b.toDateString() === new Date().toDateString();
    const md = (d) => `${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
    if (sameDay) {
      return `${today ? '' : `${a.getFullYear()}-${md(a)}`}${fmtTime(r.start)}${dash}${fmtTime(r.end)}`;
    }
    return `${md(a)}${fmtTime(r.start)}${dash}${md(b)}${fmtTime(r.end)}`;
  }
  function fmtRange(r) {
    if (!r) return '—';
    return `${rangeText(r, ' – ')} (${fmtDuration(r.end - r.start)})`;
  }
  // For profile names inside the viewer (its font has no en dash).
  const nameRange = (r) => rangeText(r, '-');
  function fmtDuration(ms) {
    const s = Math.round(ms / 1000);
    if (s < 120) return `${s}s`;
    if (s < 7200) return `${Math.round(s / 60)}m`;
    if (s < 172800) return `${Math.round(s / 360) / 10}h`;
    return `${Math.round(s / 8640) / 10}d`;
  }
  function typeLabel(t) {
    return `${t.name} / ${t.sampleType} (${t.sampleUnit})`;
  }
  const toLocalInput = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  // ---- Queries.
  function selector() {
    const svc = st.service.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    let extra = ui.labels.value.trim();
    if (extra.startsWith('{') && extra.endsWith('}')) extra = extra.slice(1, -1).trim();
    return `{service_name="${svc}"${extra ? ', ' + extra : ''}}`;
  }
  const RANGES = { '15m': 15 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3,
    '7d': 7 * 86400e3, '30d': 30 * 86400e3 };
  function computeRange() {
    const v = ui.range.value;
    if (v === 'custom') {
      const s = Date.parse(ui.from.value), e = Date.parse(ui.to.value);
      if (!(s < e)) return null;
      return { start: s, end: e };
    }
    const end = Date.now();
    return { start: end - RANGES[v], end };
  }
  // About 100 buckets, at a round step (seconds).
  const STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  function stepFor(r) {
    const want = (r.end - r.start) / 1000 / 100;
    return STEPS.find((s) => s >= want) || 86400;
  }

  async function loadServices() {
    const r = await call('LabelValues', { name: 'service_name' });
    st.services = (r.names || []).slice().sort();
    fill(ui.service, st.services.map((s) => [s, s]), st.service);
    if (!st.services.length) {
      st.service = '';
      showEmpty(true);
      return false;
    }
    showEmpty(false);
    if (!st.services.includes(st.service)) {
      const want = params.get('service');
      st.service = st.services.includes(want) ? want : st.services[0];
    }
    ui.service.value = st.service;
    return true;
  }
  async function loadTypes() {
    const [all, series] = await Promise.all([
      call('ProfileTypes', {}),
      call('Series', { matchers: [`{service_name="${st.service.replace(/"/g, '\\"')}"}`],
        labelNames: ['__profile_type__'] }),
    ]);
    const have = new Set();
    for (const ls of series.labelsSet || []) {
      for (const l of ls.labels || []) if (l.name === '__profile_type__') have.add(l.value);
    }
    st.types = (all.profileTypes || []).filter((t) => have.has(t.ID));
    const prev = st.profileType && st.profileType.ID;
    const pick = st.types.find((t) => t.ID === prev) ||
      st.types.find((t) => t.ID === params.get('type')) ||
      st.types.find((t) => t.ID === 'process_cpu:cpu:nanoseconds:cpu:nanoseconds') ||
      st.types.find((t) => /:cpu:|:wall:/.test(t.ID)) || st.types[0] || null;
    st.profileType = pick;
    fill(ui.type, st.types.map((t) => [t.ID, typeLabel(t)]), pick && pick.ID);
  }
  function fill(select, items, value) {
    select.textContent = '';
    for (const [v, text] of items) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = text;
      select.appendChild(o);
    }
    if (value != null) select.value = value;
  }
  function showEmpty(on) {
    st.empty = on;
    ui.empty.hidden = !on;
    ui.canvas.parentElement.hidden = on;
    if (on) {
      const host = location.origin;
      ui.empty.innerHTML = '';
      const h = document.createElement('div');
      h.className = 'srv-empty-title';
      h.textContent = 'No profiles yet — push one with:';
      const pre = document.createElement('pre');
      pre.textContent = 'curl -X POST --data-binary @cpu.pb.gz \\\n' +
        `  "${host}/ingest?name=myapp.cpu%7Benv%3Dprod%7D&format=pprof&from=$(date +%s)"`;
      const p = document.createElement('div');
      p.textContent = 'or point a Pyroscope SDK at this server (server address ' + host +
        '), then press Refresh.';
      ui.empty.append(h, pre, p);
      say('no profiles yet — push one to /ingest, then Refresh');
    }
  }

  // The whole chain: services → types → timeline → flame graph (or diff).
  async function refreshAll({ keepSelection = false } = {}) {
    const g = ++gen;
    try {
      if (!(await loadServices()) || g !== gen) return;
      await loadTypes();
      if (g !== gen) return;
      await refreshRange({ keepSelection, g });
    } catch (e) {
      if (g === gen) fail(e);
    }
  }
  async function refreshRange({ keepSelection = false, g = ++gen } = {}) {
    try {
      const r = computeRange();
      if (!r) { say('custom range: "from" must be before "to"'); return; }
      if (!st.profileType) {
        st.timeline = { points: [], step: 0 };
        st.range = r;
        draw();
        say(`${st.service}: no profile types in the store`);
        return;
      }
      st.range = r;
      if (!keepSelection) {
        st.selection = null;
        if (st.compare) defaultCompare();
      }
      clampSelections();
      const step = stepFor(r);
      const ts = await call('SelectSeries', { profileTypeID: st.profileType.ID, labelSelector: selector(),
        start: r.start, end: r.end, step, groupBy: ['service_name'] });
      if (g !== gen) return;
      const pts = [];
      for (const s of ts.series || []) {
        for (const p of s.points || []) pts.push({ t: Number(p.timestamp), v: Number(p.value) || 0 });
      }
      // group_by none: one series, but sum any that share a timestamp to be safe.
      const byT = new Map();
      for (const p of pts) byT.set(p.t, (byT.get(p.t) || 0) + p.v);
      st.timeline = { points: [...byT].map(([t, v]) => ({ t, v })).sort((a, b) => a.t - b.t), step };
      ok();
      draw();
      say('');
      await loadFlame(g);
    } catch (e) {
      if (g === gen) {
        st.timeline = { points: [], step: 0 };
        draw();
        fail(e);
      }
    }
  }
  function queryFor(r) {
    return { profileTypeID: st.profileType.ID, labelSelector: selector(),
      start: Math.round(r.start), end: Math.round(r.end) };
  }
  async function fetchProfile(q) {
    return call('SelectMergeProfile', encodeMergeProfile(q), { proto: true });
  }
  async function loadFlame(g = ++gen) {
    if (!st.profileType) return;
    const type = st.profileType;
    const svc = st.service;
    try {
      if (st.compare && st.a && st.b) {
        const qa = queryFor(st.a), qb = queryFor(st.b);
        const [ba, bb] = await Promise.all([fetchProfile(qa), fetchProfile(qb)]);
        if (g !== gen) return;
        st.lastQuery = [qa, qb];
        await P.ready;
        await P.command({ cmd: 'clear' });
        const ra = await P.open(`A ${svc} ${nameRange(st.a)}`, ba);
        if (g !== gen) return;
        const rb = await P.open(`B ${svc} ${nameRange(st.b)}`, bb);
        if (g !== gen) return;
        if (!ra.ok || !rb.ok) { say((ra.error || rb.error) + ''); return; }
        await P.command({ cmd: 'setSampleType', sampleType: type.sampleType });
        const d = await P.command({ cmd: 'diff', base: 0, comparison: 1 });
        if (!d.ok) say(`diff: ${d.error}`);
        st.loaded = { kind: 'diff', queries: [qa, qb] };
        ok();
        const s = P.state();
        const tot = (i) => totalOf(s, i, type.sampleType);
        if (tot(0) === 0 || tot(1) === 0) {
          say(`${tot(0) === 0 ? 'A' : 'B'} has no ${type.sampleType} samples in its range`);
        } else {
          say('');
        }
      } else {
        const r = st.selection || st.range;
        const q = queryFor(r);
        const bytes = await fetchProfile(q);
        if (g !== gen) return;
        st.lastQuery = q;
        await P.ready;
        await P.command({ cmd: 'clear' });
        const res = await P.open(`${svc} ${nameRange(r)}`, bytes);
        if (g !== gen) return;
        if (!res.ok) { say(res.error || 'cannot open the merged profile'); return; }
        await P.command({ cmd: 'setSampleType', sampleType: type.sampleType });
        st.loaded = { kind: 'single', queries: [q] };
        ok();
        const s = P.state();
        if (totalOf(s, 0, type.sampleType) === 0) {
          say(`no ${typeLabel(type)} profiles for ${svc} in ${fmtRange(r)}` +
            (ui.labels.value.trim() ? ` matching ${ui.labels.value.trim()}` : ''));
        } else {
          say('');
        }
      }
      draw();
    } catch (e) {
      if (g === gen) fail(e);
    }
  }
  function totalOf(s, i, type) {
    const p = s && s.profiles && s.profiles[i];
    if (!p) return 0;
    const t = p.sampleTypes.find((x) => x.type === type) || p.sampleTypes[0];
    return t ? t.total : 0;
  }

  // ---- Compare ranges.
  function defaultCompare() {
    const r = st.range, mid = (r.start + r.end) / 2;
    st.a = { start: r.start, end: mid };
    st.b = { start: mid, end: r.end };
    st.target = 'a';
  }
  function clampSelections() {
    const clamp = (x) => {
      if (!x) return null;
      const s = Math.max(x.start, st.range.start), e = Math.min(x.end, st.range.end);
      return e > s ? { start: s, end: e } : null;
    };
    st.selection = clamp(st.selection);
    if (st.compare) {
      st.a = clamp(st.a); st.b = clamp(st.b);
      if (!st.a || !st.b) defaultCompare();
    }
  }
  function setCompare(on) {
    st.compare = on;
    ui.compare.setAttribute('aria-pressed', String(on));
    ui.compare.classList.toggle('on', on);
    ui.compareBar.hidden = !on;
    if (on) {
      if (st.selection) {
        // The brushed range becomes the comparison, the part before it the baseline.
        st.b = st.selection;
        const len = st.b.end - st.b.start;
        st.a = { start: Math.max(st.range.start, st.b.start - len), end: st.b.start };
        if (st.a.end - st.a.start < 1000) defaultCompare();
      } else {
        defaultCompare();
      }
      st.selection = null;
      setTarget('a');
    } else {
      st.a = st.b = null;
    }
    draw();
    track(loadFlame());
  }
  function setTarget(t) {
    st.target = t;
    ui.pickA.setAttribute('aria-pressed', String(t === 'a'));
    ui.pickB.setAttribute('aria-pressed', String(t === 'b'));
  }
  function updateTexts() {
    ui.aText.textContent = fmtRange(st.a);
    ui.bText.textContent = fmtRange(st.b);
    const tl = st.timeline.points;
    const unit = st.profileType ? st.profileType.sampleUnit : '';
    const sum = (r) => tl.filter((p) => p.t >= r.start && p.t < r.end).reduce((a, p) => a + p.v, 0);
    ui.selText.classList.toggle('srv-failed', !!failed);
    if (failed) {
      ui.selText.textContent = failed;
    } else if (st.compare) {
      ui.selText.textContent = 'Diff of A (baseline) and B (comparison); drag on the timeline to move ' +
        (st.target === 'a' ? 'A' : 'B');
    } else if (st.selection) {
      ui.selText.textContent = `Flame graph of ${fmtRange(st.selection)}: ` +
        `${fmtValue(sum(st.selection), unit)} · click the timeline to show the whole range`;
    } else {
      ui.selText.textContent = `Flame graph of ${fmtRange(st.range)}: ` +
        `${fmtValue(sum(st.range), unit)} · drag on the timeline to narrow it`;
    }
  }

  // ---- The timeline: bars of the totals per step, time and value axes, and the brushes.
  const M = { left: 64, right: 12, top: 8, bottom: 18 };
  function geometry() {
    const w = ui.canvas.clientWidth, h = ui.canvas.clientHeight;
    return { left: M.left, top: M.top, width: Math.max(1, w - M.left - M.right),
      height: Math.max(1, h - M.top - M.bottom), start: st.range.start, end: st.range.end };
  }
  function xOf(t, g) { return g.left + ((t - g.start) / (g.end - g.start)) * g.width; }
  function tOf(x, g) {
    const f = Math.min(1, Math.max(0, (x - g.left) / g.width));
    return g.start + f * (g.end - g.start);
  }
  const TICKS = [60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3,
    43200e3, 86400e3, 2 * 86400e3, 7 * 86400e3];
  let brush = null;  // {x0, x1} css px while dragging
  function draw() {
    const c = ui.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const dark = document.documentElement.classList.contains('dark');
    const col = dark ?
      { bg: '#1b1b1c', grid: '#3a3a3c', text: '#bbb', bar: '#4f8fe6', dim: 'rgba(0,0,0,0.45)' } :
      { bg: '#ffffff', grid: '#e2e2e2', text: '#555', bar: '#2f6fd0', dim: 'rgba(255,255,255,0.6)' };
    ctx.fillStyle = col.bg;
    ctx.fillRect(0, 0, w, h);
    const g = geometry();
    if (!(g.end > g.start)) return;
    const pts = st.timeline.points;
    const unit = st.profileType ? st.profileType.sampleUnit : '';
    const max = Math.max(0, ...pts.map((p) => p.v));
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // Value axis: 0, half, max.
    ctx.strokeStyle = col.grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = col.text;
    ctx.textAlign = 'right';
    for (const f of [0, 0.5, 1]) {
      const y = Math.round(g.top + g.height * (1 - f)) + 0.5;
      ctx.beginPath(); ctx.moveTo(g.left, y); ctx.lineTo(g.left + g.width, y); ctx.stroke();
      ctx.fillText(max > 0 ? fmtValue(max * f, unit) : f === 0 ? '0' : '', g.left - 6, y);
    }
    // Time axis.
    const span = g.end - g.start;
    const tick = TICKS.find((t) => span / t <= Math.max(2, g.width / 90)) || TICKS[TICKS.length - 1];
    const tz = new Date().getTimezoneOffset() * 60e3;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    let last = -1e9;
    for (let t = Math.ceil((g.start - tz) / tick) * tick + tz; t <= g.end; t += tick) {
      const x = xOf(t, g);
      ctx.beginPath(); ctx.moveTo(Math.round(x) + 0.5, g.top); ctx.lineTo(Math.round(x) + 0.5, g.top + g.height + 3);
      ctx.stroke();
      const d = new Date(t);
      const label = tick >= 86400e3 ? `${d.getMonth() + 1}/${d.getDate()}` :
        (d.getHours() === 0 && d.getMinutes() === 0 ? `${d.getMonth() + 1}/${d.getDate()}` : fmtTime(t));
      if (x - last > 50 && x > g.left + 12 && x < g.left + g.width - 12) {
        ctx.fillText(label, x, g.top + g.height + 4);
        last = x;
      }
    }
    // Bars.
    ctx.fillStyle = col.bar;
    const stepMs = st.timeline.step * 1000;
    for (const p of pts) {
      if (max <= 0) break;
      const x0 = xOf(p.t, g), x1 = xOf(p.t + stepMs, g);
      const bh = Math.max(1, (p.v / max) * g.height);
      ctx.fillRect(x0, g.top + g.height - bh, Math.max(2, x1 - x0 - 1), bh);
    }
    if (failed || !pts.length || max <= 0) {
      ctx.fillStyle = failed ? '#d04040' : col.text;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(failed ? 'query failed (see the message above)' :
        st.profileType ? 'no data in this range' : '', g.left + g.width / 2, g.top + g.height / 2);
    }
    // Brushes.
    const shade = (r, fill, stroke, label) => {
      const x0 = Math.max(g.left, xOf(r.start, g)), x1 = Math.min(g.left + g.width, xOf(r.end, g));
      ctx.fillStyle = fill;
      ctx.fillRect(x0, g.top, x1 - x0, g.height);
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, g.top + 1, Math.max(0, x1 - x0 - 2), g.height - 2);
      if (label) {
        ctx.fillStyle = stroke;
        ctx.font = 'bold 12px system-ui, sans-serif';
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(label, x0 + 5, g.top + 4);
        ctx.font = '11px system-ui, sans-serif';
      }
    };
    if (st.compare) {
      if (st.a) shade(st.a, 'rgba(60,130,240,0.22)', '#3c82f0', 'A');
      if (st.b) shade(st.b, 'rgba(240,130,40,0.22)', '#e8772a', 'B');
    } else if (st.selection) {
      const x0 = xOf(st.selection.start, g), x1 = xOf(st.selection.end, g);
      ctx.fillStyle = col.dim;
      ctx.fillRect(g.left, g.top, x0 - g.left, g.height);
      ctx.fillRect(x1, g.top, g.left + g.width - x1, g.height);
      ctx.strokeStyle = '#e8772a';
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, g.top + 1, Math.max(0, x1 - x0 - 2), g.height - 2);
    }
    if (brush) {
      const x0 = Math.min(brush.x0, brush.x1), x1 = Math.max(brush.x0, brush.x1);
      ctx.fillStyle = 'rgba(128,128,128,0.3)';
      ctx.fillRect(x0, g.top, x1 - x0, g.height);
    }
    updateTexts();
  }
  function canvasX(e) { return e.clientX - ui.canvas.getBoundingClientRect().left; }
  ui.canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || !(st.range.end > st.range.start)) return;
    ui.canvas.setPointerCapture(e.pointerId);
    brush = { x0: canvasX(e), x1: canvasX(e) };
    draw();
  });
  ui.canvas.addEventListener('pointermove', (e) => {
    if (!brush) return;
    brush.x1 = canvasX(e);
    draw();
  });
  const endBrush = (e) => {
    if (!brush) return;
    const b = brush;
    brush = null;
    if (e.type === 'pointercancel') { draw(); return; }
    const g = geometry();
    const x0 = Math.min(b.x0, b.x1), x1 = Math.max(b.x0, b.x1);
    if (x1 - x0 < 4) {
      // A click: the whole range again (single mode).
      if (!st.compare && st.selection) {
        st.selection = null;
        draw();
        track(loadFlame());
      } else {
        draw();
      }
      return;
    }
    const r = { start: Math.round(tOf(x0, g)), end: Math.round(tOf(x1, g)) };
    if (st.compare) {
      st[st.target] = r;
      setTarget(st.target === 'a' ? 'b' : 'a');
    } else {
      st.selection = r;
    }
    draw();
    track(loadFlame());
  };
  ui.canvas.addEventListener('pointerup', endBrush);
  ui.canvas.addEventListener('pointercancel', endBrush);

  // ---- Controls.
  ui.service.addEventListener('change', () => {
    st.service = ui.service.value;
    const g = ++gen;
    track((async () => {
      try {
        await loadTypes();
        if (g === gen) await refreshRange({ g });
      } catch (e) { if (g === gen) fail(e); }
    })());
  });
  ui.type.addEventListener('change', () => {
    st.profileType = st.types.find((t) => t.ID === ui.type.value) || null;
    track(refreshRange({ keepSelection: true }));
  });
  ui.labels.addEventListener('change', () => track(refreshRange({ keepSelection: true })));
  ui.labels.addEventListener('keydown', (e) => { if (e.key === 'Enter') ui.labels.blur(); });
  ui.range.addEventListener('change', () => {
    const custom = ui.range.value === 'custom';
    ui.custom.hidden = !custom;
    if (custom) {
      ui.from.value = toLocalInput(st.range.start || Date.now() - 3600e3);
      ui.to.value = toLocalInput(st.range.end || Date.now());
    }
    track(refreshRange());
  });
  for (const el of [ui.from, ui.to]) el.addEventListener('change', () => track(refreshRange()));
  ui.refresh.addEventListener('click', () => track(refreshAll({ keepSelection: false })));
  ui.compare.addEventListener('click', () => setCompare(!st.compare));
  ui.pickA.addEventListener('click', () => { setTarget('a'); updateTexts(); });
  ui.pickB.addEventListener('click', () => { setTarget('b'); updateTexts(); });
  ui.token.addEventListener('change', () => {
    sessionStorage.setItem('pyrolens.token', ui.token.value);
    track(refreshAll());
  });
  window.addEventListener('resize', draw);
  // The page chrome follows the viewer's theme (app.js toggles html.dark): redraw then.
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });

  // ---- Start: only when the server says so, and not inside an embedding host.
  async function start() {
    if (params.get('embed') === '1' || !P) return false;
    let cfg = null;
    try {
      const r = await fetch('pyrolens/config.json', { cache: 'no-store' });
      if (r.ok) cfg = await r.json();
    } catch (_) { /* a static server or file:// — standalone mode */ }
    if (!cfg || cfg.mode !== 'server') return false;
    st.config = cfg;
    st.active = true;
    document.documentElement.classList.add('server-mode');
    ui.box.hidden = false;
    const hint = document.querySelector('#bar .hint');
    if (hint) hint.textContent = `server ${location.host}${cfg.version ? ' (v' + cfg.version + ')' : ''} · ` +
      'or drop files to view them locally';
    if (cfg.authRequired) {
      ui.tokenBox.hidden = false;
      ui.token.value = sessionStorage.getItem('pyrolens.token') || '';
    }
    draw();
    // A profile named in the URL wins over the server's first query.
    const external = params.get('url') || new URLSearchParams(location.hash.replace(/^#/, '')).get('profileURL');
    if (external) {
      await loadServices().catch(fail);
      if (st.services.length) await loadTypes().catch(fail);
      st.range = computeRange();
      draw();
    } else {
      await refreshAll();
    }
    return true;
  }
  track(start().then((on) => resolveReady(on), (e) => { fail(e); resolveReady(st.active); }));
})();
