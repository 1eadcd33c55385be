/**
 * A website's yes-or-no settings, each a switch that saves on its own with one
 * `updateWebsite` (as the push switch of Account does: one yes-or-no needs no Save button).
 *
 * - Page analytics (docs/integrations.md, "Page analytics"): whether the widget pushes the
 *   chat's events (opened, conversation started, message sent, rating given) to the page's
 *   `dataLayer` for Google Tag Manager and GA4. Off by default.
 * - Visitor deletion (docs/privacy.md, "A visitor deleting their own data"): whether the
 *   widget offers "Delete my conversations" (`deleteMyData`), the visitor's own erasure of
 *   their messages and details. Off by default.
 *
 * `SwitchRow` is the labelled switch itself, for switches saved with a form (Conversions.tsx).
 */
import { useId, type ReactNode } from 'react';
import { UpdateWebsiteDocument, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { toast, useAction } from '../ui';

/** A switch with its label and a hint, both read with it; `busy` while what it changes is saved. */
export function SwitchRow({
  label,
  hint,
  on,
  busy,
  onToggle,
}: {
  label: string;
  hint: ReactNode;
  on: boolean;
  busy?: boolean;
  onToggle(): void;
}) {
  const id = useId();
  return (
    <div className="switch-row">
      <span className="switch-text">
        <strong id={`${id}-label`}>{label}</strong>
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      </span>
      <button
        type="button"
        className="switch"
        role="switch"
        aria-checked={on}
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-hint`}
        disabled={busy}
        aria-busy={busy || undefined}
        onClick={onToggle}
      />
    </div>
  );
}

type Props = { website: WebsiteDetails; onSaved(w: WebsiteDetails): void };

function WebsiteSwitch({
  website,
  onSaved,
  field,
  title,
  label,
  hint,
}: Props & { field: 'pageAnalytics' | 'visitorDeletion'; title: string; label: string; hint: ReactNode }) {
  const { client } = useServices();
  const on = website[field];
  const save = useAction(async () => {
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, { id: website.id, input: { [field]: !on } });
    onSaved(updateWebsite);
    toast(`${title} ${updateWebsite[field] ? 'on' : 'off'}`);
  });
  return (
    <section className="panel">
      <h2>{title}</h2>
      <SwitchRow label={label} hint={hint} on={on} busy={save.busy} onToggle={() => void save.run()} />
      {save.error && (
        <p className="form-error" role="alert">
          {save.error}
        </p>
      )}
    </section>
  );
}

export function PageAnalyticsEditor(props: Props) {
  return (
    <WebsiteSwitch
      {...props}
      field="pageAnalytics"
      title="Page analytics"
      label="Send chat events to Google Tag Manager (dataLayer)"
      hint={
        <>
          The widget on {props.website.name} adds <code>chinwag_opened</code>, <code>chinwag_conversation_started</code>,{' '}
          <code>chinwag_message_sent</code> and <code>chinwag_rating_given</code> to the page’s <code>dataLayer</code>, for your
          Tag Manager triggers and GA4 tags: never a message’s text, a name or an email.
        </>
      }
    />
  );
}

export function VisitorDeletionEditor(props: Props) {
  return (
    <WebsiteSwitch
      {...props}
      field="visitorDeletion"
      title="Visitor deletion"
      label="Visitors can delete their data"
      hint={
        <>
          Shows a “Delete my conversations” link in the widget on {props.website.name}; it erases the visitor’s conversations and
          details (your team’s replies stay).
        </>
      }
    />
  );
}
