/**
 * "Try on the last 100 conversations": a rule's or an automation's form asks the server
 * what the rule as written would have done (`routingRuleDryRun`, `automationDryRun`:
 * nothing is changed), and shows "Would have acted on 7 of 100" with those conversations,
 * each a link to it. A trigger's form does the same on page views (`Triggers.tsx`). The
 * server checks the input as it would on saving: its refusal shows under the button.
 */
import { useState, type ReactNode } from 'react';
import type { DryRun } from '../automations';
import { fullDate } from '../inbox/format';
import { Link } from '../router';
import { Button, useAction } from '../ui';

export function DryRunButton<T extends { checked: number; matched: number }>({
  label = 'Try on the last 100 conversations',
  verb,
  noun = '',
  run,
  children,
}: {
  label?: string;
  /** "Would have acted on", "Would have matched". */
  verb: string;
  /** What was checked, after the count ("page views"); nothing for conversations. */
  noun?: string;
  run(): Promise<T>;
  /** The matches, listed. */
  children(result: T): ReactNode;
}) {
  const [result, setResult] = useState<T | null>(null);
  const go = useAction(async () => {
    setResult(null);
    setResult(await run());
  });
  return (
    <div className="dry-run">
      <div className="row-actions">
        <Button icon="search" busy={go.busy} onClick={() => void go.run()}>
          {label}
        </Button>
      </div>
      {go.error && (
        <p className="form-error" role="alert">
          {go.error}
        </p>
      )}
      {result && (
        <div className="dry-run-result">
          <p role="status">
            <strong>
              {verb} {result.matched} of {result.checked}
              {noun && ` ${noun}`}
            </strong>
            {result.checked === 0 && ': nothing to try it on yet'}
            {result.checked > 0 && result.matched === 0 && ': none'}
          </p>
          {result.matched > 0 && children(result)}
        </div>
      )}
    </div>
  );
}

/** A dry run's conversations, newest first, each a link to it in the inbox. */
export function DryRunConversations({ result }: { result: DryRun }) {
  return (
    <ul className="dry-run-list" aria-label="Conversations it would have acted on">
      {result.conversations.map((c) => (
        <li key={c.id}>
          <Link to={`inbox/all/${c.id}`}>{c.visitor.name || 'Visitor'}</Link>
          <span className="dry-run-preview">{c.lastMessagePreview}</span>
          <time className="muted" dateTime={c.createdAt}>
            {fullDate(c.createdAt)}
          </time>
        </li>
      ))}
    </ul>
  );
}
