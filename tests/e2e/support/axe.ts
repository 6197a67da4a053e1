/**
 * Accessibility measured in the page: axe-core (npm) is evaluated in the page through the DevTools
 * protocol (so the page's CSP does not apply to it and needs no loosening), then run on the whole
 * document or a part of it with the WCAG 2.0/2.1 A and AA rules. `expectNoViolations` fails a test
 * with each violation's rule, impact and the elements it found, so a failure says what to fix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The rule sets of WCAG 2.1 levels A and AA (2.0's included), as axe-core tags them. */
export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core on `selector` (the whole document by default) and returns the violations found. */
export async function axeViolations(page: Page, selector = 'html'): Promise<AxeViolation[]> {
  const loaded = (await page.evaluate('typeof window.axe')) === 'object';
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const script = `window.axe.run(document.querySelector(${JSON.stringify(selector)}), { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_21_AA)} }, resultTypes: ['violations'] })
    .then((results) => results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`;
  return (await page.evaluate(script)) as AxeViolation[];
}

/** Fails (with the violations listed) unless axe-core finds none on `selector`; `screen` names it in the message. */
export async function expectNoViolations(page: Page, screen: string, selector = 'html'): Promise<void> {
  const violations = await axeViolations(page, selector);
  const described = violations.map((v) => `${screen}: ${v.id} (${v.impact ?? 'n/a'}) ${v.help}: ${v.nodes.join(', ')}`);
  expect(described).toEqual([]);
}
