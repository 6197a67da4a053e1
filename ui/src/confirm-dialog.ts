/**
 * A modal confirmation (native <dialog>): resolves true only when the person chooses the action;
 * Escape, Cancel and closing all mean no. Cancel has the initial focus so that a stray Enter never
 * deletes or changes anything. The action's button is red for what cannot be undone (`destructive`,
 * the default: deleting a key), plain for a change that can be made again (a tier).
 */
import { h, uniqueId } from './dom';

export function confirmAction(options: { title: string; body: string; confirmLabel: string; destructive?: boolean }): Promise<boolean> {
  const titleId = uniqueId('confirm-title');
  const bodyId = uniqueId('confirm-body');
  const returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const dialog = h('dialog', { class: 'confirm', attrs: { 'aria-labelledby': titleId, 'aria-describedby': bodyId } });
  return new Promise<boolean>((resolve) => {
    const cancel = h('button', { class: 'button', text: 'Cancel', attrs: { type: 'button', autofocus: true }, on: { click: () => dialog.close('cancel') } });
    const confirm = h('button', { class: options.destructive === false ? 'button primary' : 'button danger', text: options.confirmLabel, attrs: { type: 'button' }, on: { click: () => dialog.close('confirm') } });
    dialog.append(
      h('h2', { id: titleId, text: options.title }),
      h('p', { id: bodyId, text: options.body }),
      h('div', { class: 'actions' }, [cancel, confirm]),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
      if (returnFocus?.isConnected) returnFocus.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
