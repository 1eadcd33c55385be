/**
 * Reports (owners and admins; docs/dashboard.md, "Reports"; every figure is defined in
 * docs/analytics.md): a range read in the organization's time zone, filters, summary
 * cards, four charts, the agents' and departments' tables, and the two CSV exports. The
 * whole state is in the URL's query, so a report can be shared and reloaded, and the
 * page asks for all of it in one request (`ReportDocument`).
 */
import { useServices } from '../directory';
import {
  ReportDocument,
  ReportOptionsDocument,
  type AnalyticsChannel,
  type AnalyticsInput,
  type ReportOptions,
} from '../reports';
import { navigate, useLocation } from '../router';
import { SwitchRow } from '../settings/WebsiteSwitches';
import { Button, EmptyState, ErrorState, Loading, SelectField, Spinner, TextField, toast, useAction, useLoad } from '../ui';
import { downloadCsv } from './csv';
import { Cards, Charts, GroupTable } from './figures';
import { GROUPING_LABELS, PRESETS, groupingsFor, rangeName, rangeOf, type Preset, type TimeGrouping } from './range';

/** The page's state, as the URL's query holds it (defaults left out). */
interface ReportState {
  preset: Preset;
  from: string | null;
  to: string | null;
  grouping: TimeGrouping | null;
  businessHours: boolean;
  website: string | null;
  department: string | null;
  agent: string | null;
  channel: AnalyticsChannel | null;
}

const CHANNELS: { value: AnalyticsChannel; label: string }[] = [
  { value: 'CHAT', label: 'Chat' },
  { value: 'EMAIL', label: 'Email' },
];

function readState(q: URLSearchParams): ReportState {
  const preset = PRESETS.find((p) => p.value === q.get('range'))?.value ?? '7d';
  const grouping = q.get('group');
  const channel = q.get('channel');
  return {
    preset,
    from: q.get('from'),
    to: q.get('to'),
    grouping: grouping && grouping in GROUPING_LABELS ? (grouping as TimeGrouping) : null,
    businessHours: q.get('hours') === 'business',
    website: q.get('website'),
    department: q.get('department'),
    agent: q.get('agent'),
    channel: CHANNELS.some((c) => c.value === channel) ? (channel as AnalyticsChannel) : null,
  };
}

function writeState(s: ReportState) {
  const q = new URLSearchParams();
  if (s.preset !== '7d') q.set('range', s.preset);
  if (s.preset === 'custom') {
    if (s.from) q.set('from', s.from);
    if (s.to) q.set('to', s.to);
  }
  if (s.grouping) q.set('group', s.grouping);
  if (s.businessHours) q.set('hours', 'business');
  if (s.website) q.set('website', s.website);
  if (s.department) q.set('department', s.department);
  if (s.agent) q.set('agent', s.agent);
  if (s.channel) q.set('channel', s.channel);
  const text = q.toString();
  navigate(text ? `reports?${text}` : 'reports', { replace: true });
}

export default function ReportsPage() {
  const { client } = useServices();
  const { query } = useLocation();
  const options = useLoad(() => client.request(ReportOptionsDocument), [client]);
  const state = readState(query);
  const set = (patch: Partial<ReportState>) => writeState({ ...state, ...patch });

  return (
    <div className="reports">
      <header className="reports-head">
        <h1>Reports</h1>
        <p className="muted">
          Volume, response times, satisfaction and conversions of your chats
          {options.data ? ` (times in ${options.data.organizationSchedule.timeZone})` : ''}.
        </p>
      </header>
      {options.data ? (
        <Report state={state} set={set} options={options.data} />
      ) : options.error ? (
        <ErrorState error={options.error} retry={options.reload} />
      ) : (
        <Loading />
      )}
    </div>
  );
}

/** When a report was computed, on the organization's clock: `6 Dec 2026, 21:09`. */
const clock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));

