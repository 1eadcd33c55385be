/**
 * A website's conversions (docs/analytics.md, "Conversions"): its goals (event names that
 * count besides `purchase`, which always does), the attribution window in days, and
 * whether purchases tracked by the browser (unverified) count in revenue. Saved together
 * with one `updateWebsite`; the server checks the names and the window, and its refusal
 * shows above the button with nothing saved.
 */
import { useId, useState } from 'react';
import { UpdateWebsiteDocument, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { Button, TextField, toast, useAction } from '../ui';
import { SwitchRow } from './WebsiteSwitches';

export function ConversionsEditor({ website, onSaved }: { website: WebsiteDetails; onSaved(w: WebsiteDetails): void }) {
  const { client } = useServices();
  const id = useId();
  const [goals, setGoals] = useState(website.goals);
  const [adding, setAdding] = useState('');
  const [days, setDays] = useState(String(website.conversionWindowDays));
  const [browserRevenue, setBrowserRevenue] = useState(website.browserRevenue);
  const changed =
    goals.join('\n') !== website.goals.join('\n') ||
    Number(days) !== website.conversionWindowDays ||
    browserRevenue !== website.browserRevenue;

  const add = () => {
    const name = adding.trim();
    // `purchase` always counts; the server checks the rest of the name.
    if (name && name !== 'purchase' && !goals.includes(name)) setGoals([...goals, name]);
    setAdding('');
  };
  const save = useAction(async () => {
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, {
      id: website.id,
      input: { goals, conversionWindowDays: Number(days), browserRevenue },
    });
    onSaved(updateWebsite);
    setGoals(updateWebsite.goals);
    setDays(String(updateWebsite.conversionWindowDays));
    setBrowserRevenue(updateWebsite.browserRevenue);
    toast('Conversions saved');
  });

  return (
    <section className="panel">
      <h2>Conversions</h2>
      <p className="muted">
        Purchases and goals reached on {website.name}, each credited to the visitor’s chat before it. Your site tracks them with{' '}
        <code>Chinwag('track', …)</code> or its server posts them.
      </p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <h3 id={`${id}-goals`}>Goals</h3>
        <p className="hint">
          The event names your site tracks besides <code>purchase</code>: letters, digits, <code>_ - . :</code>, up to 64
          characters each, at most 20 goals.
        </p>
        <ul className="chips" aria-labelledby={`${id}-goals`}>
          <li className="chip">
            purchase <small className="muted">always counts</small>
          </li>
          {goals.map((g) => (
            <li key={g} className="chip">
              {g}
              <button type="button" aria-label={`Remove goal ${g}`} onClick={() => setGoals(goals.filter((x) => x !== g))}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <div className="inline-form">
          <TextField
            label="New goal"
            value={adding}
            placeholder="signup"
            onChange={(e) => setAdding(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              e.preventDefault(); // adds the goal rather than saving the form
              add();
            }}
          />
          <Button onClick={add} disabled={!adding.trim()}>
            Add goal
          </Button>
        </div>
        <TextField
          label="Attribution window (days)"
          type="number"
          inputMode="numeric"
          min={1}
          max={90}
          required
          value={days}
          onChange={(e) => setDays(e.target.value)}
          hint="A conversation earns a conversion made up to this many days after it started (1 to 90)."
        />
        <SwitchRow
          label="Count purchases tracked in the browser in revenue"
          hint="Purchases tracked in the browser are unverified (anyone can send one from the browser’s console); off, only purchases your server posts count."
          on={browserRevenue}
          onToggle={() => setBrowserRevenue(!browserRevenue)}
        />
        {save.error && (
          <p className="form-error" role="alert">
            {save.error}
          </p>
        )}
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={save.busy} disabled={!changed}>
            Save conversions
          </Button>
        </div>
      </form>
    </section>
  );
}
