/**
 * The Manage dialog of one provider (docs/web-ui.md), for one owner: the signed-in user's own keys
 * (the user API), or a team's keys in the admin console (the same operations on the admin API,
 * admin/teams.ts). Its keys (masked key, label, status, last used, last test) with rename, replace
 * secret, enable/disable, test and delete (after a confirmation), and the add form, or the reason
 * adding is not possible. Errors from the API are shown in the row or form whose action caused
 * them. The dialog is re-rendered from the latest data after every change, and focus is put back
 * on the control the person was using (or the nearest sensible one).
 *
 * Secrets typed here go straight into the request body; the inputs are cleared afterwards and the
 * page only ever shows the masked form the API returns.
 */
import { describeError, type Api, type KeyView, type OwnerKeys, type Provider } from './api';
import { confirmAction } from './confirm-dialog';
import { errorSlot, field, h, uniqueId } from './dom';
import { addRule, formatDate, plural, STATUS_TEXT, summarize, TEST_TEXT, type AddRules } from './format';
import { keysOfProvider } from './provider-cards';
// The limits are the vault's own rules (a module without Node dependencies), not a copy.
import { KEY_MAX_LENGTH, LABEL_MAX_LENGTH } from '../../src/vault/rules.js';

type Action = 'rename' | 'replace' | 'toggle' | 'test' | 'delete';
type FocusRequest = { keyId: string; action: Action | 'label' | 'secret' } | 'add' | 'add-secret' | 'heading';

/** What the dialog does to an owner's keys: the user API's own operations, or the same ones on a team (admin API). */
export type OwnerKeyApi = Pick<Api, 'add' | 'replaceSecret' | 'update' | 'remove' | 'test'>;

/** The owner's keys and what adding depends on (a team has no tier, and its limit is checked when adding). */
export type OwnerView = Pick<OwnerKeys, 'providers'> & AddRules;

/** How the dialog names the owner's keys, read at every render; the defaults speak to the user about their own. */
export interface OwnerWording {
  /** The dialog's title (its accessible name): "OpenAI keys". */
  title: (providerName: string) => string;
  /** Heading of the key list: "Your keys". */
  listHeading: (providerName: string) => string;
  /** The add form's hint when the limit is not known in advance (team keys). */
  addHint: (providerName: string) => string;
}

const OWN_KEYS: OwnerWording = {
  title: (providerName) => `${providerName} keys`,
  listHeading: () => 'Your keys',
  addHint: (providerName) => `You can add ${providerName} keys.`,
};

export interface ManageDeps {
  api: OwnerKeyApi;
  providers: () => readonly Provider[];
  owner: () => OwnerView;
  /** Reloads the owner's keys (and re-renders whatever shows them). */
  refresh: () => Promise<void>;
  announce: (message: string) => void;
  /** Defaults to the user's own keys. */
  wording?: OwnerWording;
}

