/**
 * Reports' CSV downloads (docs/analytics.md): the SDK's `analyticsCsv` fetches
 * `GET /analytics/report.csv` or `/analytics/conversations.csv` with the session's token
 * (renewed once if it had just expired), and the text is saved here through a `blob:`
 * URL, as the audit log's export is (the dashboard's CSP governs fetches, not downloads).
 */
import type { AgentClient } from '@chinwag/sdk';
import type { AnalyticsInput } from '../reports';
import type { Range } from './range';

/** Saves the CSV of `input` (`'conversations'`: a row per episode; `groupBy` does not apply); resolves to its row count. */
export async function downloadCsv(
  client: AgentClient,
  kind: 'report' | 'conversations',
  input: AnalyticsInput,
  range: Range,
): Promise<number> {
  const csv = await client.analyticsCsv(kind, input);
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  const span = range.first === range.last ? range.first : `${range.first}-to-${range.last}`;
  a.download = kind === 'report' ? `report-by-${input.groupBy!.toLowerCase()}-${span}.csv` : `conversations-${span}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the browser reads the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return csv.split('\n').filter(Boolean).length - 1;
}
