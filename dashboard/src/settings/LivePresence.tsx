/**
 * A website's live presence (the Visitors page, docs/dashboard.md): whether its widget
 * tells the server who is on the site before they use the chat. Off by default; with a
 * beacon per page load (nothing kept in the browser); or with a first-party id kept in
 * the visitor's browser, which only a site with the visitor's consent should choose.
 * Saved alone with one `updateWebsite`.
 */
import { useId, useState } from 'react';
import { UpdateWebsiteDocument, type LivePresence, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { Link } from '../router';
import { Button, toast, useAction } from '../ui';

export const PRESENCE_CHOICES: { value: LivePresence; label: string; hint: string }[] = [
  {
    value: 'OFF',
    label: 'Off',
    hint: 'The default. The widget tells the server nothing before the visitor uses the chat.',
  },
  {
    value: 'PAGE_LOAD',
    label: 'Each page load',
    hint: 'A light beacon every 30 s while the page is open: its address, title and referrer. Nothing is stored in the visitor’s browser, so each page counts as a new visitor and nobody shows as returning.',
  },
  {
    value: 'FIRST_PARTY_ID',
    label: 'With a first-party id',
    hint: 'One random id is kept in the visitor’s browser for your site, so you see returning visitors and the pages of each visit. Choose it only if your site has the visitor’s consent, for example through its cookie banner.',
  },
];

export function LivePresenceEditor({ website, onSaved }: { website: WebsiteDetails; onSaved(w: WebsiteDetails): void }) {
  const { client } = useServices();
  const [mode, setMode] = useState<LivePresence>(website.livePresence);
  const id = useId();
  const save = useAction(async () => {
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, {
      id: website.id,
      input: { livePresence: mode },
    });
    onSaved(updateWebsite);
    toast(updateWebsite.livePresence === 'OFF' ? 'Live visitors off' : 'Live visitors on');
  });
  return (
    <section className="panel">
      <h2>Live visitors</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <fieldset className="fieldset">
          <legend>Show who is on {website.name} before they chat</legend>
          {PRESENCE_CHOICES.map((c) => (
            <div key={c.value}>
              <label className="check">
                <input
                  type="radio"
                  name={`${id}-presence`}
                  value={c.value}
                  checked={mode === c.value}
                  aria-describedby={`${id}-${c.value}`}
                  onChange={() => setMode(c.value)}
                />{' '}
                {c.label}
              </label>
              <p className="hint check-hint" id={`${id}-${c.value}`}>
                {c.hint}
              </p>
            </div>
          ))}
          <p className="hint">
            Your team sees them on the <Link to="visitors">Visitors</Link> page and can write to them; a message becomes a
            conversation only if the visitor replies.
          </p>
        </fieldset>
        {save.error && (
          <p className="form-error" role="alert">
            {save.error}
          </p>
        )}
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={save.busy} disabled={mode === website.livePresence}>
            Save live visitors
          </Button>
        </div>
      </form>
    </section>
  );
}
