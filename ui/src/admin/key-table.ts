/** A read-only table of keys (masked) for the admin console: a user's keys, a team's keys. */
import type { KeyView, Provider } from '../api';
import { h } from '../dom';
import { formatDate, STATUS_TEXT } from '../format';

export function keyTable(keys: readonly KeyView[], providers: readonly Provider[], caption: string): HTMLTableElement {
  const nameOf = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;
  const columns = ['Provider', 'Label', 'Key', 'Status', 'Last used'];
  return h('table', { class: 'data-table key-table' }, [
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, [h('tr', {}, columns.map((column) => h('th', { text: column, attrs: { scope: 'col' } })))]),
    h(
      'tbody',
      {},
      keys.map((key) =>
        h('tr', { attrs: { 'data-key-id': key.id } }, [
          h('td', { text: nameOf(key.provider) }),
          h('th', { class: 'key-label', text: key.label, attrs: { scope: 'row' } }),
          h('td', {}, [h('code', { class: 'masked-key', text: key.maskedKey })]),
          h('td', {}, [h('span', { class: `status-badge status-${key.status}`, text: STATUS_TEXT[key.status] })]),
          h('td', { text: formatDate(key.lastUsedAt) }),
        ]),
      ),
    ),
  ]);
}
