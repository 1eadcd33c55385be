/**
 * What a report shows: the summary cards, the four charts of the range, and the agents'
 * and departments' tables (visitors' mood among the figures: docs/analytics.md,
 * "Sentiment"). Each figure's exact value is in a `<data>` element beside its words
 * (`data-figure` names it), for scripts and tests reading the page.
 */
import { useId, type ReactNode } from 'react';
import type { AnalyticsFigures, AnalyticsGroup, ReportData } from '../reports';
import { BarChart, LineChart } from './charts';
import {
  GROUPING_LABELS,
  duration,
  money,
  number,
  percent,
  periodLabel,
  periodName,
  periodsOf,
  rating,
  type Range,
  type TimeGrouping,
} from './range';

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

/** The summary cards of a report's totals. */
export function Cards({ totals: t }: { totals: AnalyticsFigures }) {
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
        label="Negative conversations"
        value={number(t.negativeConversations)}
        figure="negativeConversations"
        raw={t.negativeConversations}
      >
        <Figure figure="angryConversations" raw={t.angryConversations}>
          {number(t.angryConversations)}
        </Figure>{' '}
        of them angry ·{' '}
        <Figure figure="negativeMessages" raw={t.negativeMessages}>
          {number(t.negativeMessages)}
        </Figure>{' '}
        negative {t.negativeMessages === 1 ? 'message' : 'messages'} ·{' '}
        {percent(t.episodes ? t.negativeConversations / t.episodes : null)} of {number(t.episodes)}
      </Stat>
      <Stat
        label="Chat-assisted conversions"
        value={number(t.conversions.chatAssisted)}
        figure="conversions.chatAssisted"
        raw={t.conversions.chatAssisted}
      >
        {revenue ?? 'No revenue'} · {number(t.conversions.conversions)}{' '}
        {t.conversions.conversions === 1 ? 'conversion' : 'conversions'} in all
      </Stat>
    </div>
  );
}

export function Charts({ data, range, grouping }: { data: ReportData; range: Range; grouping: TimeGrouping }) {
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

export function GroupTable({
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
                <th scope="col">Negative conversations</th>
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
                    <td>
                      <Figure figure="negativeConversations" raw={f.negativeConversations}>
                        {number(f.negativeConversations)}
                      </Figure>
                      {f.angryConversations > 0 && (
                        <small className="muted">
                          {' '}
                          (
                          <Figure figure="angryConversations" raw={f.angryConversations}>
                            {number(f.angryConversations)}
                          </Figure>{' '}
                          angry)
                        </small>
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
