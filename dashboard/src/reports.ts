/**
 * The GraphQL documents of Reports (docs/analytics.md defines every figure): the
 * `analytics` query and what the page's filters are made of; typed by hand against
 * `schema/schema.graphql` like `api.ts` (test/documents.test.mjs checks them), and kept
 * apart from it so that they load with the page, not with the inbox.
 */
import type { TypedDocument } from '@chinwag/sdk';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

export type AnalyticsGrouping =
  'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'HOUR_OF_DAY' | 'DAY_OF_WEEK' | 'AGENT' | 'DEPARTMENT' | 'WEBSITE' | 'CHANNEL' | 'TAG';

export type AnalyticsChannel = 'CHAT' | 'EMAIL';

/** A report's question: episodes started in `[from, to)`, narrowed by the filters. */
export interface AnalyticsInput {
  from: string;
  to: string;
  /** IANA; the organization's when absent. */
  timeZone?: string;
  groupBy?: AnalyticsGrouping;
  businessHoursOnly?: boolean;
  websiteIds?: string[];
  departmentIds?: string[];
  agentIds?: string[];
  channels?: AnalyticsChannel[];
  tags?: string[];
}

/** Seconds: the average is exact, p50 and p90 within 1%; null when `count` is 0. */
export interface AnalyticsDuration {
  count: number;
  averageSeconds: number | null;
  p50Seconds: number | null;
  p90Seconds: number | null;
}

export interface AnalyticsFigures {
  conversations: number;
  reopened: number;
  episodes: number;
  missed: number;
  resolved: number;
  firstResponseTime: AnalyticsDuration;
  resolutionTime: AnalyticsDuration;
  /** Episodes with a visitor's message that reads as negative (angry ones included; docs/analytics.md, "Sentiment"). */
  negativeConversations: number;
  /** Episodes with a visitor's message that reads as angry. */
  angryConversations: number;
  /** Visitors' public messages that read as negative or angry. */
  negativeMessages: number;
  csat: {
    ratings: number;
    average: number | null;
    /** How many of each rating, 1 to 5. */
    distribution: number[];
    responseRate: number | null;
    comments: number;
  };
  conversions: {
    conversions: number;
    chatAssisted: number;
    conversionRate: number | null;
    revenue: { amount: number; currency: string }[];
  };
}

export interface AnalyticsGroup<F = AnalyticsFigures> {
  /** An id, a period's local start (`2026-12-07`, `2026-12`, `2026-12-07T14:00`), an hour... */
  key: string;
  label: string;
  start: string | null;
  figures: F;
}

/** What the time charts need of a period. */
export type PeriodFigures = Pick<AnalyticsFigures, 'conversations' | 'reopened' | 'episodes'> & {
  firstResponseTime: Pick<AnalyticsDuration, 'p50Seconds' | 'p90Seconds'>;
};

const DURATION = 'count averageSeconds p50Seconds p90Seconds';
const FIGURES = `conversations reopened episodes missed resolved firstResponseTime { ${DURATION} } resolutionTime { ${DURATION} }
  negativeConversations angryConversations negativeMessages
  csat { ratings average distribution responseRate comments }
  conversions { conversions chatAssisted conversionRate revenue { amount currency } }`;

export interface ReportData {
  /** Grouped by time (the chart's grouping), with the totals. */
  analytics: {
    timeZone: string;
    computedAt: string;
    totals: AnalyticsFigures;
    groups: AnalyticsGroup<PeriodFigures>[];
  };
  hours: { groups: AnalyticsGroup<{ episodes: number }>[] };
  agents: { groups: AnalyticsGroup[] };
  /** Only asked for when the organization has departments. */
  departments?: { groups: AnalyticsGroup[] };
}

/**
 * The whole page in one request: the range by time (with the totals), by hour of day, by
 * agent and (`withDepartments`) by department. Each is a report of its own against the
 * organization's 60 a minute.
 */
export const ReportDocument = doc<
  ReportData,
  { time: AnalyticsInput; hours: AnalyticsInput; agents: AnalyticsInput; departments: AnalyticsInput; withDepartments: boolean }
>(
  `query Report($time: AnalyticsInput!, $hours: AnalyticsInput!, $agents: AnalyticsInput!, $departments: AnalyticsInput!, $withDepartments: Boolean!) {
  analytics(input: $time) { timeZone computedAt totals { ${FIGURES} }
    groups { key label start figures { conversations reopened episodes firstResponseTime { p50Seconds p90Seconds } } } }
  hours: analytics(input: $hours) { groups { key label start figures { episodes } } }
  agents: analytics(input: $agents) { groups { key label start figures { ${FIGURES} } } }
  departments: analytics(input: $departments) @include(if: $withDepartments) { groups { key label start figures { ${FIGURES} } } }
}`,
);

/** What the filters offer, and the time zone the ranges are read in. */
export interface ReportOptions {
  organizationSchedule: { timeZone: string };
  websites: { id: string; name: string }[];
  departments: { id: string; name: string }[];
  agents: { id: string; name: string }[];
}

export const ReportOptionsDocument = doc<ReportOptions>(
  'query ReportOptions { organizationSchedule { timeZone } websites { id name } departments { id name } agents { id name } }',
);
