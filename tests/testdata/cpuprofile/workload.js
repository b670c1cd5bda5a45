// A small Node.js program profiled by regen.sh (`node --cpu-prof`, `node --heap-prof`):
// named functions with distinct costs, so the profiles have clear leaders.
'use strict';
const keep = [];

function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

function hashStrings(rounds) {
  let h = 0;
  for (let i = 0; i < rounds; i++) {
    const s = 'item-' + i;
    for (let j = 0; j < s.length; j++) h = (h * 31 + s.charCodeAt(j)) | 0;
  }
  return h;
}

function allocateObjects(n) {
  for (let i = 0; i < n; i++) keep.push({ id: i, payload: new Array(16).fill(i) });
  if (keep.length > 200000) keep.length = 0;
}

function sortNumbers(n) {
  const a = [];
  for (let i = 0; i < n; i++) a.push((i * 7919) % 10007);
  return a.sort((x, y) => x - y)[0];
}

const until = Date.now() + 1200;
let sink = 0;
while (Date.now() < until) {
  sink += fib(22);
  sink += hashStrings(3000);
  allocateObjects(2000);
  sink += sortNumbers(5000);
}
console.log(sink > 0 ? 'done' : 'done.');
