// Draws the extension icon (128×128) and the task icons (32×32) as PNGs with zlib only:
// no image tools, no downloads. The picture is a stage door: a dark teal tile with an
// open light door and a warm light spilling out. Re-run after changing the drawing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes RGBA pixels (Uint8Array, row-major) as a PNG. */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(
      raw,
      y * (size * 4 + 1) + 1,
    );
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Samples the drawing at (u, v) in [0, 1]² and returns [r, g, b, a]. */
function shade(u, v, accent) {
  const r = 0.18; // corner radius of the tile
  const cx = Math.min(Math.max(u, r), 1 - r);
  const cy = Math.min(Math.max(v, r), 1 - r);
  if (Math.hypot(u - cx, v - cy) > r) return [0, 0, 0, 0];
  // Door frame and the open door leaf.
  const inFrame = u > 0.3 && u < 0.7 && v > 0.2 && v < 0.86;
  const inOpening = u > 0.36 && u < 0.64 && v > 0.26 && v < 0.86;
  const leafTop = 0.26 + (u - 0.36) * 0.25;
  const inLeaf =
    u > 0.36 && u < 0.5 && v > leafTop && v < 0.86 + (u - 0.36) * 0.1;
  if (inLeaf) return [0x1f, 0x4e, 0x5a, 255];
  if (inOpening) return [...accent, 255];
  if (inFrame) return [0xf4, 0xf1, 0xea, 255];
  // Light spilling onto the floor.
  if (v > 0.86 && v < 0.94 && Math.abs(u - 0.5) < 0.14 + (v - 0.86) * 1.5)
    return [...accent, 160];
  return [0x12, 0x3a, 0x44, 255];
}

/** Renders with 4×4 supersampling so small icons keep clean edges. */
function render(size, accent) {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const [r, g, b, a] = shade(
            (x + (sx + 0.5) / n) / size,
            (y + (sy + 0.5) / n) / size,
            accent,
          );
          acc[0] += r * a;
          acc[1] += g * a;
          acc[2] += b * a;
          acc[3] += a;
        }
      }
      const i = (y * size + x) * 4;
      const alpha = acc[3] / (n * n);
      out[i] = acc[3] ? Math.round(acc[0] / acc[3]) : 0;
      out[i + 1] = acc[3] ? Math.round(acc[1] / acc[3]) : 0;
      out[i + 2] = acc[3] ? Math.round(acc[2] / acc[3]) : 0;
      out[i + 3] = Math.round(alpha);
    }
  }
  return png(size, out);
}

const warm = [0xf6, 0xb9, 0x3b];
const targets = [
  ['images/icon.png', 128, warm],
  // One accent per task so they are told apart in the task picker.
  ['tasks/BackstageCatalogValidateV1/icon.png', 32, [0x7c, 0xd9, 0x92]],
  ['tasks/BackstageCatalogNotifyV1/icon.png', 32, warm],
  ['tasks/BackstageTechDocsPublishV1/icon.png', 32, [0x8a, 0xb8, 0xf7]],
];
for (const [path, size, accent] of targets) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), render(size, accent));
}
