/**
 * A website's visitor deletion (docs/privacy.md, "A visitor deleting their own data"):
 * whether its widget offers "Delete my conversations" (`deleteMyData`), the visitor's own
 * erasure of their messages and details. Off by default. A switch that saves on its own
 * with one `updateWebsite`, as page analytics (PageAnalytics.tsx) does.
 */
import { useId } from 'react';
import { UpdateWebsiteDocument, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { toast, useAction } from '../ui';

export function VisitorDeletionEditor({ website, onSaved }: { website: WebsiteDetails; onSaved(w: WebsiteDetails): void }) {
  const { client } = useServices();
  const id = useId();
  const on = website.visitorDeletion;
  const save = useAction(async () => {
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, {
      id: website.id,
      input: { visitorDeletion: !on },
    });
    onSaved(updateWebsite);
    toast(updateWebsite.visitorDeletion ? 'Visitor deletion on' : 'Visitor deletion off');
  });
  return (
    <section className="panel">
      <h2>Visitor deletion</h2>
      <div className="switch-row">
        <span className="switch-text">
          <strong id={`${id}-label`}>Visitors can delete their data</strong>
          <span className="hint" id={`${id}-hint`}>
            Shows a “Delete my conversations” link in the widget on {website.name}; it erases the visitor’s conversations and
            details (your team’s replies stay).
          </span>
        </span>
        <button
          type="button"
          className="switch"
          role="switch"
          aria-checked={on}
          aria-labelledby={`${id}-label`}
          aria-describedby={`${id}-hint`}
          disabled={save.busy}
          aria-busy={save.busy || undefined}
          onClick={() => void save.run()}
        />
      </div>
      {save.error && (
        <p className="form-error" role="alert">
          {save.error}
        </p>
      )}
    </section>
  );
}
