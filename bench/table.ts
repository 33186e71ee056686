/** One line of the `npm run bench` table. */
export interface BenchRow {
  /** Target id from the performance issue: P1 … P6. */
  id: string;
  /** What was measured. */
  figure: string;
  /** The measured value, formatted. */
  value: string;
  /** The target, formatted. */
  target: string;
  /** The alternative measured in the same run, formatted ('–' when there is none). */
  alternative: string;
  /** alternative ÷ value (or value ÷ alternative), formatted ('–' when there is none). */
  ratio: string;
  /** Whether the target is met; null when the run was too small to judge. */
  pass: boolean | null;
  /** What the result column says when `pass` is null. Default `n/a (small run)`. */
  unjudged?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.ceil((p / 100) * sorted.length) - 1,
  );
  return sorted[Math.max(0, index)];
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const megabytes = (bytes: number) =>
  `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Renders rows as a Markdown table (what the README carries). */
export function renderTable(rows: BenchRow[]): string {
  const header = [
    'id',
    'figure',
    'measured',
    'target',
    'alternative (same run)',
    'ratio',
    'result',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map(
      r =>
        `| ${r.id} | ${r.figure} | ${r.value} | ${r.target} | ${r.alternative} | ${r.ratio} | ${
          r.pass === null
            ? (r.unjudged ?? 'n/a (small run)')
            : r.pass
              ? 'pass'
              : 'MISS'
        } |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
