/**
 * The page's views and the navigation between them: "Your keys" for everyone and "Admin" only when
 * the token carries the realm role byok-admin (main.ts decides; the admin API answers 403 to anyone
 * else whatever the page shows). Without a second view there is no navigation at all.
 *
 * The view is the query's `view` parameter (`/?view=admin`), not the fragment: keycloak-js gets the
 * authorization code back in the fragment, and a redirect URI may not carry one (RFC 6749 §3.1.2),
 * so a reload or a bookmark of a view signs in and comes back to it. Links are real links (a new tab
 * works); a plain click or Enter switches the view in place and adds a history entry.
 */
import { h } from './dom';

export interface View<Id extends string = string> {
  id: Id;
  /** The link's text. */
  label: string;
  /** The document's title while the view is shown (main.ts sets it). */
  title: string;
}

const PARAM = 'view';

/** The view the address asks for, or the first one (an unknown or not allowed view falls back to it). */
export function viewFromLocation<Id extends string>(views: readonly View<Id>[]): View<Id> {
  const asked = new URLSearchParams(window.location.search).get(PARAM);
  return views.find((view) => view.id === asked) ?? (views[0] as View<Id>);
}

function hrefOf(view: View, first: View): string {
  const url = new URL(window.location.href);
  url.hash = '';
  if (view === first) url.searchParams.delete(PARAM);
  else url.searchParams.set(PARAM, view.id);
  return `${url.pathname}${url.search}`;
}

export function createNav<Id extends string>(views: readonly View<Id>[], onChange: (view: View<Id>) => void) {
  const first = views[0] as View<Id>;
  const links = new Map<Id, HTMLAnchorElement>();
  const element = h('nav', { class: 'views', attrs: { 'aria-label': 'Main' } }, [
    h(
      'ul',
      {},
      views.map((view) => {
        const link = h('a', {
          text: view.label,
          attrs: { href: hrefOf(view, first), 'data-view': view.id },
          on: {
            click: (event) => {
              const mouse = event as MouseEvent;
              // Opening in a new tab or window stays the browser's business.
              if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.altKey || mouse.button !== 0) return;
              event.preventDefault();
              if (link.getAttribute('aria-current') === 'page') return;
              window.history.pushState(null, '', link.getAttribute('href'));
              onChange(view);
            },
          },
        });
        links.set(view.id, link);
        return h('li', {}, [link]);
      }),
    ),
  ]);
  window.addEventListener('popstate', () => onChange(viewFromLocation(views)));

  return {
    element,
    /** Marks `view`'s link as the current page (aria-current). */
    select(view: View<Id>): void {
      for (const [id, link] of links) {
        if (id === view.id) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
    },
  };
}
