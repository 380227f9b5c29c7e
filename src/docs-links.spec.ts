import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/*
 * The README is the front door and the guides in docs/ hold the rest, so a link that leads
 * nowhere loses a reader: every relative link of the README, the guides and the benchmark's history
 * names a file that exists, and every #fragment a heading of that page, as GitHub makes its anchors.
 */

const PAGES = [
  'README.md',
  'bench/README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

/** The page without its fenced blocks, whose `#` lines are code, not headings. */
const prose = (markdown: string) => markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(page: string): Set<string> {
  const headings = [...prose(readFileSync(page, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)];
  return new Set(headings.map((heading) => anchorOf(heading[1])));
}

describe('links of the README and the guides', () => {
  it('the README links to every guide', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const guide of PAGES.filter((page) => page.startsWith('docs/'))) {
      expect(readme, guide).toContain(`](${guide})`);
    }
  });

  it.each(PAGES)('%s: every relative link names a file, and its fragment a heading', (page) => {
    const links = [...prose(readFileSync(page, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map(
      (match) => match[1],
    );
    for (const link of links.filter((href) => !/^[a-z]+:/.test(href))) {
      const [path, fragment] = link.split('#');
      const target = path === '' ? page : normalize(join(dirname(page), path));
      expect(existsSync(target), `${page} links to ${link}`).toBe(true);
      if (fragment !== undefined && target.endsWith('.md')) {
        expect([...anchorsOf(target)], `${page} links to ${link}`).toContain(fragment);
      }
    }
  });
});
