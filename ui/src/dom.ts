/**
 * A tiny element builder: the UI is a handful of views re-rendered from data, so plain DOM calls
 * are enough. Text is always set as text (never as HTML), so labels and server messages cannot
 * inject markup; and no style attribute is ever written, so the page needs no 'unsafe-inline' CSP.
 */
type Child = Node | string | null | undefined | false;
type Handler = (event: Event) => void;

export interface Props {
  class?: string;
  id?: string;
  text?: string;
  /** Attributes set verbatim (aria-*, type, for, name, ...); `false` and undefined leave them out. */
  attrs?: Record<string, string | boolean | undefined>;
  on?: Record<string, Handler>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.id) element.id = props.id;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const [event, handler] of Object.entries(props.on ?? {})) element.addEventListener(event, handler);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

let idCounter = 0;
/** A document-unique id for label/field and field/message pairs. */
export function uniqueId(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled input with an optional hint; the hint is the input's description. */
export function field(options: {
  label: string;
  name: string;
  type?: string;
  value?: string;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  hint?: string;
  autocomplete?: string;
}): { wrapper: HTMLDivElement; input: HTMLInputElement } {
  const id = uniqueId(options.name);
  const hintId = options.hint ? `${id}-hint` : undefined;
  const input = h('input', {
    id,
    attrs: {
      name: options.name,
      type: options.type ?? 'text',
      required: options.required,
      maxlength: options.maxLength === undefined ? undefined : String(options.maxLength),
      placeholder: options.placeholder,
      autocomplete: options.autocomplete ?? 'off',
      spellcheck: 'false',
      'aria-describedby': hintId,
    },
  });
  if (options.value !== undefined) input.value = options.value;
  const wrapper = h('div', { class: 'field' }, [
    h('label', { text: options.label, attrs: { for: id } }),
    input,
    hintId ? h('p', { id: hintId, class: 'hint', text: options.hint }) : null,
  ]);
  return { wrapper, input };
}

/** The place where an action's error is shown, next to the control that caused it. */
export function errorSlot(): { element: HTMLParagraphElement; show: (message: string) => void; clear: () => void } {
  const element = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
  return {
    element,
    show(message) {
      element.textContent = message;
      element.hidden = false;
    },
    clear() {
      element.textContent = '';
      element.hidden = true;
    },
  };
}
