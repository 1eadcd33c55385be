/**
 * "Delete my conversations", where the website allows it (`widgetConfig.visitorDeletion`):
 * a confirmation in the panel's footer, saying that it cannot be undone, then
 * `deleteMyData` (the server erases the visitor's conversations and details, and their
 * token stops working), then the session is forgotten as `Chinwag('identify', null)`
 * forgets it, so the chat starts over, empty. Loaded on first use.
 */
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import css from './Delete.css';
import { useLayoutEffect, useRef, useState } from './dom.js';
import { sheet } from './lazy.js';

sheet(css);

/** Not in `@chinwag/sdk`'s client: only this chunk, which few visitors load, needs it. */
const DELETE_MY_DATA = 'mutation DeleteMyData{deleteMyData}';

const en = {
  ask: 'Delete all your conversations and the details you gave us? This cannot be undone.',
  yes: 'Delete',
  cancel: 'Cancel',
  done: 'Your conversations were deleted.',
  error: 'Your conversations could not be deleted. Please try again.',
};

const TEXT: Record<Locale, typeof en> = {
  en,
  fr: {
    ask: 'Supprimer toutes vos conversations et les informations que vous nous avez données ? C’est irréversible.',
    yes: 'Supprimer',
    cancel: 'Annuler',
    done: 'Vos conversations ont été supprimées.',
    error: 'Vos conversations n’ont pas pu être supprimées. Veuillez réessayer.',
  },
  es: {
    ask: '¿Eliminar todas tus conversaciones y los datos que nos diste? No se puede deshacer.',
    yes: 'Eliminar',
    cancel: 'Cancelar',
    done: 'Tus conversaciones se han eliminado.',
    error: 'No se han podido eliminar tus conversaciones. Inténtalo de nuevo.',
  },
};

export interface DeleteProps {
  core: Core;
  /** Closes the confirmation (the focus goes back to the footer's "Delete my conversations"). */
  onClose(): void;
  /** Deleted: `done` is for the next panel to say (this one goes with the session). */
  onDone(done: string): void;
}

export function Delete({ core, onClose, onDone }: DeleteProps) {
  const t = TEXT[core.host.locale()];
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const ask = useRef<HTMLParagraphElement>(null);
  useLayoutEffect(() => ask.current?.focus(), []);
  const close = () => {
    ask.current?.closest('footer')?.querySelector<HTMLElement>('[aria-expanded="true"]')?.focus();
    onClose();
  };

  async function remove() {
    setBusy(true);
    setFailed(false);
    try {
      await core.client.request(DELETE_MY_DATA);
    } catch (e) {
      core.report(e);
      setFailed(true);
      return setBusy(false);
    }
    // Both before the panel starts over, so that the next one says it at once.
    onDone(t.done);
    await core.identify(null);
  }

  return (
    <div
      class="confirm"
      role="group"
      aria-labelledby="cw-delete"
      onKeyDown={(e) => {
        // Escape closes this, not the chat.
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        close();
      }}
    >
      <p id="cw-delete" tabIndex={-1} ref={ask}>
        {t.ask}
      </p>
      <div class="confirm-row">
        <button type="button" class="danger" disabled={busy} onClick={remove}>
          {t.yes}
        </button>
        <button type="button" class="link" onClick={close}>
          {t.cancel}
        </button>
      </div>
      {failed && (
        <p class="error" role="alert">
          {t.error}
        </p>
      )}
    </div>
  );
}
