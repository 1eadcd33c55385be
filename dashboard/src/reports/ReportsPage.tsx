/**
 * Reports (owners and admins; docs/dashboard.md, "Reports"; every figure is defined in
 * docs/analytics.md): a range read in the organization's time zone, filters, summary
 * cards, four charts, the agents' and departments' tables, and the two CSV exports. The
 * whole state is in the URL's query, so a report can be shared and reloaded, and the
 * page asks for all of it in one request (`ReportDocument`).
 */
import type { AgentClient } from '@chinwag/sdk';
import { useId, type ReactNode } from 'react';
import { useDirectory, useServices } from '../directory';
import { fullDate } from '../inbox/format';
import {
  ReportDocument,
  ReportOptionsDocument,
  type AnalyticsChannel,
  type AnalyticsFigures,
  type AnalyticsGroup,
  type AnalyticsInput,
  type ReportData,
} from '../reports';
import { navigate, useLocation } from '../router';
import { SwitchRow } from '../settings/WebsiteSwitches';
import { Button, EmptyState, ErrorState, Loading, SelectField, Spinner, TextField, toast, useAction, useLoad } from '../ui';
import { BarChart, LineChart } from './charts';
import {
  PRESETS,
  duration,
  groupingsFor,
  money,
  number,
  percent,
  periodLabel,
  periodName,
  periodsOf,
  rangeName,
  rangeOf,
  rating,
  type Preset,
  type Range,
  type TimeGrouping,
} from './range';

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

const GROUPING_LABELS: Record<TimeGrouping, string> = { HOUR: 'Hour', DAY: 'Day', WEEK: 'Week', MONTH: 'Month' };
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
        <Report state={state} set={set} timeZone={options.data.organizationSchedule.timeZone} websites={options.data.websites} />
      ) : options.error ? (
        <ErrorState error={options.error} retry={options.reload} />
      ) : (
        <Loading />
      )}
    </div>
  );
}

function Report({
  state,
  set,
  timeZone,
  websites,
}: {
  state: ReportState;
  set(patch: Partial<ReportState>): void;
  timeZone: string;
  websites: { id: string; name: string }[];
}) {
  const { client } = useServices();
  const { agents, departments } = useDirectory();
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
      input &&
      (await client.request(ReportDocument, {
        time: { ...input, groupBy: grouping },
        hours: { ...input, groupBy: 'HOUR_OF_DAY' },
        agents: { ...input, groupBy: 'AGENT' },
        departments: { ...input, groupBy: 'DEPARTMENT' },
        withDepartments,
      })),
    // The question by value: a new object each render, the same report.
    [client, JSON.stringify(input), grouping, withDepartments],
  );
  const download = useAction(async (kind: 'report' | 'conversations') => {
    const rows = await downloadCsv(client, kind, { ...input!, groupBy: grouping }, valid!);
    toast(`Downloaded ${rows} ${rows === 1 ? 'row' : 'rows'}`);
  });

  const data = report.data;
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
                  ` · computed ${fullDate(data.analytics.computedAt)}`
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
      ) : !data ? (
        <Loading label="Computing the report…" />
      ) : empty ? (
        <EmptyState icon="chart" title="No conversations in this range">
          <p>Choose a longer range or fewer filters. Conversations count from the day their visitor first writes.</p>
        </EmptyState>
      ) : (
        <div className="report-body" aria-busy={report.loading || undefined}>
          <Cards totals={data.analytics.totals} />
          <Charts data={data} range={valid} grouping={grouping} />
          <GroupTable
            title="Agents"
            what="Agent"
            none="Unassigned"
            groups={data.agents.groups}
            note="Each conversation counts for the agent it was assigned to."
          />
          {data.departments && (
            <GroupTable title="Departments" what="Department" none="No department" groups={data.departments.groups} />
          )}
        </div>
      )}
    </>
  );
}

/** A summary figure: the value in `<data>` (its exact number for machines), and what qualifies it. */
function Stat({
  label,
  value,
  figure,
  raw,
  children,
}: {
  label: string;
  value: string;
  /** Which figure this is, for tests and scripts reading the page. */
  figure: string;
  raw: number | null;
  children?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="stat" role="group" aria-labelledby={id}>
      <h3 id={id}>{label}</h3>
      <p className="stat-value">
        <Figure figure={figure} raw={raw}>
          {value}
        </Figure>
      </p>
      {children && <p className="stat-more muted">{children}</p>}
    </div>
  );
}

const Figure = ({ figure, raw, children }: { figure: string; raw: number | null; children: ReactNode }) => (
  <data value={raw ?? ''} data-figure={figure}>
    {children}
  </data>
);

