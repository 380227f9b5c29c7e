// Loaded before the server with `node --require` by the launcher, bin/gatehouse-server.
//
// bcrypt runs on libuv's thread pool. libuv starts that pool's threads on first use, and on Linux
// a new thread takes the scheduling priority of the thread that starts it. So the pool is started
// here, from a short-lived worker thread at nice 19: every pool thread then runs at the lowest
// priority while the event loop keeps its own, so it always wins the CPU over bcrypt and a login
// storm cannot slow the token checks down. It has to be a CommonJS preload: loading an ES module
// entry point already uses the pool, which would start it at the event loop's priority.
'use strict';
const { Worker, isMainThread } = require('node:worker_threads');

const START_TIMEOUT_MS = 5_000;

// Workers inherit the preload; only the main thread starts the pool. On other systems
// setPriority would lower the whole process, not one thread.
if (isMainThread && process.platform === 'linux') startThreadPoolAtLowestPriority();

function startThreadPoolAtLowestPriority() {
  const started = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(
    `const { workerData: started } = require('node:worker_threads');
     try { require('node:os').setPriority(19); } catch {}
     require('node:fs').stat('.', () => {
       Atomics.store(started, 0, 1);
       Atomics.notify(started, 0);
     });`,
    { eval: true, workerData: started },
  );
  Atomics.wait(started, 0, 0, START_TIMEOUT_MS);
  void worker.terminate();
}
