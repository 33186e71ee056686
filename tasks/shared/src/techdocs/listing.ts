/**
 * A lean List Blobs for the incremental publish. After a one-page change the
 * listing is most of the run, and most of the listing was the SDK turning the
 * XML page into typed objects (`fast-xml-parser`, then `@azure/core-client`'s
 * mapper: ≈ 0.2 s of CPU for 1,000 blobs) only for us to keep each blob's name
 * and Content-MD5. {@link PublishContainerClient.listNamesAndMd5} sends the
 * same List Blobs request through the client's own pipeline (credential,
 * retries, server timeout, user agent) and reads just those two fields.
 */
import {
  createHttpHeaders,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import { ContainerClient, RestError } from '@azure/storage-blob';

/** One page of a List Blobs answer: `[name, base64 Content-MD5 or '']` and the marker of the next page. */
export interface BlobListPage {
  blobs: [name: string, md5: string][];
  /** '' on the last page. */
  nextMarker: string;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** Text of an XML element with the five named entities and character references resolved. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1));
      return String.fromCodePoint(code);
    }
    return ENTITIES[ref] ?? whole;
  });
}

const BLOB = /<Blob>([\s\S]*?)<\/Blob>/g;
const NAME = /<Name(\s+Encoded="true")?\s*>([^<]*)<\/Name>/;
const MD5 = /<Content-MD5>([^<]*)<\/Content-MD5>/;
const NEXT_MARKER = /<NextMarker>([^<]*)<\/NextMarker>/;

/**
 * Reads the names and Content-MD5 values out of a List Blobs (flat) answer.
 * Names the service had to percent-encode (`<Name Encoded="true">`, for
 * characters XML cannot carry) are decoded, as the SDK does.
 */
export function parseBlobListPage(xml: string): BlobListPage {
  if (
    !xml.includes('<EnumerationResults') ||
    !xml.trimEnd().endsWith('</EnumerationResults>')
  ) {
    throw new Error(
      `List Blobs answered something that is not a complete blob listing: ${xml.slice(0, 200)}`,
    );
  }
  const blobs: BlobListPage['blobs'] = [];
  for (const [, blob] of xml.matchAll(BLOB)) {
    const name = NAME.exec(blob);
    if (!name) throw new Error(`List Blobs returned a blob without a name`);
    const text = decodeXmlText(name[2]);
    blobs.push([
      name[1] ? decodeURIComponent(text) : text,
      (MD5.exec(blob)?.[1] ?? '').trim(),
    ]);
  }
  return { blobs, nextMarker: decodeXmlText(NEXT_MARKER.exec(xml)?.[1] ?? '') };
}

/** Tries of one listing page whose body breaks off or comes back incomplete (status errors are retried by the pipeline). */
const BODY_TRIES = 4;

/**
 * A {@link ContainerClient} that can also list blob names with their
 * Content-MD5 without the SDK's typed deserialisation. Build it like a
 * ContainerClient (connection string and container name, or URL and
 * credential, plus pipeline options).
 */
export class PublishContainerClient extends ContainerClient {
  /** Every blob under `prefix` (all pages): name → base64 Content-MD5 ('' if the blob has none). */
  async listNamesAndMd5(
    prefix: string,
    pageSize = 5000,
  ): Promise<Map<string, string>> {
    const published = new Map<string, string>();
    let marker = '';
    do {
      const page = await this.listPage(prefix, pageSize, marker);
      for (const [name, md5] of page.blobs) published.set(name, md5);
      marker = page.nextMarker;
    } while (marker);
    return published;
  }

  private async listPage(
    prefix: string,
    pageSize: number,
    marker: string,
  ): Promise<BlobListPage> {
    const query = [
      'restype=container',
      'comp=list',
      `prefix=${encodeURIComponent(prefix)}`,
      `maxresults=${pageSize}`,
      ...(marker ? [`marker=${encodeURIComponent(marker)}`] : []),
    ].join('&');
    // The container URL may carry a SAS query already.
    const url = `${this.url}${this.url.includes('?') ? '&' : '?'}${query}`;
    for (let attempt = 1; ; attempt++) {
      const request = createPipelineRequest({
        url,
        method: 'GET',
        headers: createHttpHeaders({
          accept: 'application/xml',
          'x-ms-version': this.storageClientContext.version,
        }),
        // As the SDK's own requests: the endpoint's scheme decides (Azurite is plain HTTP).
        allowInsecureConnection: true,
      });
      // Keep the 200 body as a stream so the pipeline does not parse it as XML.
      request.streamResponseStatusCodes = new Set([200]);
      const response = await this.storageClientContext.sendRequest(request);
      if (response.status !== 200) {
        const code = response.headers.get('x-ms-error-code') ?? undefined;
        throw new RestError(
          `List Blobs failed: HTTP ${response.status}${code ? ` ${code}` : ''}`,
          { statusCode: response.status, code, request, response },
        );
      }
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody ?? [])
          chunks.push(chunk as Buffer);
        return parseBlobListPage(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        if (attempt >= BODY_TRIES) throw error;
      }
    }
  }
}
