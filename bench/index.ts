/**
 * `npm run bench`: every benchmark with a small default size, one table.
 * `npm run bench -- --full` uses the sizes of the performance targets (issue 11);
 * `--postgres` adds the push benchmark on PostgreSQL (needs STAGEDOOR_TEST_POSTGRES; with
 * `--replicas 2`, again with two baseline backends sharing the database);
 * `--only P3,P4` runs a subset. Benchmarks print; they never fail.
 */
import { BenchRow, megabytes, renderTable, seconds } from './table';
import { runValidateBench } from './validate';
import { pushRows, runPushBench } from './push';
import { runTechDocsBench, techdocsRows } from './techdocs';
import { packageRows, runPackageBench } from './package';
import { runStartupBench, startupRows } from './startup';
import { discoveryRows, runDiscoveryBench } from './discovery';
import { hooksRows, runHooksBench } from './hooks';
import { portalRows, runPortalBench } from './portal';
import { cpus } from 'node:os';

const full = process.argv.includes('--full');
const onlyAt = process.argv.indexOf('--only');
const only =
  onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : undefined;
const wants = (id: string) => !only || only.has(id);

async function validateRows(): Promise<BenchRow[]> {
  const r = await runValidateBench({ files: full ? 5000 : 1000 });
  return [
    {
      id: 'P3',
      figure: `\`stagedoor validate\`, ${r.files} files, process start included (CPU ${seconds(r.cpuMs)})`,
      value: `${seconds(r.wallMs)}, peak RSS ${megabytes(r.peakRssBytes)}`,
      target: '≤ 3 s, ≤ 300 MB (5,000 files)',
      alternative: `\`--threads 1\` ${seconds(r.oneThread.wallMs)} (CPU ${seconds(r.oneThread.cpuMs)}); ${r.alternative.name}: ${r.alternative.reason}`,
      ratio: '–',
      pass:
        r.files >= 5000
          ? r.wallMs <= 3000 && r.peakRssBytes <= 300 * 1024 * 1024
          : null,
    },
  ];
}

async function main() {
  const rows: BenchRow[] = [];
  const step = async (id: string, run: () => Promise<BenchRow[]>) => {
    if (!wants(id)) return;
    process.stderr.write(`running ${id}…\n`);
    try {
      rows.push(...(await run()));
    } catch (error) {
      rows.push({
        id,
        figure: 'benchmark failed',
        value: String(error instanceof Error ? error.message : error).split(
          '\n',
        )[0],
        target: '–',
        alternative: '–',
        ratio: '–',
        pass: false,
      });
    }
  };
  await step('P1', async () =>
    pushRows(
      await runPushBench(full ? { pushes: 60, sources: 1000 } : {}),
      full,
    ),
  );
  if (process.argv.includes('--postgres')) {
    // `--replicas N` adds the same P2 row with N baseline backends sharing the database.
    const replicasAt = process.argv.indexOf('--replicas');
    const replicas = replicasAt > 0 ? Number(process.argv[replicasAt + 1]) : 1;
    for (const n of replicas > 1 ? [1, replicas] : [1])
      await step('P2', async () =>
        pushRows(
          await runPushBench({
            database: 'postgres',
            pushes: 0,
            sources: full ? 1000 : 50,
            replicas: n,
          }),
          full,
        ),
      );
  }
  await step('P3', validateRows);
  // P4 on the plain emulator, then with a network between (a delaying loopback proxy).
  for (const latencyMs of [0, 20, 50])
    await step('P4', async () =>
      techdocsRows(
        await runTechDocsBench({ pages: full ? 1000 : 200, latencyMs }),
        full,
      ),
    );
  await step('P5', async () =>
    packageRows(await runPackageBench({ runs: full ? 21 : 7 })),
  );
  await step('P6', async () =>
    startupRows(await runStartupBench({ runs: full ? 5 : 3 })),
  );
  await step('P7', async () =>
    discoveryRows(
      await runDiscoveryBench(full ? { repositories: 2000, projects: 20 } : {}),
      full,
    ),
  );
  await step('P8', async () =>
    hooksRows(await runHooksBench({ events: full ? 60 : 30 })),
  );
  await step('P9', async () => portalRows(await runPortalBench()));

  console.log(
    `\nStagedoor benchmarks, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ` +
      `Node ${process.version}, ${full ? 'full sizes' : 'small sizes (--full for the targets)'}\n`,
  );
  console.log(renderTable(rows));
}

main()
  .catch(error => {
    console.error(error);
    process.exitCode = 1;
  })
  // In-process test backends (P7) can leave a stopped catalog's timer behind; the table is out.
  .finally(() => process.exit());
