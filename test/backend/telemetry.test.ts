import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BackendApp,
  backendDir,
  DEV_TOKEN,
  eventually,
  freePort,
  startBackendApp,
} from '../fixtures/backendApp';

/** An OTLP attribute value in the JSON encoding (only the kinds used here). */
interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface Span {
  name: string;
  kind: number;
  attributes?: KeyValue[];
}
interface DataPoint {
  attributes?: KeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}
interface Metric {
  name: string;
  unit?: string;
  sum?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[] };
  gauge?: { dataPoints: DataPoint[] };
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: Span[] }[];
  }[];
}
interface ExportMetricsServiceRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { scope?: { name: string }; metrics?: Metric[] }[];
  }[];
}

/** The attributes as a plain object (OTLP/JSON sends int64 as strings). */
function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
      value.boolValue ??
      value.doubleValue;
  }
  return out;
}

/**
 * An OTLP/HTTP receiver with the JSON encoding (what `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`
 * sends): it answers 200 to /v1/traces and /v1/metrics and keeps every request body.
 */
class OtlpReceiver {
  readonly traces: ExportTraceServiceRequest[] = [];
  readonly metrics: ExportMetricsServiceRequest[] = [];
  readonly contentTypes = new Set<string>();
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        this.contentTypes.add(String(req.headers['content-type']));
        try {
          if (req.url === '/v1/traces') this.traces.push(JSON.parse(body));
          else if (req.url === '/v1/metrics')
            this.metrics.push(JSON.parse(body));
          else {
            res.writeHead(404).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>(r => this.server!.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return new Promise(r => (this.server ? this.server.close(() => r()) : r()));
  }

  spans(): { span: Span; resource: Record<string, unknown> }[] {
    return this.traces.flatMap(t =>
      (t.resourceSpans ?? []).flatMap(rs =>
        (rs.scopeSpans ?? []).flatMap(ss =>
          (ss.spans ?? []).map(span => ({
            span,
            resource: attrs(rs.resource?.attributes),
          })),
        ),
      ),
    );
  }

  /** Every exported data point of the metric `name` (all exports, all scopes). */
  points(name: string): { metric: Metric; point: DataPoint; scope?: string }[] {
    return this.metrics.flatMap(m =>
      (m.resourceMetrics ?? []).flatMap(rm =>
        (rm.scopeMetrics ?? []).flatMap(sm =>
          (sm.metrics ?? [])
            .filter(metric => metric.name === name)
            .flatMap(metric =>
              (
                metric.sum?.dataPoints ??
                metric.histogram?.dataPoints ??
                metric.gauge?.dataPoints ??
                []
              ).map(point => ({ metric, point, scope: sm.scope?.name })),
            ),
        ),
      ),
    );
  }
}

const source = {
  organizationUrl: 'https://dev.azure.com/contoso',
  project: 'Payments',
  repositoryName: 'telemetry-service',
  branch: 'refs/heads/main',
  commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  buildId: 7,
};
const catalogInfo = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: telemetry-service
spec:
  type: service
  lifecycle: production
  owner: group:default/platform-team
`;

describe('the baseline backend with OpenTelemetry (an OTLP/HTTP receiver in the test)', function () {
  this.timeout(240_000);
  const receiver = new OtlpReceiver();
  let app: BackendApp | undefined;

  before(async () => {
    const endpoint = await receiver.start();
    app = await startBackendApp({
      // As `npm start` and the image load it: before the backend.
      nodeArgs: ['--require', './src/instrumentation.js'],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '500',
        OTEL_SERVICE_NAME: 'stagedoor-telemetry-test',
      },
      timeoutMs: 180_000,
    });
  });
  after(async () => {
    await app?.stop();
    await receiver.stop();
  });

  const push = (body: unknown) =>
    fetch(`${app!.baseUrl}/api/catalog/stagedoor/v1/push`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${DEV_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });

  it('says where it exports at start-up', () => {
    assert.match(
      app!.output(),
      /OpenTelemetry: exporting telemetry of stagedoor-telemetry-test to OTLP \(http\/json\)/,
    );
  });

  it('exports push metrics by outcome and error type, with no entity or source names', async () => {
    const accepted = await push({
      source,
      files: [{ path: 'catalog-info.yaml', content: catalogInfo }],
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    const invalid = await push({
      source: { ...source, commit: 'b'.repeat(40), buildId: 8 },
      files: [{ path: 'catalog-info.yaml', content: 'kind: [' }],
    });
    assert.equal(invalid.status, 422);
    // Refused by the router before the push service sees it.
    const malformed = await fetch(
      `${app!.baseUrl}/api/catalog/stagedoor/v1/push`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${DEV_TOKEN}`,
          'content-type': 'application/json',
        },
        body: '{"source": ',
      },
    );
    assert.equal(malformed.status, 400);
    // A refresh of the pushed entity: the catalog processes it again.
    const refresh = await fetch(`${app!.baseUrl}/api/catalog/refresh`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${DEV_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        entityRef: 'component:default/telemetry-service',
      }),
    });
    assert.ok(
      [200, 204].includes(refresh.status),
      `refresh: ${refresh.status}`,
    );

    const outcomes = await eventually(
      async () => {
        const points = receiver.points('stagedoor.push.requests');
        const seen = points.map(p => attrs(p.point.attributes));
        const has = (want: Record<string, unknown>) =>
          seen.some(a => Object.entries(want).every(([k, v]) => a[k] === v));
        return has({ 'stagedoor.push.outcome': 'applied' }) &&
          has({
            'stagedoor.push.outcome': 'rejected',
            'error.type': 'UnprocessableEntitiesError',
          }) &&
          has({
            'stagedoor.push.outcome': 'rejected',
            'error.type': 'InputError',
          })
          ? points
          : undefined;
      },
      60_000,
      'stagedoor.push.requests with applied and rejected pushes',
    );
    assert.equal(
      outcomes[0].scope,
      '@stagedoor/plugin-catalog-backend-module-push',
    );
    assert.equal(outcomes[0].metric.unit, '{push}');

    const duration = receiver.points('stagedoor.push.duration');
    assert.ok(duration.length > 0, 'stagedoor.push.duration');
    assert.equal(duration[0].metric.unit, 's');
    assert.ok(duration[0].metric.histogram, 'a histogram');
    const applied = duration.find(
      d => attrs(d.point.attributes)['stagedoor.push.outcome'] === 'applied',
    );
    assert.ok(applied && Number(applied.point.count) >= 1);

    const entities = receiver.points('stagedoor.push.entities');
    assert.ok(entities.some(e => Number(e.point.count) >= 1));
    const changes = receiver.points('stagedoor.push.entity.changes');
    assert.ok(
      changes.some(
        c =>
          attrs(c.point.attributes)['stagedoor.change'] === 'added' &&
          Number(c.point.asInt ?? c.point.asDouble) >= 1,
      ),
    );

    // Bounded cardinality: no attribute of the module's metrics names a source or entity.
    const everything = JSON.stringify(
      receiver.metrics.flatMap(m =>
        (m.resourceMetrics ?? []).flatMap(rm =>
          (rm.scopeMetrics ?? []).filter(
            sm =>
              sm.scope?.name ===
              '@stagedoor/plugin-catalog-backend-module-push',
          ),
        ),
      ),
    );
    assert.ok(!everything.includes('telemetry-service'));
    assert.ok(!everything.includes('contoso'));
  });

  it('exports HTTP server spans of the push with the semantic-convention attributes', async () => {
    const span = await eventually(
      async () =>
        receiver
          .spans()
          .find(
            ({ span: s }) =>
              s.kind === 2 /* SERVER */ &&
              String(
                attrs(s.attributes)['http.target'] ??
                  attrs(s.attributes)['url.path'] ??
                  '',
              ).startsWith('/api/catalog/stagedoor/v1/push'),
          ),
      60_000,
      'an HTTP server span of POST /api/catalog/stagedoor/v1/push',
    );
    const a = attrs(span.span.attributes);
    assert.equal(a['http.method'] ?? a['http.request.method'], 'POST');
    assert.ok(
      [200, 401, 422].includes(
        Number(a['http.status_code'] ?? a['http.response.status_code']),
      ),
    );
    assert.equal(span.resource['service.name'], 'stagedoor-telemetry-test');
    assert.ok(
      !receiver
        .spans()
        .some(({ span: s }) =>
          String(attrs(s.attributes)['http.target'] ?? '').startsWith(
            '/.backstage/health/',
          ),
        ),
      'health probes are not traced',
    );
    assert.ok(receiver.contentTypes.has('application/json'));
  });
});

