import type { Problem } from '../problems';

/** Default limit on a catalog file's size: far above any real catalog file, far below what hurts. */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

function problemAt(
  file: string,
  line: number,
  column: number,
  rule: string,
  message: string,
): Problem {
  return { file, line, column, severity: 'error', rule, message };
}

function positionOf(
  text: string,
  index: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/**
 * Turns a file's content into text, or into the one problem that explains why it cannot be
 * a catalog file: too large, binary, or not UTF-8. Never throws.
 */
export function decodeCatalogFile(
  file: string,
  content: string | Uint8Array,
  maxBytes = DEFAULT_MAX_FILE_BYTES,
): { text: string } | { problem: Problem } {
  const size =
    typeof content === 'string'
      ? Buffer.byteLength(content, 'utf8')
      : content.byteLength;
  if (size > maxBytes) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    return {
      problem: problemAt(
        file,
        1,
        1,
        'file/too-large',
        `The file is ${mb(size)}, more than the ${mb(maxBytes)} a catalog file may have; split it or exclude it from the file patterns.`,
      ),
    };
  }
  let text: string;
  if (typeof content === 'string') {
    text = content;
  } else {
    const head = content.subarray(0, 8192);
    if (head.includes(0)) {
      return {
        problem: problemAt(
          file,
          1,
          1,
          'file/binary',
          'The file is binary (it contains NUL bytes), not a YAML catalog file; exclude it from the file patterns.',
        ),
      };
    }
    try {
      text = utf8.decode(content);
    } catch {
      const loose = lenient.decode(content);
      const at = positionOf(loose, Math.max(0, loose.indexOf('\uFFFD')));
      return {
        problem: problemAt(
          file,
          at.line,
          at.column,
          'file/encoding',
          'The file is not valid UTF-8; save it as UTF-8.',
        ),
      };
    }
  }
  // A BOM is legal YAML but trips some tools; yaml skips it, so nothing to report.
  if (text.includes('\u0000')) {
    const at = positionOf(text, text.indexOf('\u0000'));
    return {
      problem: problemAt(
        file,
        at.line,
        at.column,
        'file/binary',
        'The file contains NUL characters; it is not a YAML text file.',
      ),
    };
  }
  return { text };
}
