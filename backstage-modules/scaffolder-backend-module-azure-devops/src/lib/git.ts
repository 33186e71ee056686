import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { InputError, NotFoundError } from '@backstage/errors';
import type { AzureDevOpsClient } from './client';

/** The commit id Azure DevOps uses for "no commit" (a new branch in an empty repository). */
export const ZERO_COMMIT = '0'.repeat(40);

/** `main` or `refs/heads/main` → `refs/heads/main`. */
export function fullRef(branch: string): string {
  return branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
}

/** `refs/heads/main` → `main`. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

/** The git blob id of a file's content: equal ids mean equal content. */
export function blobId(content: Buffer): string {
  return createHash('sha1')
    .update(`blob ${content.length}\0`)
    .update(content)
    .digest('hex');
}

/**
 * The files below `dir` (a workspace or a folder in it), by path relative to it
 * with forward slashes; `.git` folders are skipped. Throws when `sub` leaves `root`.
 */
export async function readFolder(
  root: string,
  sub = '.',
): Promise<Map<string, Buffer>> {
  const dir = resolve(root, sub);
  if (dir !== resolve(root) && !dir.startsWith(resolve(root) + sep)) {
    throw new InputError(
      `sourcePath '${sub}' leaves the workspace; use a folder inside it.`,
    );
  }
  const files = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new InputError(
          `sourcePath '${sub}' does not exist in the workspace — check the earlier steps that write it.`,
        );
      throw e;
    }
    for (const e of entries) {
      if (e.name === '.git') continue;
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile())
        files.set(
          relative(dir, full).split(sep).join('/'),
          await fs.readFile(full),
        );
    }
  };
  await walk(dir);
  return files;
}

/** A repository path from a folder in it and a relative file path: `/a/b.txt`. */
export function repoPath(targetPath: string | undefined, file: string): string {
  return posix.join('/', targetPath ?? '', file);
}

interface RefList {
  value: { name: string; objectId: string }[];
}

/** The head commit of a branch, or undefined when it does not exist. */
export async function branchHead(
  client: AzureDevOpsClient,
  project: string,
  repositoryId: string,
  branch: string,
): Promise<string | undefined> {
  const ref = fullRef(branch);
  const refs = await client.request<RefList>(
    'GET',
    `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/refs?filter=${encodeURIComponent(ref.slice(5))}`,
  );
  return refs.value.find(r => r.name.toLowerCase() === ref.toLowerCase())
    ?.objectId;
}

/** Files (path → blob id) below `scopePath` on a branch; empty when the folder does not exist. */
export async function listFiles(
  client: AzureDevOpsClient,
  project: string,
  repositoryId: string,
  branch: string,
  scopePath = '/',
): Promise<Map<string, string>> {
  try {
    const items = await client.request<{
      value: { path: string; isFolder?: boolean; objectId: string }[];
    }>(
      'GET',
      `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/items?scopePath=${encodeURIComponent(scopePath)}&recursionLevel=full&versionDescriptor.version=${encodeURIComponent(shortRef(branch))}&versionDescriptor.versionType=branch`,
    );
    return new Map(
      items.value.filter(i => !i.isFolder).map(i => [i.path, i.objectId]),
    );
  } catch (e) {
    if (e instanceof NotFoundError) return new Map();
    throw e;
  }
}

/** The content of one file on a branch. */
export async function readFile(
  client: AzureDevOpsClient,
  project: string,
  repositoryId: string,
  branch: string,
  path: string,
): Promise<Buffer> {
  const item = await client.request<{ content: string }>(
    'GET',
    `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/items?path=${encodeURIComponent(path)}&$format=json&versionDescriptor.version=${encodeURIComponent(shortRef(branch))}&versionDescriptor.versionType=branch`,
  );
  return Buffer.from(item.content ?? '', 'utf8');
}

/** One file change of a push. */
export interface FileChange {
  path: string;
  changeType: 'add' | 'edit';
  content: Buffer;
}

