// Decompression worker: inflates a gzip or zstd profile with core's Decompress, and turns
// a profile in another format than pprof into pprof (pyrolens-inflate.js + .wasm,
// wasm/inflate.cc), off the page's main thread, so that the viewer gets pprof, which it
// reads in steps. One file per worker; the page terminates it afterwards, which gives its
// memory back.
//   page -> worker  {src: Blob|Uint8Array, chunk}  a File is read here, not by the page;
//                                             chunk: bytes per chunk below
//   worker -> page  {warm: true}              the warm-up ended (sent once, first)
//                   {size: n}                 the plain size, before any chunk
//                   {chunk: ArrayBuffer}      the plain (pprof) bytes in order, a chunk at a time
//                                             (transferred), so that the page copies each
//                                             into the viewer while the next is cut
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
onmessage = async (e) => {
  try {
    const M = await inflater;
    const { src, chunk } = e.data;
    const size = src instanceof Blob ? src.size : src.length;
    const ptr = M._malloc(size || 1);
    if (!ptr) throw new Error(`no memory for ${size} bytes`);
    // A Blob read whole: 101 MB took 0.9-1.0 s here, against 1.4 s in 4 MiB slices.
    M.HEAPU8.set(src instanceof Blob ? new Uint8Array(await src.arrayBuffer()) : src, ptr);
    const ok = M._pyro_inflate(ptr, size);
    if (!ok) {
      postMessage({ corrupt: M.UTF8ToString(M._pyro_inflate_error()) });
      return;
    }
    const data = M._pyro_inflated_data();
    const n = M._pyro_inflated_size();
    postMessage({ size: n });
    for (let off = 0; off < n; off += chunk) {
      const c = M.HEAPU8.slice(data + off, data + Math.min(n, off + chunk));
      postMessage({ chunk: c.buffer }, [c.buffer]);
    }
    M._free(ptr);  // only now: plain pprof bytes are passed on from where they were read
    postMessage({ done: true });
  } catch (err) {
    postMessage({ error: String(err && err.message ? err.message : err) });
  }
};
