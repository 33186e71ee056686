import assert from 'node:assert/strict';
import {
  decodeXmlText,
  parseBlobListPage,
} from '../../tasks/shared/src/techdocs/listing';

const page = (blobs: string, tail = '<NextMarker/>') =>
  `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://a.blob.core.windows.net/" ContainerName="docs"><Prefix>default/</Prefix><MaxResults>5000</MaxResults><Blobs>${blobs}</Blobs>${tail}</EnumerationResults>`;

const blob = (name: string, md5?: string, nameAttrs = '') =>
  `<Blob><Name${nameAttrs}>${name}</Name><Properties><Creation-Time>Sat, 28 Nov 2026 19:00:00 GMT</Creation-Time><Content-Length>4</Content-Length><Content-Type>text/html</Content-Type>${
    md5 === undefined ? '<Content-MD5 />' : `<Content-MD5>${md5}</Content-MD5>`
  }<BlobType>BlockBlob</BlobType></Properties><OrMetadata /></Blob>`;

describe('techdocs List Blobs reader', () => {
  const cases: [string, string, [string, string][], string][] = [
    ['an empty container', page(''), [], ''],
    [
      'names and Content-MD5 of each blob',
      page(blob('a/index.html', 'AAA=') + blob('b.css', 'BBB=')),
      [
        ['a/index.html', 'AAA='],
        ['b.css', 'BBB='],
      ],
      '',
    ],
    [
      "a blob without Content-MD5 as ''",
      page(blob('x.bin') + blob('y.bin', '')),
      [
        ['x.bin', ''],
        ['y.bin', ''],
      ],
      '',
    ],
    [
      'escaped names',
      page(blob('a &amp; b/&lt;c&gt; &quot;d&quot; &apos;e&apos;.html', 'M=')),
      [[`a & b/<c> "d" 'e'.html`, 'M=']],
      '',
    ],
    [
      'character references',
      page(blob('tab&#9;here/&#x20AC;.html', 'M=')),
      [['tab\there/€.html', 'M=']],
      '',
    ],
    [
      'names the service percent-encoded',
      page(blob('bad%EF%BF%BFchar%01.html', 'M=', ' Encoded="true"')),
      [['bad\uffffchar\u0001.html', 'M=']],
      '',
    ],
    [
      'the marker of the next page',
      page(
        blob('a', 'M='),
        '<NextMarker>2!72!MDAwMDE0IWRlZmF1bHQvYiE-</NextMarker>',
      ),
      [['a', 'M=']],
      '2!72!MDAwMDE0IWRlZmF1bHQvYiE-',
    ],
  ];
  for (const [what, xml, blobs, nextMarker] of cases) {
    it(`reads ${what}`, () => {
      assert.deepEqual(parseBlobListPage(xml), { blobs, nextMarker });
    });
  }

  it('refuses an answer that is not a complete listing', () => {
    const whole = page(blob('a', 'M=') + blob('b', 'N='));
    assert.throws(
      () => parseBlobListPage(whole.slice(0, whole.length / 2)),
      /not a complete blob listing/,
    );
    assert.throws(
      () => parseBlobListPage('<Error><Code>ServerBusy</Code></Error>'),
      /not a complete blob listing/,
    );
  });

  it('leaves text without references alone and unknown entities as written', () => {
    assert.equal(decodeXmlText('plain/name.html'), 'plain/name.html');
    assert.equal(decodeXmlText('&nbsp;&amp;'), '&nbsp;&');
  });
});
