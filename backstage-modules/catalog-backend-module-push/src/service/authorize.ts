import type { PushRule } from '../config';
import { KindsNotAllowedError, SourceNotAllowedError } from './errors';

/** Turns `*` (one segment) and `**` (anything) into an anchored, case-insensitive RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') {
      out += '[^/]*';
    } else {
      out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`, 'i');
}

const EXTERNAL_PREFIX = 'external:';

/**
 * The subject of an external-access principal without the `external:` prefix. Backstage
 * releases up to backend-defaults 0.18 report a static token's subject as
 * `external:<subject>`; later ones report `<subject>` alone. Rules may be written either way
 * and match on every release.
 */
function withoutExternalPrefix(subject: string): string {
  return subject.startsWith(EXTERNAL_PREFIX)
    ? subject.slice(EXTERNAL_PREFIX.length)
    : subject;
}

function principalMatches(pattern: string, subject: string): boolean {
  if (pattern === '*') return true;
  return (
    pattern === subject ||
    withoutExternalPrefix(pattern) === withoutExternalPrefix(subject)
  );
}

/** What the rule that let a push through allows. */
export interface Grant {
  rule: PushRule;
}

/**
 * Finds the first rule that lets `subject` push `repoPath` (`org/project/repo`).
 * Deny by default: throws SourceNotAllowedError (403) when none matches.
 */
export function authorizeSource(
  rules: PushRule[],
  subject: string,
  repoPath: string,
): Grant {
  const rule = rules.find(
    r =>
      r.principals.some(p => principalMatches(p, subject)) &&
      r.sources.some(s => globToRegExp(s).test(repoPath)),
  );
  if (!rule) {
    throw new SourceNotAllowedError({ subject, repository: repoPath });
  }
  return { rule };
}

/** Throws KindsNotAllowedError (403) naming every kind the grant does not allow. */
export function authorizeKinds(grant: Grant, kinds: Iterable<string>): void {
  const forbidden = new Set<string>();
  for (const kind of kinds) {
    const k = kind.toLowerCase();
    if (
      grant.rule.deniedKinds.has(k) ||
      (grant.rule.kinds && !grant.rule.kinds.has(k))
    ) {
      forbidden.add(kind);
    }
  }
  if (forbidden.size > 0) {
    throw new KindsNotAllowedError([...forbidden]);
  }
}
