/**
 * The limit logins are measured against: raw bcrypt.compare at the configured cost with four
 * calls in flight (libuv's default pool), for DURATION_MS after a warm-up. Prints one JSON line.
 */
import bcrypt from 'bcrypt';

const cost = Number(process.env.BCRYPT_COST);
const durationMs = Number(process.env.DURATION_MS);
const IN_FLIGHT = 4;

const hash = await bcrypt.hash('bench-password', cost);

async function compareFor(milliseconds: number): Promise<number[]> {
  const deadline = Date.now() + milliseconds;
  const latencies: number[] = [];
  const worker = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      await bcrypt.compare('bench-password', hash);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return latencies;
}

await compareFor(Math.min(2_000, durationMs / 2));
const started = performance.now();
const cpuBefore = process.cpuUsage();
const latencies = await compareFor(durationMs);
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: latencies.length / elapsed,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)],
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
    cpuMicrosPerRequest: (cpu.user + cpu.system) / latencies.length,
    requests: latencies.length,
  })}\n`,
);
