/**
 * The strict preference (docs/resolution.md#fallback-chain) as a switch: a checkbox with
 * role="switch", labelled, described by what it changes, saved at once (PUT /byok/preferences).
 * While a change is being saved further toggles are ignored (the control keeps the focus: a
 * disabled control would lose it); a failed save puts the switch back and shows the error beside it.
 */
import { describeError, type Api } from './api';
import { errorSlot, h, uniqueId } from './dom';

export interface StrictSwitchDeps {
  api: Pick<Api, 'preferences' | 'setPreferences'>;
  announce: (message: string) => void;
  /** Called with the saved value after every change (and after the first load). */
  changed: (strict: boolean) => void;
}

export const STRICT_EXPLAINED =
  'On: only your own keys are used: no team keys and no platform keys. A service that asks for a key of a provider you have no usable key for gets "no key available" instead. ' +
  "Off: when you have no usable key of your own for a provider, your teams' keys are used, then the platform's.";

export function createStrictSwitch(deps: StrictSwitchDeps) {
  const headingId = uniqueId('sources-heading');
  const inputId = uniqueId('strict');
  const descriptionId = `${inputId}-description`;
  const input = h('input', { id: inputId, attrs: { type: 'checkbox', role: 'switch', 'aria-describedby': descriptionId, disabled: true, 'data-preference': 'strict' } });
  const state = h('span', { class: 'switch-state', text: '…', attrs: { 'aria-hidden': 'true' } });
  const error = errorSlot();
  let saving = false;

  const show = (strict: boolean) => {
    input.checked = strict;
    state.textContent = strict ? 'On' : 'Off';
  };

  input.addEventListener('change', () => {
    const wanted = input.checked;
    if (saving) {
      show(!wanted);
      return;
    }
    saving = true;
    section.setAttribute('aria-busy', 'true');
    error.clear();
    show(wanted);
    void deps.api
      .setPreferences(wanted)
      .then(
        (saved) => {
          show(saved.strict);
          deps.announce(saved.strict ? 'Only your own keys: on. Team and platform keys are not used for you.' : 'Only your own keys: off. Team and platform keys are used when yours cannot serve.');
          deps.changed(saved.strict);
        },
        (caught: unknown) => {
          show(!wanted);
          error.show(describeError(caught));
        },
      )
      .finally(() => {
        saving = false;
        section.setAttribute('aria-busy', 'false');
      });
  });

  const section = h('section', { class: 'panel key-sources', attrs: { 'aria-labelledby': headingId, 'aria-busy': 'true' } }, [
    h('h2', { id: headingId, text: 'Key sources' }),
    h('div', { class: 'switch-row' }, [input, h('label', { text: 'Only my own keys (strict)', attrs: { for: inputId } }), state]),
    h('p', { id: descriptionId, class: 'hint switch-description', text: STRICT_EXPLAINED }),
    error.element,
  ]);

  return {
    element: section,
    async load(): Promise<void> {
      try {
        const preferences = await deps.api.preferences();
        show(preferences.strict);
        input.disabled = false;
        deps.changed(preferences.strict);
      } catch (caught) {
        state.textContent = '';
        error.show(`Your preference could not be loaded: ${describeError(caught)}`);
      } finally {
        section.setAttribute('aria-busy', 'false');
      }
    },
  };
}
