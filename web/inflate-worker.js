// Decompression worker: inflates a gzip or zstd profile with core's Decompress, and turns
// a profile in another format than pprof into pprof (pyrolens-inflate.js + .wasm,
// wasm/inflate.cc), off the page's main thread, so that the viewer gets pprof, which it
// reads in steps. One file per worker; the page terminates it afterwards, which gives its
// memory back.
//   page -> worker  {src: Blob|Uint8Array, chunk, stream}  a File is read here, not by the
//                                             page; chunk: bytes per chunk below; stream: a
//                                             gzip file may be inflated as it is read
//                   {recycle: ArrayBuffer}    a chunk's buffer back, copied, for the next one
//   worker -> page  {warm: true}              the warm-up ended (sent once, first)
//                   {expect: n}               the plain size the file announces (gzip, zstd;
//                                             0: none), before inflating: the page makes room
//                   {expect: n, stream: true}  the file is inflated as it is read: chunks
//                                             follow as they are inflated, then {done, total}
//                                             (which the page checks against n)
//                   {size: n}                 the plain size, before any chunk
//                   {chunk: ArrayBuffer, length}  the plain (pprof) bytes in order, `length` of
//                                             them a chunk (transferred), so that the page
//                                             copies each into the viewer while the next is
//                                             cut; at most kBuffers of them are out at once
//                   {done: true}
//                   {corrupt: '...'}          core refused the bytes: its message (what the
//                                             viewer's reader would say)
//                   {error: '...'}            anything else (the page then lets the viewer
//                                             read the original bytes)
'use strict';
importScripts('pyrolens-inflate.js');
// The module warms up first (pyro_warm_up in wasm/inflate.cc), while the page is idle.
const inflater = createInflate().then((M) => {
  M._pyro_warm_up();
  postMessage({ warm: true });
  return M;
});
// Chunk buffers go back and forth instead of new ones for each chunk: first touching fresh
// memory cost about 3 ms per MB here.
const kBuffers = 4;
const pool = [];
let made = 0;
let returned = null;  // resolves a wait for a buffer
// A chunk buffer, once one is free (at most kBuffers are out).
async function chunkBuffer(chunk) {
  while (!pool.length && made >= kBuffers) await new Promise((r) => { returned = r; });
  return pool.pop() || (++made, new ArrayBuffer(chunk));
}
// Bytes [a, b) of a Blob or Uint8Array.
async function bytesOf(src, a, b) {
  return src instanceof Blob ? new Uint8Array(await src.slice(a, b).arrayBuffer()) : src.subarray(a, b);
}
// The plain size a gzip file announces, when the browser can inflate it as it is read (its
// DecompressionStream; then its plain bytes are never whole here, which spares first
// touching hundreds of MB); 0 otherwise.
async function streamable(M, src) {
  const size = src instanceof Blob ? src.size : src.length;
  if (typeof DecompressionStream !== 'function' || size < 18) return 0;
  const head = await bytesOf(src, 0, 2);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return 0;
  const tail = await bytesOf(src, size - 4, size);
  return M._pyro_gzip_size_hint(size, (tail[0] | tail[1] << 8 | tail[2] << 16 | tail[3] << 24) >>> 0);
}
// A stream of the bytes of a Blob or Uint8Array (in 1 MiB views of it).
function streamOf(src) {
  if (src instanceof Blob) return src.stream();
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= src.length) return c.close();
      c.enqueue(src.subarray(off, off + (1 << 20)));
      off += 1 << 20;
    },
  });
}
// Posts the plain bytes of a gzip file in chunks as they are inflated, then their count.
async function stream(src, chunk) {
  const reader = streamOf(src).pipeThrough(new DecompressionStream('gzip')).getReader();
  let buf = null, length = 0, total = 0;
  const post = () => {
    postMessage({ chunk: buf, length }, [buf]);
    total += length;
    buf = null;
    length = 0;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let at = 0; at < value.length;) {
      if (!buf) buf = await chunkBuffer(chunk);
      const n = Math.min(value.length - at, chunk - length);
      new Uint8Array(buf, length, n).set(value.subarray(at, at + n));
      length += n;
      at += n;
      if (length === chunk) post();
    }
  }
  if (buf) post();
  postMessage({ done: true, total });
}
onmessage = async (e) => {
  if (e.data.recycle) {
    pool.push(e.data.recycle);
    if (returned) returned();
    return;
  }
  try {
    const M = await inflater;
    const { src, chunk } = e.data;
    const expect = e.data.stream ? await streamable(M, src) : 0;
    if (expect > 0) {
      postMessage({ expect, stream: true });
      await stream(src, chunk);
      return;
    }
    const size = src instanceof Blob ? src.size : src.length;
    const ptr = M._malloc(size || 1);
    if (!ptr) throw new Error(`no memory for ${size} bytes`);
    // A Blob read whole: 101 MB took 0.9-1.0 s here, against 1.4 s in 4 MiB slices.
    M.HEAPU8.set(src instanceof Blob ? new Uint8Array(await src.arrayBuffer()) : src, ptr);
    postMessage({ expect: M._pyro_size_hint(ptr, size) });
    const ok = M._pyro_inflate(ptr, size);
    if (!ok) {
      postMessage({ corrupt: M.UTF8ToString(M._pyro_inflate_error()) });
      return;
    }
    const data = M._pyro_inflated_data();
    const n = M._pyro_inflated_size();
    postMessage({ size: n });
    for (let off = 0; off < n; off += chunk) {
      const buf = await chunkBuffer(chunk);
      const length = Math.min(chunk, n - off);
      new Uint8Array(buf, 0, length).set(M.HEAPU8.subarray(data + off, data + off + length));
      postMessage({ chunk: buf, length }, [buf]);
    }
    M._free(ptr);  // only now: plain pprof bytes are passed on from where they were read
    postMessage({ done: true });
  } catch (err) {
    postMessage({ error: String(err && err.message ? err.message : err) });
  }
};