function Cards({ totals: t }: { totals: AnalyticsFigures }) {
  const first = t.firstResponseTime;
  const resolution = t.resolutionTime;
  const revenue = money(t.conversions.revenue);
  return (
    <div className="stats">
      <Stat label="Conversations" value={number(t.conversations)} figure="conversations" raw={t.conversations}>
        <Figure figure="reopened" raw={t.reopened}>
          {number(t.reopened)}
        </Figure>{' '}
        reopened · {number(t.episodes)} in all
      </Stat>
      <Stat label="Missed" value={number(t.missed)} figure="missed" raw={t.missed}>
        No reply within an hour · {percent(t.episodes ? t.missed / t.episodes : null)} of {number(t.episodes)}
      </Stat>
      <Stat
        label="First response (median)"
        value={duration(first.p50Seconds)}
        figure="firstResponseTime.p50Seconds"
        raw={first.p50Seconds}
      >
        {first.count ? (
          <>
            90% within{' '}
            <Figure figure="firstResponseTime.p90Seconds" raw={first.p90Seconds}>
              {duration(first.p90Seconds)}
            </Figure>{' '}
            · average{' '}
            <Figure figure="firstResponseTime.averageSeconds" raw={first.averageSeconds}>
              {duration(first.averageSeconds)}
            </Figure>
          </>
        ) : (
          'No replies yet'
        )}
      </Stat>
      <Stat
        label="Resolution (median)"
        value={duration(resolution.p50Seconds)}
        figure="resolutionTime.p50Seconds"
        raw={resolution.p50Seconds}
      >
        {resolution.count ? (
          <>
            90% within{' '}
            <Figure figure="resolutionTime.p90Seconds" raw={resolution.p90Seconds}>
              {duration(resolution.p90Seconds)}
            </Figure>{' '}
            ·{' '}
            <Figure figure="resolved" raw={t.resolved}>
              {number(t.resolved)}
            </Figure>{' '}
            resolved
          </>
        ) : (
          'None resolved yet'
        )}
      </Stat>
      <Stat
        label="Satisfaction"
        value={t.csat.average == null ? '–' : `${rating(t.csat.average)} / 5`}
        figure="csat.average"
        raw={t.csat.average}
      >
        <Figure figure="csat.ratings" raw={t.csat.ratings}>
          {number(t.csat.ratings)}
        </Figure>{' '}
        {t.csat.ratings === 1 ? 'rating' : 'ratings'} ·{' '}
        <Figure figure="csat.responseRate" raw={t.csat.responseRate}>
          {percent(t.csat.responseRate)}
        </Figure>{' '}
        of resolved rated
      </Stat>
      <Stat
        label="Chat-assisted conversions"
        value={number(t.conversions.chatAssisted)}
        figure="conversions.chatAssisted"
        raw={t.conversions.chatAssisted}
      >
        {revenue ?? 'No revenue'} · {number(t.conversions.conversions)} conversions in all
      </Stat>
    </div>
  );
}

function Charts({ data, range, grouping }: { data: ReportData; range: Range; grouping: TimeGrouping }) {
  const periods = periodsOf(range, grouping);
  const byKey = new Map(data.analytics.groups.map((g) => [g.key, g.figures]));
  const labels = periods.map((k) => periodLabel(k, grouping, range.days > 1));
  const names = periods.map((k) => periodName(k, grouping));
  const unit = GROUPING_LABELS[grouping];
  const hours = new Map(data.hours.groups.map((g) => [g.key, g.figures.episodes]));
  const hourKeys = Array.from({ length: 24 }, (_, h) => String(h));
  const csat = data.analytics.totals.csat;
  return (
    <div className="charts">
      <BarChart
        title="Conversations over time"
        categoryName={unit}
        labels={labels}
        names={names}
        series={[
          { name: 'New', values: periods.map((k) => byKey.get(k)?.conversations ?? 0) },
          { name: 'Reopened', values: periods.map((k) => byKey.get(k)?.reopened ?? 0) },
        ]}
      />
      <LineChart
        title="First response time"
        categoryName={unit}
        labels={labels}
        names={names}
        note="Median and 90th percentile of the first reply's wait."
        format={(s) => duration(s)}
        durations
        series={[
          { name: 'Median', values: periods.map((k) => byKey.get(k)?.firstResponseTime.p50Seconds ?? null) },
          { name: '90th percentile', values: periods.map((k) => byKey.get(k)?.firstResponseTime.p90Seconds ?? null) },
        ]}
      />
      <BarChart
        title="Satisfaction ratings"
        categoryName="Rating"
        labels={['1', '2', '3', '4', '5']}
        names={['1 (worst)', '2', '3', '4', '5 (best)']}
        note={`${number(csat.ratings)} ${csat.ratings === 1 ? 'rating' : 'ratings'}, ${number(csat.comments)} with a comment.`}
        series={[{ name: 'Ratings', values: [0, 1, 2, 3, 4].map((i) => csat.distribution[i] ?? 0) }]}
      />
      <BarChart
        title="Busiest hours"
        categoryName="Hour"
        labels={hourKeys.map((h) => h.padStart(2, '0'))}
        names={hourKeys.map((h) => `${h.padStart(2, '0')}:00–${h.padStart(2, '0')}:59`)}
        note="Conversations by the hour they started, over the whole range."
        series={[{ name: 'Conversations', values: hourKeys.map((h) => hours.get(h) ?? 0) }]}
      />
    </div>
  );
}

