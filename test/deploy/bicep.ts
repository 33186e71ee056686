/**
 * Just enough of Bicep's syntax to check the Container Apps templates structurally: the
 * `bicep` CLI is a .NET binary downloaded from GitHub releases, which these machines cannot
 * reach, so the real compiler does not run in tests. What this reads: declarations, module
 * references with their `params` blocks, and bracket balance outside strings and comments.
 */
import fs from 'node:fs';

export interface BicepParam {
  name: string;
  type: string;
  hasDefault: boolean;
  secure: boolean;
}

export interface BicepModuleRef {
  symbol: string;
  path: string;
  params: string[];
}

export interface BicepFile {
  text: string;
  /** The text with comments and string contents blanked, for identifier searches. */
  code: string;
  params: BicepParam[];
  symbols: string[];
  modules: BicepModuleRef[];
}

/** Blanks comments and the contents of '…' strings (keeping ${…} interpolations). */
export function stripCommentsAndStrings(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'") {
      out += "'";
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\') {
          i += 2;
        } else if (text[i] === '$' && text[i + 1] === '{') {
          out += '$';
          i++;
          let depth = 0;
          do {
            if (text[i] === '{') depth++;
            if (text[i] === '}') depth--;
            out += text[i++];
          } while (i < text.length && depth > 0);
        } else {
          i++;
        }
      }
      out += "'";
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The keys at the top level of the `{ … }` block that starts at `open`. */
function topLevelKeys(code: string, open: number): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if ('{[('.includes(c)) depth++;
    if ('}])'.includes(c)) {
      depth--;
      if (depth === 0) break;
    }
    if (depth === 1 && (c === '\n' || c === '{')) {
      const match = /^\s*([A-Za-z_]\w*)\s*:/.exec(
        code.slice(i + 1, code.indexOf('\n', i + 1)),
      );
      if (match) keys.push(match[1]);
    }
  }
  return keys;
}

export function readBicep(file: string): BicepFile {
  const text = fs.readFileSync(file, 'utf8');
  const code = stripCommentsAndStrings(text);
  const params: BicepParam[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const match = /^param\s+(\w+)\s+(\w+)(\s*=)?/.exec(line);
    if (!match) return;
    let secure = false;
    for (let j = index - 1; j >= 0 && lines[j].startsWith('@'); j--) {
      if (lines[j].startsWith('@secure()')) secure = true;
    }
    params.push({
      name: match[1],
      type: match[2],
      hasDefault: Boolean(match[3]),
      secure,
    });
  });
  const symbols = [
    ...code.matchAll(/^(?:param|var|resource|module|output)\s+(\w+)/gm),
  ].map(m => m[1]);
  const modules: BicepModuleRef[] = [];
  for (const match of text.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*\{/gm)) {
    const start = code.indexOf(`module ${match[1]} `);
    const paramsAt = code.indexOf('params:', start);
    const open = code.indexOf('{', paramsAt);
    modules.push({
      symbol: match[1],
      path: match[2],
      params: topLevelKeys(code, open),
    });
  }
  return { text, code, params, symbols, modules };
}

/** Unbalanced brackets outside strings and comments, as messages. */
export function bracketProblems(code: string): string[] {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: { c: string; line: number }[] = [];
  const problems: string[] = [];
  let line = 1;
  for (const c of code) {
    if (c === '\n') line++;
    if ('([{'.includes(c)) stack.push({ c, line });
    if (')]}'.includes(c)) {
      const top = stack.pop();
      if (!top || top.c !== pairs[c])
        problems.push(`unexpected '${c}' on line ${line}`);
    }
  }
  for (const open of stack)
    problems.push(`'${open.c}' opened on line ${open.line} is never closed`);
  return problems;
}
