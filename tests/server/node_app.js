// A small Node program profiled by the real @pyroscope/nodejs SDK, pushing to the
// pyrolens server at PYROSCOPE_URL. Burns CPU in a recognisable function, then stops
// the SDK (which flushes the last profile) and exits.
const Pyroscope = require('@pyroscope/nodejs');

function pyrolensBusyWork(n) {
  // Deliberately slow Fibonacci: a deep, hot, well-named stack.
  return n < 2 ? n : pyrolensBusyWork(n - 1) + pyrolensBusyWork(n - 2);
}

async function main() {
  Pyroscope.init({
    serverAddress: process.env.PYROSCOPE_URL,
    appName: 'pyrolens-node-test',
    tags: { suite: 'node_client_test' },
    flushIntervalMs: 1000,
  });
  Pyroscope.start();
  const until = Date.now() + Number(process.env.RUN_MS || 4000);
  let sum = 0;
  while (Date.now() < until) {
    sum += pyrolensBusyWork(24);
    await new Promise((r) => setImmediate(r));
  }
  await Pyroscope.stop();
  console.log('node app done', sum > 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
