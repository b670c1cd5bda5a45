// Pyrolens page glue: loads the wasm viewer (pyrolens.js + pyrolens.wasm), feeds it bytes
// from drag-and-drop, the file picker, ?url= / #profileURL= and postMessage, and exposes
// window.pyrolens (the API tests and the embed bridge use).
//
// Embed mode (?embed=1) hides the page chrome and speaks this postMessage protocol with
// its parent window (every message is an object with a string `type`):
//   host -> viewer  {type:'pyrolens.load', name, bytes: ArrayBuffer|Uint8Array|Blob, id}
//                   {type:'pyrolens.loadUrl', url, id}
//                   {type:'pyrolens.command', command: {cmd: ...}, id}   (Viewer::Command)
//                   {type:'pyrolens.setTheme', theme:'dark'|'light', id}
//                   {type:'pyrolens.setSampleType', sampleType:'alloc_space'|3, id}
//                   {type:'pyrolens.setSearch', query, regex, id}
//                   {type:'pyrolens.getState', id}
//                   {type:'pyrolens.clear', id}
//   viewer -> host  {type:'pyrolens.ready'}
//                   {type:'pyrolens.result', id, ok, error?, state?}  (one per request)
//                   {type:'pyrolens.event', event: {event:'select'|'zoom'|'error'|'loaded'...}}
// With ?origin=https://host.example only that origin may talk to the viewer and replies go
// only to it; without it, messages are accepted from the parent window of any origin.
//
// window.pyrolens (same page; tests and web/server.js use it):
//   ready                     Promise, resolves when the wasm viewer runs
//   warmed                    Promise, resolves when the warm-ups (pyro_warm_up) of the viewer
//                             and of the decompression worker ended
//   open(name, bytes)         load a profile (ArrayBuffer|Uint8Array|Blob) as a drop does -> {ok, error?}
//   openFiles(files), openUrl(url)
//   command({cmd: ...})       a Viewer::Command ('clear', 'diff' {base, comparison},
//                             'setSampleType', 'setSearch', ...) -> {ok, error?}
//   state()                   Viewer::StateJson as an object (profiles, rootTotal, mode, diff, nodes)
//   say(text)                 show text in the page's message area ('' clears it)
//   events, onEvent(cb), frames(), memory(), frameStats(reset), timings
// Server mode (web/server.js, loaded after this file) switches on when
// GET pyrolens/config.json answers {"mode":"server"} (pyrolens serve); a static server's 404
// leaves the page as it is.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const embed = params.get('embed') === '1';
  const allowedOrigin = params.get('origin');
  if (embed) document.documentElement.classList.add('embed');

  // Files above this are refused up front: wasm32 memory ends at 4 GiB and the decoded
  // profile and its trees need several times the file's size.
  // ?maxFileBytes= lowers it (tests of the message).
  const MAX_FILE_BYTES = Math.min(768 * 1024 * 1024, Number(params.get('maxFileBytes')) || Infinity);
  // The worker hands the pprof bytes over in chunks of this size (?inflateChunk= makes them
  // small, for tests of the reassembly).
  const INFLATE_CHUNK = Number(params.get('inflateChunk')) || 4 << 20;
  // Files from this size on go through the worker; below it, handing them over costs more
  // than the viewer's own reading (about 100 ms for 4 MiB of gzip), so the viewer gets them
  // as they are (?workerFrom= changes it, for tests).
  const WORKER_FROM = Number(params.get('workerFrom') ?? 4 << 20);
  // A smaller file from this size on that the viewer finds is not pprof (a format it reads
  // in one step: a 3 MB JFR file held the page for 328 ms) goes through the worker too;
  // below it, reading takes a few ms (?convertFrom= changes it, for tests).
  const CONVERT_FROM = Number(params.get('convertFrom') ?? 256 << 10);
  // A dropped gzip file is inflated as it is read and the viewer reads it as it comes
  // (?stream=0 inflates it whole first: for comparisons and tests of that way).
  const STREAM = params.get('stream') !== '0';

  const msg = document.getElementById('msg');
  const fatalBox = document.getElementById('fatal');
  const dropBox = document.getElementById('drop');
  const canvas = document.getElementById('canvas');

  let M = null;  // the Emscripten module once ready
  let dead = false;
  let readyResolve;
  const ready = new Promise((r) => { readyResolve = r; });
  const events = [];
  const listeners = [];
  let frames = 0;
  let pendingFirstDraw = null;
  const timings = {};

  function say(text) { if (msg) msg.textContent = text || ''; }
  function fatal(text) {
    dead = true;
    // A trap (out of memory while building trees) ends the loads in progress too.
    for (const r of loadWaiters.values()) r({ ok: false, error: text });
    loadWaiters.clear();
    fatalBox.textContent = text + '\n\nReload the page to continue.';
    fatalBox.hidden = false;
    events.push({ event: 'fatal', message: text });
    toHost({ type: 'pyrolens.event', event: { event: 'fatal', message: text } });
  }

  function call(name, ret, types, args) {
    if (dead || !M) throw new Error('viewer is not running');
    return M.ccall(name, ret, types, args);
  }
  function statusOf(ptr) { return JSON.parse(M.UTF8ToString(ptr)); }

  // ---- Loading. One profile at a time, in order. The viewer reads the bytes and builds
  // the first tree in tasks between frames (work() below; its progress bar shows how far),
  // so the page keeps answering; the load's end comes as a viewer event naming its id.
  let queue = Promise.resolve();
  function enqueue(fn) {
    const p = queue.then(fn, fn);
    queue = p.catch(() => {});
    return p;
  }
  const COPY_SLICE = 32 << 20;
  const TOUCH_SLICE = 8 << 20;  // about 25 ms of first touching here

  // Large files go through a worker (inflate-worker.js) that reads a dropped file itself,
  // inflates gzip and zstd and turns other formats into pprof, so the page never waits on
  // any of it and the viewer reads pprof in steps. Bytes it refuses get core's message in
  // the viewer; when the worker itself fails (no worker, no memory) the viewer gets the
  // original bytes.
  // A worker is started ahead (its module compiled while the page is idle); each file gets
  // a fresh one, ended afterwards so that its memory goes back. The next one starts when a
  // file's worker ends, so that its compiling and warm-up do not take a core from the
  // file's inflating. A page opened with a profile's address starts none until it needs one
  // (a large file) or the profile is loaded.
  let spareWorker = null;
  let spareWarm = Promise.resolve();  // resolves when the spare worker's warm-up ended
  function startWorker() {
    try {
      const worker = new Worker('inflate-worker.js');
      spareWorker = worker;
      spareWarm = new Promise((r) => {
        worker.onmessage = (e) => { if (e.data.warm) r(); };
        worker.onerror = () => r();
      });
    } catch (e) {
      spareWorker = null;
    }
  }
  // The spare worker, or a new one when none is (null: this browser has no workers).
  function takeWorker() {
    if (!spareWorker) startWorker();
    const worker = spareWorker;
    spareWorker = null;
    return worker;
  }
  // Bytes [a, b) of a Blob or Uint8Array, a task later (so that slices copied one after
  // another let the page draw in between).
  function sliceOf(src, a, b) {
    if (src instanceof Blob) return src.slice(a, b).arrayBuffer().then((ab) => new Uint8Array(ab));
    return new Promise((r) => setTimeout(() => r(src.subarray(a, b)), 0));
  }
  function noRoom(name, n) {
    return { error: `${name}: not enough memory for ${mib(n)} in the browser viewer (wasm ` +
      `memory is limited to 4 GiB). Use the command line: pyrolens top ${name}` };
  }
  // Has the worker turn src into pprof bytes straight in the viewer's memory, each chunk
  // copied as it comes. Resolves {ptr, size}, {error} when there is no room or the bytes are
  // refused (core's message; the viewer shows it), or null when the worker fails.
  // A gzip file (unless `whole`) the worker inflates as it reads it: the viewer's
  // load starts at once, resolving {ended} (the load's end), and reads each chunk as it
  // comes (pyro_arrived); anything unexpected gives the load back (a "convert"), for the
  // page to open the file the whole-buffer way.
  function throughWorker(name, src, size, whole) {
    return new Promise((resolve) => {
      const worker = takeWorker();
      if (!worker) {
        resolve(null);
        return;
      }
      let ptr = 0;
      let room = 0;  // bytes at ptr
      let plain = -1;
      let off = 0;
      let ended = false;
      let load = 0;  // the viewer's load of arriving bytes (ptr is its own then)
      // The page keeps src (bytes are copied to the worker), to read it the whole-buffer way
      // should streaming fail.
      const stream = STREAM && !whole && (src instanceof Blob || (src[0] === 0x1f && src[1] === 0x8b));
      const end = (r) => {
        if (ended) return;
        ended = true;
        worker.terminate();
        startWorker();
        if (ptr && !load && !(r && r.ptr)) call('pyro_free', null, ['number'], [ptr]);
        if (load && !(r && r.ended)) call('pyro_give_back', null, ['number'], [load]);
        resolve(r);
      };
      const arrived = (last) => {
        call('pyro_arrived', null, ['number', 'number', 'number'], [load, off, last ? 1 : 0]);
        work();
      };
      const alloc = (n) => {
        if (ptr) call('pyro_free', null, ['number'], [ptr]);
        ptr = call('pyro_alloc', 'number', ['number'], [n]);
        room = ptr ? n : 0;
      };
      // While the worker inflates, the room for the size the file announces is first
      // touched here, a slice a task (fresh memory cost about 3 ms per MB here), so that
      // copying the chunks later does not pay for it.
      const touch = (at) => {
        if (ended || plain >= 0 || at >= room) return;
        M.HEAPU8.fill(0, ptr + at, ptr + Math.min(room, at + TOUCH_SLICE));
        setTimeout(() => touch(at + TOUCH_SLICE), 0);
      };
      worker.onmessage = (e) => {
        const m = e.data;
        if (ended || m.warm) return;
        if (m.expect !== undefined && m.stream) {
          alloc(m.expect);
          if (!ptr) return end(noRoom(name, m.expect));
          load = statusOf(call('pyro_open', 'number', ['string', 'number', 'number', 'number', 'number'],
            [name, ptr, room, 1, 1])).load;
          const loadEnd = loadEnded(load);
          loadEnd.then(() => end(null));  // read before all came: refused, or not pprof
          plain = room;
          call('pyro_set_loading', null, ['string', 'number'], ['', 2]);
          resolve({ ended: loadEnd });
        } else if (m.expect !== undefined) {
          if (m.expect > 0) alloc(m.expect);
          touch(0);
        } else if (m.size !== undefined) {
          plain = m.size;
          if (plain !== room) alloc(plain);
          if (!ptr) end(noRoom(name, plain));
        } else if (m.chunk && off + m.length <= plain) {
          M.HEAPU8.set(new Uint8Array(m.chunk, 0, m.length), ptr + off);
          off += m.length;
          worker.postMessage({ recycle: m.chunk }, [m.chunk]);
          if (load && off === room) timings.inflateEnd = performance.now();  // all arrived
          if (load) arrived(false);
        } else if (load && m.done && m.total === off && off === room) {
          arrived(true);
          ended = true;  // the worker is done; the load goes on
          worker.terminate();
          startWorker();
        } else if (m.corrupt && plain < 0) {
          const error = `${name}: ${m.corrupt}`;
          call('pyro_show_error', null, ['string'], [error]);
          end({ error, shown: true });
        } else {
          end(m.done && off === plain ? { ptr, size: plain } : null);
        }
      };
      worker.onerror = (e) => { e.preventDefault(); end(null); };
      call('pyro_set_loading', null, ['string', 'number'],
        [`Opening ${name} (${mib(size)})`, -1]);
      worker.postMessage({ src, chunk: INFLATE_CHUNK, stream });
    });
  }
  // Copies src into the viewer's memory in slices, a task each: copying hundreds of MiB at
  // once would stall the page.
  async function copyInto(name, src, size) {
    const ptr = call('pyro_alloc', 'number', ['number'], [size]);
    if (!ptr) return noRoom(name, size);
    for (let off = 0; off < size; off += COPY_SLICE) {
      M.HEAPU8.set(await sliceOf(src, off, off + COPY_SLICE), ptr + off);
    }
    return { ptr, size };
  }

  // The viewer's loads are worked on in tasks of about LOAD_TASK_MS, one after the other
  // (a frame does a little too): input and drawing come between them.
  const LOAD_TASK_MS = 30;
  const loadTasks = new MessageChannel();
  let working = false;
  loadTasks.port1.onmessage = () => {
    working = !dead && call('pyro_work', 'number', ['number'], [LOAD_TASK_MS]) === 1;
    if (working) loadTasks.port2.postMessage(0);
  };
  function work() {
    if (!working) {
      working = true;
      loadTasks.port2.postMessage(0);
    }
  }
  // While the page is idle after starting, the viewer makes its loading code hot on a
  // generated profile (pyro_warm_up in wasm/main.cc), in tasks, after any real load.
  let warmedResolve;
  // The viewer's warm-up, then the spare worker's (wasm/inflate.cc).
  const warmed = new Promise((r) => { warmedResolve = r; }).then(() => spareWarm);
  function warmUp() {
    if (dead) {
      warmedResolve();
    } else if (working) {
      setTimeout(warmUp, 50);
    } else if (call('pyro_warm_up', 'number', ['number'], [LOAD_TASK_MS]) === 1) {
      setTimeout(warmUp, 0);
    } else {
      warmedResolve();
    }
  }

  const loadWaiters = new Map();  // load id -> resolve({ok, error?})
  function loadEnded(id) { return new Promise((r) => loadWaiters.set(id, r)); }
  // Loads src: a Blob (a dropped File or a large fetch, never read whole on the page) or
  // bytes. A file below WORKER_FROM goes to the viewer as it is, unless the viewer finds
  // that it is not pprof (a format it reads in one step) and it is not small: then it goes
  // through the worker too (`convert`).
  async function openNow(name, src, convert = false) {
    await ready;
    if (dead) return { ok: false, error: 'viewer is not running' };
    if (!(src instanceof Blob) && !(src instanceof Uint8Array)) src = new Uint8Array(src);
    const size = src instanceof Blob ? src.size : src.length;
    if (size > MAX_FILE_BYTES) {
      return report(name, `${name}: file too large for the browser viewer (${mib(size)}; ` +
        `the limit is ${mib(MAX_FILE_BYTES)}). Use the command line: pyrolens top ${name}`);
    }
    timings.decodeStart = performance.now();
    const viaWorker = size >= WORKER_FROM || convert;
    let placed = viaWorker ? await throughWorker(name, src, size, convert) : null;
    // When the worker ended (a file inflated as it is read: when it all arrived).
    timings.streamed = Boolean(placed && placed.ended);
    if (!timings.streamed) timings.inflateEnd = placed && !placed.error ? performance.now() : undefined;
    // pprof_only when the worker could still convert the bytes.
    const pprofOnly = !viaWorker && size >= CONVERT_FROM;
    if (!placed) placed = await copyInto(name, src, size);
    timings.copyEnd = performance.now();
    if (placed.error) {
      call('pyro_set_loading', null, ['string', 'number'], ['', 2]);
      if (!placed.shown) return report(name, placed.error);
      say(placed.error);
      return { ok: false, error: placed.error };
    }
    if (!placed.ended) {
      const started = statusOf(call('pyro_open', 'number', ['string', 'number', 'number', 'number', 'number'],
        [name, placed.ptr, placed.size, pprofOnly ? 1 : 0, 0]));
      placed.ended = loadEnded(started.load);
      work();
    }
    const r = await placed.ended;
    if (r.convert) return openNow(name, src, true);
    timings.decodeEnd = performance.now();
    call('pyro_set_loading', null, ['string', 'number'], ['', 2]);
    if (r.ok) {
      say('');
      pendingFirstDraw = true;
    } else {
      say(r.error);
    }
    return r;
  }
  function report(name, text) {
    say(text);
    events.push({ event: 'error', message: text });
    toHost({ type: 'pyrolens.event', event: { event: 'error', message: text } });
    return { ok: false, error: text };
  }
  function mib(n) { return (n / 1048576).toFixed(n < 10485760 ? 1 : 0) + ' MiB'; }

  function openBytes(name, bytes) { return enqueue(() => openNow(name, bytes)); }
  async function openFiles(files) {
    timings.dropAt = performance.now();
    const results = [];
    for (const f of files) {
      results.push(await enqueue(() => openNow(f.name, f)));
    }
    return results;
  }
  // Fetches url whole: bytes, or a Blob from WORKER_FROM bytes on (its pieces kept as they
  // come, never one buffer the page holds while the worker inflates a copy: at 97 MiB of gzip
  // that copy took the renderer past 1 GB); seen(fraction) after each piece (-1: size
  // unknown), sized(bytes) once the response says how many come.
  async function fetchBytes(url, seen, sized) {
    const resp = await fetch(url);
    if (!resp.ok) throw new Error(`HTTP ${resp.status} ${resp.statusText}`);
    const len = Number(resp.headers.get('content-length')) || 0;
    if (len > MAX_FILE_BYTES) throw new Error(`file too large (${mib(len)})`);
    sized(len);
    if (!resp.body) return new Uint8Array(await resp.arrayBuffer());
    const pieces = [];
    let off = 0;
    const reader = resp.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces.push(value);
      off += value.length;
      if (off > MAX_FILE_BYTES) throw new Error(`file too large (more than ${mib(MAX_FILE_BYTES)})`);
      seen(len ? Math.min(1, off / len) : -1);
    }
    if (off >= WORKER_FROM) return new Blob(pieces);
    const bytes = new Uint8Array(off);
    off = 0;
    for (const p of pieces) {
      bytes.set(p, off);
      off += p.length;
    }
    return bytes;
  }
  // The fetch starts at once, also while the viewer still compiles or loads other files;
  // the bytes are loaded in their turn.
  function openUrl(url) {
    timings.dropAt = performance.now();
    const name = decodeURIComponent(url.split(/[?#]/)[0].split('/').pop() || url);
    let turn = false;  // the loading bar is this fetch's
    let fraction = -1;
    const show = () => call('pyro_set_loading', null, ['string', 'number'], [`Fetching ${name}`, fraction]);
    const fetched = fetchBytes(url, (f) => { fraction = f; if (turn) show(); },
      // A file that goes through the worker gets one now, compiled while it downloads.
      (len) => { if (len >= WORKER_FROM && !spareWorker) startWorker(); });
    fetched.catch(() => {});  // reported in its turn
    return enqueue(async () => {
      await ready;
      turn = true;
      show();
      let bytes;
      try {
        bytes = await fetched;
      } catch (e) {
        call('pyro_set_loading', null, ['string', 'number'], ['', 2]);
        return report(name, `${url}: cannot fetch (${e.message || e})`);
      }
      return openNow(name, bytes);
    });
  }

  function command(c) {
    const json = typeof c === 'string' ? c : JSON.stringify(c);
    return ready.then(() => statusOf(call('pyro_command', 'number', ['string'], [json])));
  }
  function state() {
    if (!M || dead) return null;
    return JSON.parse(M.UTF8ToString(call('pyro_state', 'number', [], [])));
  }
  function download(name, blob) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // ---- Drag and drop anywhere on the page, and the file picker.
  let dragDepth = 0;
  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
  document.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    dropBox.hidden = false;
  });
  document.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('dragleave', () => {
    if (--dragDepth <= 0) { dragDepth = 0; dropBox.hidden = true; }
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    dragDepth = 0;
    dropBox.hidden = true;
    const files = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
    if (files.length) openFiles(files);
  });
  const picker = document.getElementById('file');
  if (picker) picker.addEventListener('change', () => {
    const files = Array.from(picker.files || []);
    picker.value = '';
    if (files.length) openFiles(files);
  });

  // ---- Embed bridge.
  let hostOrigin = allowedOrigin || null;
  function toHost(m) {
    if (window.parent === window) return;
    // Until the host is known (?origin= or its first message) only 'ready' goes out, so an
    // unknown embedder learns nothing about a profile loaded through ?url=.
    if (!hostOrigin && m.type !== 'pyrolens.ready') return;
    window.parent.postMessage(m, hostOrigin || '*');
  }
  window.addEventListener('message', async (e) => {
    if (e.source !== window.parent || window.parent === window) return;
    if (allowedOrigin && e.origin !== allowedOrigin) return;
    const m = e.data;
    if (!m || typeof m.type !== 'string' || !m.type.startsWith('pyrolens.')) return;
    if (!allowedOrigin) hostOrigin = e.origin;
    let r;
    try {
      switch (m.type) {
        case 'pyrolens.load': r = await openBytes(String(m.name || 'profile'), m.bytes); break;
        case 'pyrolens.loadUrl': r = await openUrl(String(m.url)); break;
        case 'pyrolens.command': r = await command(m.command); break;
        case 'pyrolens.setTheme':
          r = await command({ cmd: 'setTheme', theme: m.theme });
          document.documentElement.classList.toggle('dark', m.theme === 'dark');
          break;
        case 'pyrolens.setSampleType':
          r = await command({ cmd: 'setSampleType', sampleType: m.sampleType }); break;
        case 'pyrolens.setSearch':
          r = await command({ cmd: 'setSearch', query: String(m.query || ''), regex: !!m.regex });
          break;
        case 'pyrolens.getState': await ready; r = { ok: true, state: state() }; break;
        case 'pyrolens.clear': await ready; call('pyro_clear', null, [], []); r = { ok: true }; break;
        default: r = { ok: false, error: `unknown message type ${m.type}` };
      }
    } catch (err) {
      r = { ok: false, error: String(err && err.message ? err.message : err) };
    }
    toHost(Object.assign({ type: 'pyrolens.result', id: m.id }, r));
  });

  // ---- The module.
  window.pyrolens = {
    ready, warmed, open: openBytes, openFiles, openUrl, command, state, events, timings, say,
    onEvent(cb) { listeners.push(cb); },
    frames: () => frames,
    memory: () => (M && M.HEAPU8 ? M.HEAPU8.buffer.byteLength : 0),
    // CPU time per frame (viewer + ImGui + GL submission) since the last reset, in ms.
    frameStats: (reset) => JSON.parse(M.UTF8ToString(call('pyro_frame_stats', 'number', ['number'], [reset ? 1 : 0]))),
  };

  const config = {
    canvas,
    noInitialRun: false,
    print: (t) => console.log(t),
    printErr: (t) => console.warn(t),
    onReady() {
      M = this;
    },
    onFrame() {
      frames++;
      if (pendingFirstDraw) {
        pendingFirstDraw = null;
        timings.firstDraw = performance.now();
      }
    },
    onViewerEvent(json) {
      const ev = JSON.parse(json);
      if (ev.load && loadWaiters.has(ev.load)) {
        const ended = ev.event === 'loaded' ? { ok: true } :
          ev.event === 'convert' ? { ok: false, convert: true } : { ok: false, error: ev.message };
        loadWaiters.get(ev.load)(ended);
        loadWaiters.delete(ev.load);
      }
      if (ev.event === 'convert') return;  // the page's own business
      events.push(ev);
      if (events.length > 1000) events.splice(0, events.length - 1000);
      for (const cb of listeners) { try { cb(ev); } catch (e) { console.error(e); } }
      toHost({ type: 'pyrolens.event', event: ev });
    },
    onExport(name, bytes) {
      if (!embed) download(name, new Blob([bytes]));
      toHost({ type: 'pyrolens.export', name, bytes }, []);
    },
    onPng(blob) { if (blob) download('pyrolens.png', blob); },
    onFatal(text) { fatal(text); },
    onAbort(what) {
      const oom = /memory|OOM|alloc/i.test(String(what));
      fatal('The viewer stopped: ' + what + (oom ? '. The profile is too large for the ' +
        'browser (wasm memory is limited to 4 GiB); use the command line: pyrolens top FILE' :
        '. This is a bug in Pyrolens; please report it with the file that caused it.'));
    },
  };
  // A profile named in the address (?url=, #profileURL=) is fetched while the viewer loads.
  const startUrl = params.get('url') || hash.get('profileURL');
  const opening = startUrl ? openUrl(startUrl) : null;
  const script = document.createElement('script');
  script.src = 'pyrolens.js';
  script.onload = () => {
    createPyrolens(config).then((mod) => {
      M = mod;
      // The viewer draws on demand (FrameDue in wasm/main.cc): input wakes it.
      for (const type of ['mousemove', 'mousedown', 'mouseup', 'mouseout', 'wheel', 'keydown',
        'keyup', 'touchstart', 'touchmove', 'touchend', 'focus', 'blur']) {
        window.addEventListener(type, () => { if (!dead) M._pyro_wake(); },
          { capture: true, passive: true });
      }
      const theme = params.get('theme');
      if (theme) call('pyro_command', 'number', ['string'], [JSON.stringify({ cmd: 'setTheme', theme })]);
      // The page chrome follows the viewer's theme.
      document.documentElement.classList.toggle('dark', (theme || (state() || {}).theme) === 'dark');
      readyResolve();
      toHost({ type: 'pyrolens.ready' });
      // The warm-up works while no load does: with an address, while the file downloads and
      // the worker inflates it.
      warmUp();
      if (startUrl) {
        opening.then(() => { if (!spareWorker) startWorker(); });
      } else {
        startWorker();
      }
    }, (e) => fatal('The viewer could not start: ' + e));
  };
  script.onerror = () => fatal('Cannot load pyrolens.js');
  document.head.appendChild(script);
})();
