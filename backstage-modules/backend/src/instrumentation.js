/*
 * OpenTelemetry for the baseline backend, loaded before it with `node --require
 * ./src/instrumentation.js` (Backstage's "Setup OpenTelemetry" pattern): the SDK has to
 * patch `http` and `express` before the backend loads them. Backstage's plugins and the
 * Stagedoor modules record their traces and metrics through `@opentelemetry/api` only;
 * this file decides where they go, from the environment:
 *
 * - APPLICATIONINSIGHTS_CONNECTION_STRING: Azure Monitor (Application Insights), with
 *   `@azure/monitor-opentelemetry` (its HTTP, PostgreSQL and Azure SDK instrumentations,
 *   plus Express; the distribution's default sampling, at most 5 traces per second).
 * - OTEL_EXPORTER_OTLP_ENDPOINT (or the _TRACES_/_METRICS_ variants): OTLP, configured by
 *   the standard OTEL_* variables (protocol, headers, OTEL_METRIC_EXPORT_INTERVAL, …).
 * - OTEL_METRICS_EXPORTER containing `prometheus`: a Prometheus scrape endpoint
 *   (OTEL_EXPORTER_PROMETHEUS_HOST / _PORT, default 0.0.0.0:9464, path /metrics).
 * - none of these (or OTEL_SDK_DISABLED=true): nothing is loaded at all; the API's calls
 *   in the backend are no-ops.
 *
 * CommonJS and plain JavaScript so that it runs the same before `dist/index.js`, before
 * `src/index.ts` under tsx (the tests), and in the image.
 */
const { isMainThread } = require('node:worker_threads');

/** The comma-separated list in an environment variable, trimmed and lower-cased. */
function listFromEnv(name) {
  return (process.env[name] ?? '')
    .split(',')
    .map(value => value.trim().toLowerCase())
    .filter(Boolean);
}

function startTelemetry() {
  const env = process.env;
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return;

  const serviceName = env.OTEL_SERVICE_NAME || 'stagedoor-backstage';
  const azureConnectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const otlp = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT ||
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
      env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
  );
  const prometheus = listFromEnv('OTEL_METRICS_EXPORTER').includes(
    'prometheus',
  );
  if (!azureConnectionString && !otlp && !prometheus) return;

  const {
    ExpressInstrumentation,
  } = require('@opentelemetry/instrumentation-express');

  if (azureConnectionString) {
    const { useAzureMonitor } = require('@azure/monitor-opentelemetry');
    const {
      registerInstrumentations,
    } = require('@opentelemetry/instrumentation');
    env.OTEL_SERVICE_NAME = serviceName;
    useAzureMonitor({
      azureMonitorExporterOptions: { connectionString: azureConnectionString },
      instrumentationOptions: {
        http: { enabled: true },
        azureSdk: { enabled: true },
        postgreSql: { enabled: true },
      },
    });
    registerInstrumentations({
      instrumentations: [new ExpressInstrumentation()],
    });
    console.log(
      `OpenTelemetry: exporting traces and metrics of ${serviceName} to Azure Monitor`,
    );
    return;
  }

  const { NodeSDK } = require('@opentelemetry/sdk-node');
  const {
    HttpInstrumentation,
  } = require('@opentelemetry/instrumentation-http');
  // The SDK's defaults assume an OTLP endpoint; without one (Prometheus only), send no
  // traces rather than retrying localhost:4318. Logs stay with Backstage's logger.
  if (!otlp && !env.OTEL_TRACES_EXPORTER) env.OTEL_TRACES_EXPORTER = 'none';
  if (!env.OTEL_LOGS_EXPORTER) env.OTEL_LOGS_EXPORTER = 'none';
  const sdk = new NodeSDK({
    serviceName,
    instrumentations: [
      new HttpInstrumentation({
        // Health probes every few seconds would drown the traces.
        ignoreIncomingRequestHook: request =>
          (request.url ?? '').startsWith('/.backstage/health/'),
      }),
      new ExpressInstrumentation(),
    ],
  });
  sdk.start();
  // Flush what is buffered when the orchestrator stops the process (Backstage's own
  // SIGTERM handler stops the plugins meanwhile).
  process.once('SIGTERM', () => {
    sdk.shutdown().catch(error => {
      console.error(`OpenTelemetry shutdown failed: ${error}`);
    });
  });
  const targets = [
    otlp && `OTLP (${env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf'})`,
    prometheus &&
      `a Prometheus endpoint on port ${env.OTEL_EXPORTER_PROMETHEUS_PORT || 9464}`,
  ].filter(Boolean);
  console.log(
    `OpenTelemetry: exporting telemetry of ${serviceName} to ${targets.join(' and ')}`,
  );
}

// Worker threads (e.g. the scaffolder's) must not start a second SDK.
if (isMainThread) startTelemetry();