function Report({ state, set, options }: { state: ReportState; set(patch: Partial<ReportState>): void; options: ReportOptions }) {
  const { client } = useServices();
  const { websites, departments, agents } = options;
  const timeZone = options.organizationSchedule.timeZone;
  // "Today" moves at the organization's midnight; a reload after it asks for the new day.
  const range = rangeOf(state.preset, state, timeZone);
  const valid = 'error' in range ? null : range;
  const groupings = groupingsFor(valid?.days ?? 7);
  const grouping = state.grouping && groupings.options.includes(state.grouping) ? state.grouping : groupings.preferred;
  const input: AnalyticsInput | null = valid && {
    from: valid.from,
    to: valid.to,
    timeZone,
    businessHoursOnly: state.businessHours,
    ...(state.website && { websiteIds: [state.website] }),
    ...(state.department && { departmentIds: [state.department] }),
    ...(state.agent && { agentIds: [state.agent] }),
    ...(state.channel && { channels: [state.channel] }),
  };
  const withDepartments = departments.length > 0;
  const report = useLoad(
    async () =>
      input && {
        // Kept with the answer: while the next one loads, the charts still match this one's periods.
        range: valid!,
        grouping,
        answer: await client.request(ReportDocument, {
          time: { ...input, groupBy: grouping },
          hours: { ...input, groupBy: 'HOUR_OF_DAY' },
          agents: { ...input, groupBy: 'AGENT' },
          departments: { ...input, groupBy: 'DEPARTMENT' },
          withDepartments,
        }),
      },
    // The question by value: a new object each render, the same report.
    [client, JSON.stringify(input), grouping, withDepartments],
  );
  const download = useAction(async (kind: 'report' | 'conversations') => {
    const rows = await downloadCsv(client, kind, { ...input!, groupBy: grouping }, valid!);
    toast(`Downloaded ${rows} ${rows === 1 ? 'row' : 'rows'}`);
  });

  const shown = report.data;
  const data = shown?.answer;
  const empty = data && data.analytics.totals.episodes === 0 && data.analytics.totals.conversions.conversions === 0;
  const presetChoice = (preset: Preset) =>
    set(
      preset === 'custom'
        ? { preset, from: state.from ?? valid?.first ?? null, to: state.to ?? valid?.last ?? null, grouping: null }
        : { preset, grouping: null },
    );

  return (
    <>
      <section className="panel report-controls" aria-label="Report settings">
        <div className="report-filters">
          <SelectField label="Range" value={state.preset} onChange={(e) => presetChoice(e.target.value as Preset)}>
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </SelectField>
          {state.preset === 'custom' && (
            <>
              <TextField
                label="From"
                type="date"
                value={state.from ?? ''}
                max={state.to ?? undefined}
                onChange={(e) => set({ from: e.target.value || null })}
              />
              <TextField
                label="To"
                type="date"
                value={state.to ?? ''}
                min={state.from ?? undefined}
                onChange={(e) => set({ to: e.target.value || null })}
              />
            </>
          )}
          <SelectField label="Group by" value={grouping} onChange={(e) => set({ grouping: e.target.value as TimeGrouping })}>
            {groupings.options.map((g) => (
              <option key={g} value={g}>
                {GROUPING_LABELS[g]}
              </option>
            ))}
          </SelectField>
          {websites.length > 0 && (
            <SelectField label="Website" value={state.website ?? ''} onChange={(e) => set({ website: e.target.value || null })}>
              <option value="">All websites</option>
              {websites.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </SelectField>
          )}
          {departments.length > 0 && (
            <SelectField
              label="Department"
              value={state.department ?? ''}
              onChange={(e) => set({ department: e.target.value || null })}
            >
              <option value="">All departments</option>
              {departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </SelectField>
          )}
          <SelectField label="Agent" value={state.agent ?? ''} onChange={(e) => set({ agent: e.target.value || null })}>
            <option value="">All agents</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Channel"
            value={state.channel ?? ''}
            onChange={(e) => set({ channel: (e.target.value || null) as AnalyticsChannel | null })}
          >
            <option value="">Chat and email</option>
            {CHANNELS.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </SelectField>
        </div>
        <SwitchRow
          label="Business hours only"
          hint="Count response, resolution and wait times only while your websites are open (not on holidays)."
          on={state.businessHours}
          onToggle={() => set({ businessHours: !state.businessHours })}
        />
        {'error' in range ? (
          <p className="form-error" role="alert">
            {range.error}
          </p>
        ) : (
          <div className="report-range">
            <p>
              <strong>{rangeName(range)}</strong>
              <span className="muted" aria-live="polite">
                {report.loading ? (
                  <>
                    {' '}
                    <Spinner small label="Updating the report" /> Updating…
                  </>
                ) : data ? (
                  ` · computed ${clock(data.analytics.computedAt, timeZone)}`
                ) : null}
              </span>
            </p>
            {data && !empty && (
              <div className="row-actions">
                <Button icon="download" size="sm" busy={download.busy} onClick={() => void download.run('report')}>
                  Download report CSV
                </Button>
                <Button icon="download" size="sm" busy={download.busy} onClick={() => void download.run('conversations')}>
                  Download conversations CSV
                </Button>
              </div>
            )}
          </div>
        )}
        {download.error && (
          <p className="form-error" role="alert">
            {download.error}
          </p>
        )}
      </section>
      {!valid ? null : report.error ? (
        <ErrorState error={report.error} retry={report.reload} />
      ) : !shown ? (
        <Loading label="Computing the report…" />
      ) : empty ? (
        <EmptyState icon="chart" title="No conversations in this range">
          <p>Choose a longer range or fewer filters. Conversations count from the day their visitor first writes.</p>
        </EmptyState>
      ) : (
        <div className="report-body" aria-busy={report.loading || undefined}>
          <Cards totals={shown.answer.analytics.totals} />
          <Charts data={shown.answer} range={shown.range} grouping={shown.grouping} />
          <GroupTable
            title="Agents"
            what="Agent"
            none="Unassigned"
            groups={shown.answer.agents.groups}
            note="Each conversation counts for the agent who first answered it (until someone does, for its assignee)."
          />
          {shown.answer.departments && (
            <GroupTable title="Departments" what="Department" none="No department" groups={shown.answer.departments.groups} />
          )}
        </div>
      )}
    </>
  );
}
