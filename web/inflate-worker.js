// Decompression worker: inflates a gzip or zstd profile with core's Decompress
// (pyrolens-inflate.js + .wasm), off the page's main thread. One file per worker; the page
// terminates it afterwards, which gives its memory back.
//   page -> worker  {bytes: Uint8Array}
//   worker -> page  {ok: true, bytes: ArrayBuffer}   the plain bytes (transferred)
//                   {ok: false, error: '...'}         core's message (the page then lets the
//                                                     viewer read the original bytes, which
//                                                     reports the same error in its own way)
'use strict';
importScripts('pyrolens-inflate.js');
const inflater = createInflate();
onmessage = async (e) => {
  try {
    const M = await inflater;
    const input = e.data.bytes;
    const ptr = M._malloc(input.length || 1);
    if (!ptr) throw new Error(`no memory for ${input.length} bytes`);
    M.HEAPU8.set(input, ptr);
    const ok = M._pyro_inflate(ptr, input.length);
    M._free(ptr);
    if (!ok) throw new Error(M.UTF8ToString(M._pyro_inflate_error()));
    const data = M._pyro_inflated_data();
    const out = M.HEAPU8.slice(data, data + M._pyro_inflated_size());
    postMessage({ ok: true, bytes: out.buffer }, [out.buffer]);
  } catch (err) {
    postMessage({ ok: false, error: String(err && err.message ? err.message : err) });
  }
};