function GroupTable({
  title,
  what,
  none,
  groups,
  note,
}: {
  title: string;
  what: string;
  /** The name of the group with key `""`. */
  none: string;
  groups: AnalyticsGroup[];
  note?: string;
}) {
  const id = useId();
  const rows = [...groups].sort((a, b) => b.figures.episodes - a.figures.episodes || a.label.localeCompare(b.label));
  return (
    <section className="panel report-table" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {note && <p className="muted">{note}</p>}
      {rows.length ? (
        <div className="table-scroll" role="region" aria-label={`${title} table`} tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{what}</th>
                <th scope="col">Conversations</th>
                <th scope="col">First response (median)</th>
                <th scope="col">Resolution (median)</th>
                <th scope="col">Satisfaction</th>
                <th scope="col">Chat-assisted conversions</th>
                <th scope="col">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((g) => {
                const f = g.figures;
                return (
                  <tr key={g.key}>
                    <th scope="row">{g.key ? g.label : none}</th>
                    <td>
                      <Figure figure="conversations" raw={f.conversations}>
                        {number(f.conversations)}
                      </Figure>
                      {f.reopened > 0 && <small className="muted"> +{number(f.reopened)} reopened</small>}
                    </td>
                    <td>{duration(f.firstResponseTime.p50Seconds)}</td>
                    <td>{duration(f.resolutionTime.p50Seconds)}</td>
                    <td>
                      {f.csat.ratings ? (
                        <>
                          {rating(f.csat.average)} / 5{' '}
                          <small className="muted">
                            ({number(f.csat.ratings)} {f.csat.ratings === 1 ? 'rating' : 'ratings'})
                          </small>
                        </>
                      ) : (
                        '–'
                      )}
                    </td>
                    <td>{number(f.conversions.chatAssisted)}</td>
                    <td>{money(f.conversions.revenue) ?? '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">Nothing in this range.</p>
      )}
    </section>
  );
}

/** The query string of the CSV endpoints: the report's input, lists comma-separated. */
function csvQuery(input: AnalyticsInput): URLSearchParams {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value == null) continue;
    q.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return q;
}

/**
 * Fetches `GET /analytics/report.csv` or `conversations.csv` for `input` with the
 * session's token (once more after a refresh if it had just expired) and saves it
 * through a `blob:` URL, as the audit log's export does; resolves to its row count.
 */
async function downloadCsv(
  client: AgentClient,
  kind: 'report' | 'conversations',
  input: AnalyticsInput,
  range: Range,
): Promise<number> {
  const get = () =>
    fetch(`/analytics/${kind}.csv?${csvQuery(input)}`, {
      headers: { authorization: `Bearer ${client.session?.accessToken ?? ''}` },
      cache: 'no-store',
    });
  let r = await get();
  if (r.status === 401) {
    // The SDK refreshes the session on a refused request.
    await client.me().catch(() => {});
    r = await get();
  }
  if (!r.ok) {
    const body = (await r.json().catch(() => null)) as { errors?: { message?: string }[] } | null;
    throw new Error(
      r.status === 429
        ? 'Too many reports this minute: try again in a moment.'
        : (body?.errors?.[0]?.message ?? `The download failed (${r.status}).`),
    );
  }
  const csv = await r.blob();
  const url = URL.createObjectURL(csv);
  const a = document.createElement('a');
  a.href = url;
  const span = range.first === range.last ? range.first : `${range.first}-to-${range.last}`;
  a.download = kind === 'report' ? `report-by-${input.groupBy!.toLowerCase()}-${span}.csv` : `conversations-${span}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the browser reads the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return (await csv.text()).split('\n').filter(Boolean).length - 1;
}