describe('the baseline backend with a Prometheus scrape endpoint (OTEL_METRICS_EXPORTER=prometheus)', function () {
  this.timeout(240_000);
  let app: BackendApp | undefined;
  let metricsUrl: string;

  before(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    app = await startBackendApp({
      nodeArgs: ['--require', './src/instrumentation.js'],
      env: {
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      },
      timeoutMs: 180_000,
    });
  });
  after(async () => {
    await app?.stop();
  });

  it('serves the push metrics on the scrape endpoint, and sends no traces anywhere', async () => {
    const malformed = await fetch(
      `${app!.baseUrl}/api/catalog/stagedoor/v1/push`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${DEV_TOKEN}`,
          'content-type': 'application/json',
        },
        body: '{"source": ',
      },
    );
    assert.equal(malformed.status, 400);
    const text = await eventually(
      async () => {
        const res = await fetch(metricsUrl);
        const body = await res.text();
        return /^stagedoor_push_requests_total\{[^}]*stagedoor_push_outcome="rejected"[^}]*error_type="InputError"[^}]*\} 1$/m.test(
          body,
        )
          ? body
          : undefined;
      },
      30_000,
      'stagedoor_push_requests_total on the scrape endpoint',
    );
    assert.match(text, /^# TYPE stagedoor_push_requests_total counter$/m);
    assert.match(
      app!.output(),
      /OpenTelemetry: exporting telemetry of stagedoor-backstage to a Prometheus endpoint/,
    );
    // Prometheus only: the traces exporter is off, so nothing retries localhost:4318.
    assert.doesNotMatch(app!.output(), /ECONNREFUSED.*4318/);
  });
});

describe('src/instrumentation.js without an exporter configured', () => {
  /** The OpenTelemetry SDK packages a node process with the file loaded has in its module cache. */
  function sdkModulesLoaded(env: Record<string, string>): string[] {
    const script =
      'console.log(JSON.stringify([...new Set(Object.keys(require.cache).map(f => (/node_modules[\\\\/](@opentelemetry[\\\\/][^\\\\/]+|@azure[\\\\/]monitor-opentelemetry)/.exec(f) || [])[1]).filter(Boolean))]))';
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) =>
          !k.startsWith('OTEL_') &&
          k !== 'APPLICATIONINSIGHTS_CONNECTION_STRING',
      ),
    );
    const out = execFileSync(
      process.execPath,
      ['--require', './src/instrumentation.js', '-e', script],
      { cwd: backendDir, env: { ...clean, ...env }, encoding: 'utf8' },
    );
    return JSON.parse(out.trim().split('\n').pop()!) as string[];
  }

  it('loads no OpenTelemetry SDK at all', () => {
    assert.deepEqual(sdkModulesLoaded({}), []);
    assert.deepEqual(
      sdkModulesLoaded({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_SDK_DISABLED: 'true',
      }),
      [],
    );
  });

  it('loads the SDK once an exporter is configured', () => {
    const loaded = sdkModulesLoaded({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    });
    assert.ok(
      loaded.some(m => m.endsWith('sdk-node')),
      loaded.join(),
    );
  });
});