export function createManageDialog(deps: ManageDeps) {
  const wording = deps.wording ?? OWN_KEYS;
  const titleId = uniqueId('manage-title');
  const dialog = h('dialog', { class: 'manage', attrs: { 'aria-labelledby': titleId } });
  document.body.append(dialog);

  let providerId: string | null = null;
  let opener: HTMLElement | null = null;
  let editing: { keyId: string; kind: 'rename' | 'replace'; draft?: string } | null = null;
  const rowErrors = new Map<string, string>();
  const rowNotices = new Map<string, string>();
  const busy = new Set<string>();
  let addError: string | null = null;

  // Escape first closes an open inline editor, and only then the dialog.
  dialog.addEventListener('cancel', (event) => {
    if (editing) {
      event.preventDefault();
      const keyId = editing.keyId;
      const kind = editing.kind;
      editing = null;
      render({ keyId, action: kind });
    }
  });
  dialog.addEventListener('close', () => {
    const closed = providerId;
    providerId = null;
    editing = null;
    // The dashboard may have been re-rendered meanwhile: then its new Manage button takes the focus.
    const target = opener?.isConnected ? opener : document.querySelector<HTMLElement>(`[data-manage="${CSS.escape(closed ?? '')}"]`);
    target?.focus();
  });

  function provider(): Provider {
    const found = deps.providers().find((candidate) => candidate.id === providerId);
    if (!found) throw new Error(`unknown provider ${String(providerId)}`);
    return found;
  }

  function keysOf(): readonly KeyView[] {
    return keysOfProvider(deps.owner(), providerId ?? '');
  }

  /** Runs one API action for a key: its error goes to that key's row; the list is reloaded after. */
  async function keyAction(key: KeyView, action: Action, work: () => Promise<FocusRequest | void>): Promise<void> {
    rowErrors.delete(key.id);
    rowNotices.delete(key.id);
    busy.add(key.id);
    render({ keyId: key.id, action });
    let focus: FocusRequest = { keyId: key.id, action };
    try {
      focus = (await work()) ?? focus;
    } catch (error) {
      rowErrors.set(key.id, describeError(error));
      if (editing?.keyId === key.id) focus = { keyId: key.id, action: editing.kind === 'rename' ? 'label' : 'secret' };
    } finally {
      busy.delete(key.id);
    }
    try {
      await deps.refresh();
    } catch (error) {
      rowErrors.set(key.id, describeError(error));
    }
    render(focus);
  }

  function keyRow(key: KeyView, canReplace: boolean, replaceBlockedId: string | undefined): HTMLLIElement {
    const labelId = uniqueId('key-label');
    const isBusy = busy.has(key.id);
    const button = (action: Action, text: string, onClick: () => void, extra: Record<string, string | boolean | undefined> = {}) =>
      h('button', {
        class: action === 'delete' ? 'button small danger' : 'button small',
        text,
        attrs: { type: 'button', 'data-action': action, 'aria-describedby': labelId, disabled: isBusy, ...extra },
        on: { click: onClick },
      });

    const error = errorSlot();
    const message = rowErrors.get(key.id);
    if (message) error.show(message);
    const notice = rowNotices.get(key.id);

    const lastTest = key.testStatus === null ? 'Not tested' : `${TEST_TEXT[key.testStatus]} · ${formatDate(key.lastTestedAt)}`;
    const row = h('li', { class: `key status-${key.status}`, attrs: { 'data-key-id': key.id, 'aria-labelledby': labelId } }, [
      h('div', { class: 'key-head' }, [
        h('span', { id: labelId, class: 'key-label', text: key.label }),
        h('code', { class: 'masked-key', text: key.maskedKey, attrs: { 'aria-label': `Masked key ${key.maskedKey}` } }),
        h('span', { class: `status-badge status-${key.status}`, text: STATUS_TEXT[key.status] }),
      ]),
      h('dl', { class: 'key-meta' }, [
        h('div', {}, [h('dt', { text: 'Last used' }), h('dd', { text: formatDate(key.lastUsedAt) })]),
        h('div', {}, [h('dt', { text: 'Last test' }), h('dd', { class: 'last-test', text: lastTest })]),
        h('div', {}, [h('dt', { text: 'Added' }), h('dd', { text: formatDate(key.createdAt) })]),
        key.baseUrl ? h('div', {}, [h('dt', { text: 'Base URL' }), h('dd', { text: key.baseUrl })]) : null,
      ]),
      h('div', { class: 'key-actions', attrs: { role: 'group', 'aria-label': `Actions for ${key.label}` } }, [
        button('rename', 'Rename', () => openEditor(key.id, 'rename')),
        button('replace', 'Replace secret', () => openEditor(key.id, 'replace'), {
          disabled: isBusy || !canReplace,
          'aria-describedby': replaceBlockedId ? `${labelId} ${replaceBlockedId}` : labelId,
        }),
        button('toggle', key.enabled ? 'Disable' : 'Enable', () =>
          void keyAction(key, 'toggle', async () => {
            await deps.api.update(key.provider, key.id, { enabled: !key.enabled });
            deps.announce(`${key.label} ${key.enabled ? 'disabled' : 'enabled'}.`);
          }),
        ),
        button('test', isBusy ? 'Testing…' : 'Test', () =>
          void keyAction(key, 'test', async () => {
            const [result] = await deps.api.test(key.provider, key.id);
            if (result) {
              rowNotices.set(key.id, `Test result: ${TEST_TEXT[result.status]}`);
              deps.announce(`Test of ${key.label}: ${TEST_TEXT[result.status]}.`);
            }
          }),
        ),
        button('delete', 'Delete', () => void deleteKey(key)),
      ]),
      notice ? h('p', { class: 'notice test-result', text: notice, attrs: { role: 'status' } }) : null,
      editing?.keyId === key.id ? editor(key, editing.kind) : null,
      error.element,
    ]);
    return row;
  }

  function openEditor(keyId: string, kind: 'rename' | 'replace'): void {
    editing = { keyId, kind };
    rowErrors.delete(keyId);
    render({ keyId, action: kind === 'rename' ? 'label' : 'secret' });
  }

  function editor(key: KeyView, kind: 'rename' | 'replace'): HTMLFormElement {
    const input =
      kind === 'rename'
        ? field({ label: `New label for ${key.label}`, name: 'label', value: editing?.draft ?? key.label, required: true, maxLength: LABEL_MAX_LENGTH })
        : field({
            label: `New secret for ${key.label}`,
            name: 'apiKey',
            type: 'password',
            required: true,
            maxLength: KEY_MAX_LENGTH,
            hint: `It replaces the old secret; the label and settings stay (${provider().name} keys look like ${provider().keyHint}).`,
            autocomplete: 'new-password',
          });
    input.input.dataset.editor = kind === 'rename' ? 'label' : 'secret';
    const cancel = () => {
      editing = null;
      render({ keyId: key.id, action: kind });
    };
    const form = h('form', { class: 'editor', attrs: { 'aria-label': kind === 'rename' ? `Rename ${key.label}` : `Replace the secret of ${key.label}` } }, [
      input.wrapper,
      h('div', { class: 'actions' }, [
        h('button', { class: 'button small', text: 'Cancel', attrs: { type: 'button' }, on: { click: cancel } }),
        h('button', { class: 'button small primary', text: kind === 'rename' ? 'Save label' : 'Save secret', attrs: { type: 'submit' } }),
      ]),
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = input.input.value;
      // The secret leaves the DOM before the request is even answered.
      if (kind === 'replace') input.input.value = '';
      else editing = { keyId: key.id, kind, draft: value };
      void keyAction(key, kind, async () => {
        // On failure the editor stays open (with the typed label) so the person can correct it.
        if (kind === 'rename') await deps.api.update(key.provider, key.id, { label: value.trim() });
        else await deps.api.replaceSecret(key.provider, key.id, value);
        editing = null;
        deps.announce(kind === 'rename' ? `Renamed to ${value.trim()}.` : `Secret of ${key.label} replaced.`);
      });
    });
    return form;
  }

  async function deleteKey(key: KeyView): Promise<void> {
    const confirmed = await confirmAction({
      title: `Delete “${key.label}”?`,
      body: `The ${provider().name} key ${key.maskedKey} is removed for good; services stop using it at once.`,
      confirmLabel: 'Delete key',
    });
    if (!confirmed) return;
    await keyAction(key, 'delete', async () => {
      await deps.api.remove(key.provider, key.id);
      deps.announce(`${key.label} deleted.`);
      return 'heading';
    });
  }

  function addSection(keys: readonly KeyView[]): HTMLElement {
    const descriptor = provider();
    const rule = addRule(deps.owner(), descriptor.name, keys.length);
    const headingId = uniqueId('add-heading');
    const reasonId = uniqueId('add-reason');
    const label = field({ label: 'Label (optional)', name: 'label', maxLength: LABEL_MAX_LENGTH, placeholder: `${descriptor.name} key ${keys.length + 1}` });
    const secret = field({
      label: 'API key',
      name: 'apiKey',
      type: 'password',
      required: true,
      maxLength: KEY_MAX_LENGTH,
      hint: `Encrypted at once and never shown again, only masked (${descriptor.name} keys look like ${descriptor.keyHint}).`,
      autocomplete: 'new-password',
    });
    const baseUrl = descriptor.requiresBaseUrl
      ? field({ label: 'Base URL', name: 'baseUrl', type: 'url', required: true, placeholder: 'https://llm.example.com/v1', hint: 'An OpenAI-compatible API over https.' })
      : null;
    const error = errorSlot();
    if (addError) error.show(addError);
    const submit = h('button', {
      class: 'button primary',
      text: 'Add key',
      attrs: { type: 'submit', 'data-action': 'add', 'aria-describedby': rule.allowed ? undefined : reasonId },
    });
    const fieldset = h('fieldset', { attrs: { disabled: !rule.allowed } }, [
      h('legend', { class: 'visually-hidden', text: `New ${descriptor.name} key` }),
      label.wrapper,
      secret.wrapper,
      baseUrl?.wrapper,
      h('div', { class: 'actions' }, [submit]),
    ]);
    const form = h('form', { class: 'add-form', attrs: { 'aria-labelledby': headingId } }, [fieldset, error.element]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = {
        provider: descriptor.id,
        apiKey: secret.input.value,
        ...(label.input.value.trim() ? { label: label.input.value.trim() } : {}),
        ...(baseUrl ? { baseUrl: baseUrl.input.value.trim() } : {}),
      };
      secret.input.value = '';
      addError = null;
      fieldset.disabled = true;
      void (async () => {
        try {
          const added = await deps.api.add(body);
          deps.announce(`${added.label} added as ${added.maskedKey}.`);
        } catch (caught) {
          addError = describeError(caught);
        }
        try {
          await deps.refresh();
        } catch (caught) {
          addError ??= describeError(caught);
        }
        // On failure the label (and base URL) stay for correction; the secret must be typed again.
        // After a failure the (cleared) secret field takes the focus: it is the one to type again.
        render(addError ? 'add-secret' : 'add', addError ? { label: label.input.value, baseUrl: baseUrl?.input.value } : undefined);
      })();
    });

    return h('section', { class: 'add', attrs: { 'aria-labelledby': headingId } }, [
      h('h3', { id: headingId, text: 'Add a key' }),
      rule.allowed
        ? h('p', { class: 'hint', text: rule.remaining === null ? wording.addHint(descriptor.name) : `You can add ${plural(rule.remaining, 'more key')} for ${descriptor.name}.` })
        : h('p', { id: reasonId, class: `notice blocked blocked-${rule.reason}`, text: rule.message }),
      form,
    ]);
  }

  function render(focus?: FocusRequest, keepAdd?: { label: string; baseUrl: string | undefined }): void {
    if (providerId === null) return;
    const descriptor = provider();
    const keys = keysOf();
    const owner = deps.owner();
    const replaceRule = owner.canAddKeys;
    const replaceBlockedId = replaceRule ? undefined : uniqueId('replace-reason');
    const listHeadingId = uniqueId('keys-heading');

    dialog.replaceChildren(
      h('div', { class: 'dialog-head' }, [
        h('h2', { id: titleId, text: wording.title(descriptor.name), attrs: { tabindex: '-1' } }),
        h('button', { class: 'button icon', text: '✕', attrs: { type: 'button', 'aria-label': 'Close', 'data-action': 'close' }, on: { click: () => dialog.close() } }),
      ]),
      h('p', {
        class: 'muted',
        text: `${plural(keys.length, 'key')}${owner.maxKeysPerProvider === undefined ? '' : ` of at most ${owner.maxKeysPerProvider}`}${keys.length > 0 ? ` · ${summarize(keys)}` : ''}`,
      }),
      h('section', { attrs: { 'aria-labelledby': listHeadingId } }, [
        h('h3', { id: listHeadingId, text: wording.listHeading(descriptor.name) }),
        replaceBlockedId && keys.length > 0 ? h('p', { id: replaceBlockedId, class: 'hint', text: `Replacing a secret needs the ${owner.requiredTier} tier or higher.` }) : null,
        keys.length === 0
          ? h('p', { class: 'muted empty', text: `No ${descriptor.name} keys yet.` })
          : h('ul', { class: 'key-list' }, keys.map((key) => keyRow(key, replaceRule, replaceBlockedId))),
      ]),
      addSection(keys),
    );

    if (keepAdd) {
      const form = dialog.querySelector<HTMLFormElement>('.add-form');
      const label = form?.querySelector<HTMLInputElement>('input[name="label"]');
      const baseUrl = form?.querySelector<HTMLInputElement>('input[name="baseUrl"]');
      if (label) label.value = keepAdd.label;
      if (baseUrl && keepAdd.baseUrl !== undefined) baseUrl.value = keepAdd.baseUrl;
    }
    applyFocus(focus);
  }

  function applyFocus(focus: FocusRequest | undefined): void {
    if (focus === undefined) return;
    let target: HTMLElement | null = null;
    if (focus === 'heading') target = dialog.querySelector('h2');
    else if (focus === 'add-secret') target = dialog.querySelector('.add-form input[name="apiKey"]');
    else if (focus === 'add') target = dialog.querySelector('.add-form input:not([disabled])') ?? dialog.querySelector('.add h3');
    else {
      const row = dialog.querySelector<HTMLElement>(`[data-key-id="${CSS.escape(focus.keyId)}"]`);
      if (focus.action === 'label' || focus.action === 'secret') target = row?.querySelector(`input[data-editor="${focus.action}"]`) ?? null;
      else target = row?.querySelector(`[data-action="${focus.action}"]`) ?? null;
      if (target instanceof HTMLButtonElement && target.disabled) target = row;
      target ??= dialog.querySelector('h2');
    }
    if (target && !target.hasAttribute('tabindex') && !target.matches('button, input, a, select, textarea')) target.tabIndex = -1;
    target?.focus();
  }

  return {
    open(id: string, from: HTMLElement): void {
      providerId = id;
      opener = from;
      editing = null;
      addError = null;
      rowErrors.clear();
      rowNotices.clear();
      render();
      dialog.showModal();
      applyFocus('heading');
    },
    /** Re-renders when open (after data changed elsewhere). */
    refresh(): void {
      if (providerId !== null && dialog.open) render();
    },
  };
}
