import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { requiredProductionVariables } from './productionEnv';

const aksDir = path.resolve(__dirname, '../../deploy/aks');

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Every Kubernetes object in deploy/aks (kustomization.yaml is kustomize's, not the API's). */
function loadManifests(): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of fs
    .readdirSync(aksDir)
    .filter(f => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(
      fs.readFileSync(path.join(aksDir, file), 'utf8'),
    )) {
      assert.deepEqual(doc.errors, [], `${file} is not valid YAML`);
      const value = doc.toJS();
      if (value) manifests.push({ file, ...value });
    }
  }
  return manifests;
}

/*
 * The schemas come from the npm package kubernetes-models (generated from the Kubernetes
 * OpenAPI spec, validators precompiled, nothing fetched). They check types, formats, enums and
 * required fields but, like the API server without --validate=strict, not unknown fields;
 * the cross-checks below cover the fields that matter here.
 */
async function modelFor(apiVersion: string, kind: string) {
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  const mod = (await import(modulePath)) as Record<
    string,
    new (data: unknown) => { validate(): void }
  >;
  return mod[kind];
}

describe('AKS manifests', function () {
  this.timeout(60_000);
  const manifests = loadManifests();
  const find = (kind: string) => {
    const found = manifests.filter(m => m.kind === kind);
    assert.equal(
      found.length,
      1,
      `expected one ${kind}, found ${found.length}`,
    );
    return found[0];
  };

  it('validate against the Kubernetes schemas, offline', async () => {
    const ajv = new Ajv({ allErrors: true });
    const validateSpc = ajv.compile(
      JSON.parse(
        fs.readFileSync(
          path.join(__dirname, 'schemas/secretproviderclass-v1.json'),
          'utf8',
        ),
      ),
    );
    for (const { file, ...manifest } of manifests) {
      if (manifest.kind === 'SecretProviderClass') {
        assert.ok(
          validateSpc(manifest),
          `${file}: ${ajv.errorsText(validateSpc.errors)}`,
        );
        continue;
      }
      const Model = await modelFor(manifest.apiVersion, manifest.kind);
      assert.ok(
        Model,
        `${file}: no schema for ${manifest.apiVersion} ${manifest.kind}`,
      );
      assert.doesNotThrow(
        () => new Model(manifest).validate(),
        `${file} (${manifest.kind})`,
      );
    }
  });

  it('catches a schema violation (the validators are live)', async () => {
    const deployment = find('Deployment');
    const Model = await modelFor('apps/v1', 'Deployment');
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    assert.throws(() => new Model(broken).validate(), /replicas/);
  });

  it('lists every manifest in the kustomization, and maps its image', () => {
    const kustomization = parseAllDocuments(
      fs.readFileSync(path.join(aksDir, 'kustomization.yaml'), 'utf8'),
    )[0].toJS();
    const files = [...new Set(manifests.map(m => m.file))].sort();
    assert.deepEqual([...kustomization.resources].sort(), files);
    const image = find('Deployment').spec.template.spec.containers[0].image;
    assert.ok(
      kustomization.images.some((i: { name: string }) => i.name === image),
      `no images entry for ${image}`,
    );
    for (const m of manifests.filter(x => x.kind !== 'Namespace')) {
      assert.equal(
        m.metadata.namespace,
        kustomization.namespace,
        `${m.file} namespace`,
      );
    }
  });

  it('runs two or more replicas with a 1Gi memory limit, as non-root, probing the real health endpoints', () => {
    const spec = find('Deployment').spec;
    assert.ok(spec.replicas >= 2);
    const pod = spec.template.spec;
    const [container] = pod.containers;
    assert.equal(container.resources.limits.memory, '1Gi');
    assert.ok(
      container.resources.requests.cpu && container.resources.requests.memory,
    );
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    const port = container.ports.find(
      (p: { name: string }) => p.name === 'http',
    );
    assert.equal(port.containerPort, 7007);
    assert.equal(
      container.readinessProbe.httpGet.path,
      '/.backstage/health/v1/readiness',
    );
    assert.equal(
      container.livenessProbe.httpGet.path,
      '/.backstage/health/v1/liveness',
    );
    // Start-up ends at readiness, within a bound: a replica whose start-up failed and is
    // live but never ready gets restarted (issue #27).
    assert.equal(
      container.startupProbe.httpGet.path,
      '/.backstage/health/v1/readiness',
    );
    const startupBudget =
      container.startupProbe.periodSeconds *
      container.startupProbe.failureThreshold;
    assert.ok(
      startupBudget >= 60 && startupBudget <= 600,
      `the startup probe gives ${startupBudget} s; keep it between 1 and 10 minutes`,
    );
    for (const probe of [
      container.readinessProbe,
      container.livenessProbe,
      container.startupProbe,
    ]) {
      assert.equal(probe.httpGet.port, 'http');
    }
    assert.doesNotMatch(JSON.stringify(spec), /\/healthcheck/);
  });

  it('selects the Deployment’s pods from the Service, the PodDisruptionBudget and the Ingress', () => {
    const deployment = find('Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    const matches = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    assert.ok(matches(deployment.spec.selector.matchLabels));
    const service = find('Service');
    assert.ok(matches(service.spec.selector), 'service selector');
    const pdb = find('PodDisruptionBudget');
    assert.ok(matches(pdb.spec.selector.matchLabels), 'pdb selector');
    assert.ok(
      pdb.spec.minAvailable < deployment.spec.replicas,
      'the PDB must allow a drain',
    );
    const ingressBackend =
      find('Ingress').spec.rules[0].http.paths[0].backend.service;
    assert.equal(ingressBackend.name, service.metadata.name);
    assert.ok(
      service.spec.ports.some(
        (p: { name: string }) => p.name === ingressBackend.port.name,
      ),
    );
    assert.equal(service.spec.ports[0].targetPort, 'http');
  });

  it('gives the pods the Azure workload identity through their ServiceAccount', () => {
    const sa = find('ServiceAccount');
    const pod = find('Deployment').spec.template;
    assert.equal(pod.spec.serviceAccountName, sa.metadata.name);
    assert.equal(pod.metadata.labels['azure.workload.identity/use'], 'true');
    const clientId =
      sa.metadata.annotations?.['azure.workload.identity/client-id'];
    assert.match(clientId ?? '', /^[0-9a-f-]{36}$/);
    const spc = find('SecretProviderClass');
    assert.equal(
      spc.spec.parameters.clientID,
      clientId,
      'Key Vault is read with the same identity',
    );
    assert.equal(spc.spec.parameters.usePodIdentity, 'false');
  });

  it('mounts the Key Vault SecretProviderClass and takes every secret from it', () => {
    const pod = find('Deployment').spec.template.spec;
    const spc = find('SecretProviderClass');
    const volume = pod.volumes.find(
      (v: { csi?: { driver: string } }) =>
        v.csi?.driver === 'secrets-store.csi.k8s.io',
    );
    assert.equal(
      volume.csi.volumeAttributes.secretProviderClass,
      spc.metadata.name,
    );
    assert.ok(
      pod.containers[0].volumeMounts.some(
        (m: { name: string }) => m.name === volume.name,
      ),
    );
    const secretRef = pod.containers[0].envFrom.find(
      (e: { secretRef?: { name: string } }) => e.secretRef,
    ).secretRef.name;
    assert.deepEqual(
      spc.spec.secretObjects.map((s: { secretName: string }) => s.secretName),
      [secretRef],
    );
    const objects = [
      ...spc.spec.parameters.objects.matchAll(/objectName: (\S+)/g),
    ]
      .map(m => m[1])
      .sort();
    const synced = spc.spec.secretObjects[0].data
      .map((d: { objectName: string }) => d.objectName)
      .sort();
    assert.deepEqual(synced, objects);
  });

  it('sets every variable the production config requires, and keeps secrets out of the ConfigMap', () => {
    const configMap = find('ConfigMap').data as Record<string, string>;
    const secretKeys = find(
      'SecretProviderClass',
    ).spec.secretObjects[0].data.map((d: { key: string }) => d.key);
    const provided = new Set([...Object.keys(configMap), ...secretKeys]);
    const missing = requiredProductionVariables().filter(
      name => !provided.has(name),
    );
    assert.deepEqual(missing, []);
    for (const key of Object.keys(configMap)) {
      assert.doesNotMatch(
        key,
        /SECRET|PASSWORD|TOKEN|_KEY$/,
        `${key} belongs in Key Vault`,
      );
    }
    // Passwordless PostgreSQL with the workload identity: no password anywhere.
    assert.equal(configMap.POSTGRES_AUTH_TYPE, 'azure');
    assert.ok(!provided.has('POSTGRES_PASSWORD'));
  });
});
