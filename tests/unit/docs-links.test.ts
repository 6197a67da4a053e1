/**
 * The docs stand alone: every relative link in README.md, SECURITY.md, docs/**\/*.md and the
 * READMEs under src/ names a file of this repository that exists, and every #anchor names a heading
 * of its target (GitHub's heading ids). Nothing refers to a brief outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

function markdownFiles(): string[] {
  const files = ['README.md', 'SECURITY.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  walk('src');
  return files;
}

/** The text outside fenced code blocks and inline code spans (links there are examples, not links). */
function prose(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
}

/** GitHub's id of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = (match[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count === 0 ? base : `${base}-${count}`);
  }
  return ids;
}

interface Link {
  file: string;
  target: string;
}

function links(file: string): Link[] {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  const found: Link[] = [];
  for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ file, target: match[1] as string });
  for (const match of text.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)) found.push({ file, target: match[1] as string });
  return found;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Why a relative link does not resolve, or undefined when it does. */
function problem({ file, target }: Link): string | undefined {
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const path = pathPart === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), decodeURI(pathPart));
  if (relative(ROOT, path).startsWith('..')) return 'points outside the repository';
  if (!existsSync(path)) return 'no such file';
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(path).isDirectory() || !path.endsWith('.md')) return `#${anchor} on a file that is not Markdown`;
  if (!headingIds(readFileSync(path, 'utf8')).has(decodeURIComponent(anchor))) return `no heading #${anchor} in ${relative(ROOT, path)}`;
  return undefined;
}

describe('documentation links', () => {
  const files = markdownFiles();
  const all = files.flatMap(links).filter((link) => !isExternal(link.target));

  test('the documentation is where the README says: README, SECURITY and the docs folder', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'SECURITY.md', 'docs/operations.md', 'docs/integrating.md']));
    expect(all.length).toBeGreaterThan(50);
  });

  test('the README stays short: at most 250 lines, and the two commands come first', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock.split('\n').filter(Boolean).map((line) => line.split(/\s+/)[0])).toEqual(['./scripts/dev.sh', './scripts/test.sh']);
  });

  test('every relative link and #anchor resolves to a file and heading of this repository', () => {
    const broken = all.flatMap((link) => {
      const why = problem(link);
      return why === undefined ? [] : [`${link.file}: (${link.target}) ${why}`];
    });
    expect(broken).toEqual([]);
  });

  test('the checker itself catches a missing file, a missing heading and a path out of the repository', () => {
    expect(problem({ file: 'README.md', target: 'docs/no-such-page.md' })).toBe('no such file');
    expect(problem({ file: 'README.md', target: 'docs/operations.md#no-such-heading' })).toMatch(/^no heading/);
    expect(problem({ file: 'docs/api.md', target: '../../outside-the-repo/page.md' })).toBe('points outside the repository');
    expect(problem({ file: 'README.md', target: '#two-commands' })).toBeUndefined();
    expect(headingIds('# A `b` c\n## Operations: the `byok` command\n## X\n## X')).toEqual(new Set(['a-b-c', 'operations-the-byok-command', 'x', 'x-1']));
  });

  test('nothing in the repository points at the brief it was built from (a file outside it)', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    const offenders = tracked.filter((path) => {
      if (!/\.(ts|js|mjs|md|sh|json|yml|yaml|example)$/.test(path) && !/(^|\/)(Dockerfile|\.env\.example)$/.test(path)) return false;
      if (path === 'tests/unit/docs-links.test.ts' || !existsSync(join(ROOT, path))) return false;
      return /SPEC\.md|SPEC §|shared\/SPEC/.test(readFileSync(join(ROOT, path), 'utf8'));
    });
    expect(offenders).toEqual([]);
  });
});
