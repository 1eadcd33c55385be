/** Settings: a section list and the section on the right (one at a time on a phone). */
import { Suspense, lazy } from 'react';
import { Link, useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import { EmptyState, Icon, Loading } from '../ui';
import { AccountSection } from './Account';
import { ApiKeysSection } from './ApiKeys';
import { AuditLogSection } from './AuditLog';
import { AutomationsSection } from './Automations';
import { BlocksSection } from './Blocks';
import { CannedSection } from './Canned';
import { DepartmentsSection } from './Departments';
import { PrivacySection } from './Privacy';
import { RoutingSection } from './Routing';
import { TeamSection } from './Team';
import { TriggersSection } from './Triggers';
import { WebsitesSection } from './Websites';

// Webhooks are for developers, now and then: their ~5 KB load when opened, not with every settings page.
const WebhooksSection = lazy(() => import('./Webhooks').then((m) => ({ default: m.WebhooksSection })));
// Slack too: set up once, then seldom opened.
const SlackSection = lazy(() => import('./Slack').then((m) => ({ default: m.SlackSection })));

const SECTIONS = [
  { id: 'websites', label: 'Websites & widget', admin: true },
  { id: 'team', label: 'Team', admin: true },
  { id: 'departments', label: 'Departments', admin: true },
  { id: 'routing', label: 'Routing', admin: false },
  { id: 'automations', label: 'Automations', admin: false },
  { id: 'triggers', label: 'Triggers', admin: false },
  { id: 'canned', label: 'Saved replies', admin: false },
  { id: 'blocks', label: 'Blocked visitors', admin: false },
  { id: 'privacy', label: 'Privacy', admin: true },
  { id: 'api-keys', label: 'API keys', admin: true },
  { id: 'webhooks', label: 'Webhooks', admin: true },
  { id: 'slack', label: 'Slack', admin: true },
  { id: 'audit', label: 'Audit log', admin: true },
  { id: 'account', label: 'Account & notifications', admin: false },
] as const;

export default function SettingsPage() {
  const me = useMe();
  const { segments } = useLocation();
  const sections = SECTIONS.filter((s) => !s.admin || isAdmin(me));
  const current = sections.find((s) => s.id === segments[1]);
  // A section this agent's role may not open (a shared link, say): said plainly.
  const barred = current ? undefined : SECTIONS.find((s) => s.id === segments[1]);
  return (
    <div className={`settings${current || barred ? ' has-open' : ''}`}>
      <nav className="settings-nav" aria-label="Settings">
        <h1>Settings</h1>
        <ul>
          {sections.map((s) => (
            <li key={s.id}>
              <Link
                to={`settings/${s.id}`}
                className={s.id === current?.id ? 'on' : ''}
                aria-current={s.id === current?.id ? 'page' : undefined}
              >
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings-body">
        {(current || barred) && (
          <Link to="settings" className="only-phone back-link">
            <Icon name="back" size={16} /> Settings
          </Link>
        )}
        {current?.id === 'websites' ? (
          <WebsitesSection id={segments[2] ?? null} />
        ) : current?.id === 'team' ? (
          <TeamSection />
        ) : current?.id === 'departments' ? (
          <DepartmentsSection />
        ) : current?.id === 'routing' ? (
          <RoutingSection />
        ) : current?.id === 'automations' ? (
          <AutomationsSection />
        ) : current?.id === 'triggers' ? (
          <TriggersSection websiteId={segments[2] ?? null} />
        ) : current?.id === 'canned' ? (
          <CannedSection />
        ) : current?.id === 'blocks' ? (
          <BlocksSection />
        ) : current?.id === 'privacy' ? (
          <PrivacySection />
        ) : current?.id === 'api-keys' ? (
          <ApiKeysSection />
        ) : current?.id === 'webhooks' ? (
          <Suspense fallback={<Loading />}>
            <WebhooksSection id={segments[2] ?? null} />
          </Suspense>
        ) : current?.id === 'slack' ? (
          <Suspense fallback={<Loading />}>
            <SlackSection />
          </Suspense>
        ) : current?.id === 'audit' ? (
          <AuditLogSection />
        ) : current?.id === 'account' ? (
          <AccountSection />
        ) : barred ? (
          <EmptyState icon="block" title={`${barred.label} is for owners and admins`}>
            <p>Only owners and admins of your organization can open it. Ask one of them if you need something from it.</p>
          </EmptyState>
        ) : (
          <EmptyState icon="settings" title="Choose a section">
            <p>
              {isAdmin(me)
                ? 'Websites, your team, departments and routing, automations and triggers, saved replies, blocked visitors, privacy requests, API keys, webhooks, Slack, the audit log and your account.'
                : 'Routing, automations and triggers (to look at), saved replies, blocked visitors and your account.'}
            </p>
          </EmptyState>
        )}
      </div>
    </div>
  );
}