/** The changes that make `remote` (path → blob id) hold `local` below `targetPath`; unchanged files are left out. */
export function planChanges(
  local: Map<string, Buffer>,
  remote: Map<string, string>,
  targetPath?: string,
): FileChange[] {
  const changes: FileChange[] = [];
  for (const [file, content] of [...local].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const path = repoPath(targetPath, file);
    const existing = [...remote].find(
      ([p]) => p.toLowerCase() === path.toLowerCase(),
    );
    if (!existing) changes.push({ path, changeType: 'add', content });
    else if (existing[1] !== blobId(content))
      changes.push({ path: existing[0], changeType: 'edit', content });
  }
  return changes;
}

/**
 * One commit with `changes` on `branch` through the Pushes API. A branch that
 * does not exist yet starts at `baseCommit` (the target branch's head, or
 * {@link ZERO_COMMIT} in an empty repository). Returns the new commit id.
 */
export async function pushCommit(
  client: AzureDevOpsClient,
  project: string,
  repositoryId: string,
  options: {
    branch: string;
    oldObjectId: string;
    comment: string;
    changes: FileChange[];
    /** Default: the identity that pushes. */
    author?: { name?: string; email?: string };
  },
): Promise<string> {
  const push = await client.request<{
    refUpdates: { newObjectId: string }[];
    commits: { commitId: string }[];
  }>(
    'POST',
    `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/pushes`,
    {
      refUpdates: [
        { name: fullRef(options.branch), oldObjectId: options.oldObjectId },
      ],
      commits: [
        {
          comment: options.comment,
          ...(options.author
            ? { author: { ...options.author, date: new Date().toISOString() } }
            : {}),
          changes: options.changes.map(c => ({
            changeType: c.changeType,
            item: { path: c.path },
            newContent: {
              content: c.content.toString('base64'),
              contentType: 'base64encoded',
            },
          })),
        },
      ],
    },
  );
  return push.commits[0]?.commitId ?? push.refUpdates[0]?.newObjectId ?? '';
}

/** A repository named by its clone URL. */
export interface RemoteRepository {
  organizationUrl: string;
  project: string;
  repository: string;
}

/**
 * Reads an Azure Repos clone URL: `https://dev.azure.com/{org}/{project}/_git/{repo}`
 * (with or without `{org}@`), `https://{org}.visualstudio.com/{project}/_git/{repo}`,
 * or an Azure DevOps Server `https://{host}/{collection path}/{project}/_git/{repo}`.
 */
export function parseRemoteUrl(remoteUrl: string): RemoteRepository {
  let url: URL;
  try {
    url = new URL(remoteUrl);
  } catch {
    throw new InputError(
      `remoteUrl '${remoteUrl}' is not a URL; use https://dev.azure.com/{organization}/{project}/_git/{repository}.`,
    );
  }
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const git = parts.indexOf('_git');
  if (git < 1 || git !== parts.length - 2) {
    throw new InputError(
      `remoteUrl '${url.origin}${url.pathname}' is not an Azure Repos clone URL; use https://dev.azure.com/{organization}/{project}/_git/{repository}.`,
    );
  }
  const project = parts[git - 1];
  const collection = parts.slice(0, git - 1);
  let host = url.host;
  if (collection.length === 0 && host.endsWith('.visualstudio.com')) {
    // The old URL form of an organization; the same organization answers on dev.azure.com.
    collection.push(host.split('.')[0]);
    host = 'dev.azure.com';
  }
  if (collection.length === 0) {
    throw new InputError(
      `remoteUrl '${url.origin}${url.pathname}' names no organization; use https://dev.azure.com/{organization}/{project}/_git/{repository}.`,
    );
  }
  return {
    organizationUrl: `${url.protocol}//${host}/${collection.map(encodeURIComponent).join('/')}`,
    project,
    repository: parts[git + 1],
  };
}

/** Lines compared at most per file by {@link lineDiff}; larger files are summarised. */
const MAX_DIFF_LINES = 2000;

/**
 * The changed lines between two texts (`- old`, `+ new`, in order, no context),
 * from a longest common subsequence of lines — what a dry run shows of an edit.
 */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    return [
      `(${a.length} lines before, ${b.length} after; too long to compare)`,
    ];
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0),
  );
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] =
        a[i] === b[j]
          ? lcs[i + 1][j + 1] + 1
          : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (
      i < a.length &&
      (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])
    ) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out;
}
