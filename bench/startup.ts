/**
 * P6: `npm start` → readiness (`/.backstage/health/v1/readiness`), warm.
 * Starts the baseline backend app the way `npm start` does (node + tsx, the
 * development config on SQLite), a few times, and reports the warm median.
 */
import { BenchRow, median, seconds } from './table';
import { startBackendApp } from '../test/fixtures/backendApp';

export async function runStartupBench(options: { runs?: number } = {}) {
  const runs = Math.max(2, options.runs ?? 3);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const app = await startBackendApp();
    times.push(Date.now() - started);
    await app.stop();
  }
  // The first start warms the disk cache and tsx's transform cache; the rest are warm.
  const warm = times.slice(1);
  return { coldMs: times[0], warmMedianMs: median(warm), warmMs: warm };
}

export function startupRows(
  result: Awaited<ReturnType<typeof runStartupBench>>,
): BenchRow[] {
  return [
    {
      id: 'P6',
      figure: '`npm start` → readiness, warm (median)',
      value: seconds(result.warmMedianMs),
      target: '≤ 15 s',
      alternative: `cold ${seconds(result.coldMs)}`,
      ratio: '–',
      pass: result.warmMedianMs <= 15_000,
    },
  ];
}

if (require.main === module) {
  runStartupBench({ runs: Number(process.argv[2] ?? 3) }).then(r => {
    console.log(JSON.stringify(r, null, 2));
  });
}
