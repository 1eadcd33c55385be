/**
 * A website's page analytics (docs/integrations.md, "Page analytics"): whether its
 * widget pushes the chat's events (opened, conversation started, message sent, rating
 * given) to the page's `dataLayer` for Google Tag Manager and GA4. Off by default. A
 * switch that saves on its own with one `updateWebsite`, as the push switch of Account
 * does: one yes-or-no needs no Save button.
 */
import { useId } from 'react';
import { UpdateWebsiteDocument, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { toast, useAction } from '../ui';

export function PageAnalyticsEditor({ website, onSaved }: { website: WebsiteDetails; onSaved(w: WebsiteDetails): void }) {
  const { client } = useServices();
  const id = useId();
  const on = website.pageAnalytics;
  const save = useAction(async () => {
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, {
      id: website.id,
      input: { pageAnalytics: !on },
    });
    onSaved(updateWebsite);
    toast(updateWebsite.pageAnalytics ? 'Page analytics on' : 'Page analytics off');
  });
  return (
    <section className="panel">
      <h2>Page analytics</h2>
      <div className="switch-row">
        <span className="switch-text">
          <strong id={`${id}-label`}>Send chat events to Google Tag Manager (dataLayer)</strong>
          <span className="hint" id={`${id}-hint`}>
            The widget on {website.name} adds <code>chinwag_opened</code>, <code>chinwag_conversation_started</code>,{' '}
            <code>chinwag_message_sent</code> and <code>chinwag_rating_given</code> to the page’s <code>dataLayer</code>, for your
            Tag Manager triggers and GA4 tags: never a message’s text, a name or an email.
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
