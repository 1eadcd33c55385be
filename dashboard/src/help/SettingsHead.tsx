/**
 * The head of the Help center's per-website settings screens (the answer bot, the help
 * center's address): the way back to the list, the title, what the screen is for, and
 * the website it sets when there are several (chosen in the address, `?website=…`).
 */
import type { ReactNode } from 'react';
import type { HelpWebsite } from '../articles';
import { Link, navigate } from '../router';
import { SelectField } from '../ui';

export function BackLink() {
  return (
    <Link to="help-center" className="help-back">
      ← Help center
    </Link>
  );
}

export function SettingsHead({
  title,
  path,
  websites,
  website,
  children,
}: {
  title: string;
  /** The screen's address, without its query: `help-center/bot`. */
  path: string;
  websites: HelpWebsite[];
  website: HelpWebsite;
  /** What the screen sets, under the title. */
  children: ReactNode;
}) {
  return (
    <header className="help-head">
      <div>
        <BackLink />
        <h1>{title}</h1>
        <p className="muted">{children}</p>
      </div>
      {websites.length > 1 && (
        <div className="help-head-actions">
          <SelectField
            label="Website"
            value={website.id}
            onChange={(e) => navigate(`${path}?website=${e.target.value}`, { replace: true })}
          >
            {websites.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </SelectField>
        </div>
      )}
    </header>
  );
}

/** What an agent sees at a screen that only owners and admins use: `what` is what they do there. */
export function AdminsOnly({ title, what }: { title: string; what: string }) {
  return (
    <>
      <BackLink />
      <h1>{title}</h1>
      <p className="notice" role="note">
        Only owners and admins {what}.
      </p>
    </>
  );
}
