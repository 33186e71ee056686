/**
 * A real catalog backend (catalog-backend + the scaffolder entity model module) started with
 * startTestBackend, plus a loopback file server standing in for the repository, so that the
 * catalog can resolve `$text`/`$json`/`$yaml` placeholders and Location targets the way it does
 * for a registered `url:` location. Used to ask the catalog for its verdict on a document.
 */
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { parseEntityYaml } from '@backstage/plugin-catalog-node';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the file server answers for any path: the type is what matters to the schemas. */
function contentFor(path: string): string {
  if (/\.json$/i.test(path)) return '{}';
  if (/\.ya?ml$/i.test(path)) {
    // A Location target is read and its entities are emitted; a Component is an allowed kind.
    return 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: served-by-fixture\nspec:\n  type: service\n  lifecycle: production\n  owner: fixture\n';
  }
  return 'placeholder text';
}

/**
 * Points absolute URLs the catalog would read (placeholders, Location targets) at the loopback
 * file server: whether some host on the internet answers is not a property of the document,
 * and no test may reach beyond loopback.
 */
function toLoopback(entity: any, base: string): unknown {
  const rewrite = (url: string) =>
    /^[a-z][a-z0-9+.-]*:\/\//i.test(url)
      ? `${base}/abs/${url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`
      : url;
  const walk = (v: any): any => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (
      keys.length === 1 &&
      ['$text', '$json', '$yaml'].includes(keys[0]) &&
      typeof v[keys[0]] === 'string'
    ) {
      return { [keys[0]]: rewrite(v[keys[0]]) };
    }
    return Object.fromEntries(keys.map(k => [k, walk(v[k])]));
  };
  const out = walk(entity);
  if (out?.kind === 'Location' && out.spec && typeof out.spec === 'object') {
    if (typeof out.spec.target === 'string')
      out.spec.target = rewrite(out.spec.target);
    if (Array.isArray(out.spec.targets)) {
      out.spec.targets = out.spec.targets.map((t: unknown) =>
        typeof t === 'string' ? rewrite(t) : t,
      );
    }
  }
  return out;
}

export interface CatalogUnderTest {
  /** The catalog's verdict per YAML document of `text` as it would read it at `path`. */
  verdicts(
    path: string,
    text: string,
  ): Promise<{ ok: boolean; detail: string }[]>;
  stop(): Promise<void>;
}

export async function startCatalog(): Promise<CatalogUnderTest> {
  const files: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(contentFor(req.url ?? '/'));
  });
  await new Promise<void>(resolve => files.listen(0, '127.0.0.1', resolve));
  const filesPort = (files.address() as AddressInfo).port;

  const backend: TestBackend = await startTestBackend({
    features: [
      catalogPlugin,
      scaffolderEntityModel,
      mockServices.rootConfig.factory({
        data: {
          backend: { reading: { allow: [{ host: `127.0.0.1:${filesPort}` }] } },
          catalog: { processingInterval: { minutes: 60 } },
        },
      }),
    ],
  });
  const base = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}/api/catalog`;

  async function validateEntity(entity: unknown, location: string) {
    const res = await fetch(`${base}/validate-entity`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${mockCredentialsToken}`,
      },
      body: JSON.stringify({ entity, location }),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 200) return { ok: true, detail: '' };
    const body = await res.text();
    if (res.status !== 400)
      throw new Error(`validate-entity answered ${res.status}: ${body}`);
    return { ok: false, detail: body.slice(0, 400) };
  }

  return {
    async verdicts(path, text) {
      const location = {
        type: 'url',
        target: `http://127.0.0.1:${filesPort}/repo/${path}`,
      };
      const out: { ok: boolean; detail: string }[] = [];
      try {
        for (const result of parseEntityYaml(
          Buffer.from(text, 'utf8'),
          location,
        )) {
          if (result.type === 'entity') {
            out.push(
              await validateEntity(
                toLoopback(result.entity, `http://127.0.0.1:${filesPort}`),
                `url:${location.target}`,
              ),
            );
          } else if (result.type === 'error') {
            out.push({ ok: false, detail: result.error.message.slice(0, 300) });
          }
        }
      } catch (e) {
        // parseEntityYaml lets an alias bomb's ReferenceError escape: the catalog fails the file.
        out.push({ ok: false, detail: String(e).slice(0, 300) });
      }
      return out;
    },
    async stop() {
      await backend.stop();
      await new Promise(resolve => files.close(resolve));
    },
  };
}

// startTestBackend's default auth services accept this mock user token.
const mockCredentialsToken = 'mock-user-token';
