# syntax=docker/dockerfile:1
# The baseline Backstage backend with the Stagedoor modules.
#   docker build -t <registry>/stagedoor/backstage:<version> .
# Every step is an npm command that CI (.ci/run) runs too: `npm ci`, `npm run typecheck`,
# and the backend's `start:production` script, which test/deploy/productionStart.test.ts
# starts against PostgreSQL. No Docker engine runs in this repository's CI, so the image
# itself is built by the adopter's pipeline (and scanned there; see the production checklist).

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Check and build: the whole workspace installs and type-checks, as in CI. `npm ci` runs the
# root `prepare` (scripts/build.mjs), which writes the backend's built JavaScript to
# backstage-modules/backend/dist/ (its code and the @stagedoor modules; the rest stays in node_modules)
# and the web app to backstage-modules/app/dist/ (scripts/build-app.mjs), which app-backend serves at /.
FROM ${NODE_IMAGE} AS check
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run typecheck

# 2. Production dependencies only. --ignore-scripts skips the root `prepare` (it bundles the
# pipeline tasks with esbuild, a dev dependency, and the backend does not use the bundles)
# and native builds the backend does not load in production (better-sqlite3: PostgreSQL here).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=check /app/package.json /app/package-lock.json ./
COPY --from=check /app/backstage-modules ./backstage-modules
COPY --from=check /app/tasks/shared/package.json ./tasks/shared/package.json
RUN find backstage-modules -name node_modules -prune -exec rm -rf {} + \
  && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: non-root, production mode, only what the backend needs.
FROM ${NODE_IMAGE}
# The CA bundle that app-config.production.yaml verifies PostgreSQL's certificate against
# (POSTGRES_CA_FILE defaults to it).
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/backstage-modules ./backstage-modules
# uid 1000 is the image's `node` user; numeric so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
WORKDIR /app/backstage-modules/backend
EXPOSE 7007
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7007/.backstage/health/v1/readiness').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# = `npm run start:production -w backend`, without npm in between so that SIGTERM reaches node.
# src/instrumentation.js loads OpenTelemetry first when an exporter is configured
# (APPLICATIONINSIGHTS_CONNECTION_STRING, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_METRICS_EXPORTER=prometheus).
CMD ["node", "--require", "./src/instrumentation.js", "--enable-source-maps", "dist/index.js", "--config", "app-config.yaml", "--config", "app-config.production.yaml"]
