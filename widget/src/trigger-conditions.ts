/**
 * Whether a trigger's conditions hold on the visitor's page: the browser's side of the
 * server's test (`holds` in api/src/domain/triggers.rs, `compare_text` in
 * api/src/domain/rules.rs), which the widget must match. Pure, for the visit's chunk
 * (`visit.ts`) and its unit test.
 */

/** One test on the visitor's page (`TriggerConditionGql`). */
export interface TriggerCondition {
  field: string;
  operator: string;
  value: string | null;
  values: string[];
}

/** What the page knows when it checks the conditions. */
export interface PageFacts {
  url: string;
  /** `document.referrer`; empty: none. */
  referrer: string;
  /** Seconds on this page (since its address last changed). */
  seconds: number;
  /** Pages in this visit: the first-party id's count (`FIRST_PARTY_ID`), else 1. */
  pages: number;
  /**
   * A stored session from an earlier visit, or (`FIRST_PARTY_ID`) a first-party id from
   * an earlier page.
   */
  returning: boolean;
}

/**
 * A text condition, as the server compares (`compare_text` in api/src/domain/rules.rs):
 * case ignored; an absent text (no referrer) is not equal to anything, and fails the rest.
 */
function compare(c: TriggerCondition, text: string | undefined): boolean {
  const fold = (s: string) => s.toLowerCase();
  const value = fold(c.value ?? '');
  if (c.operator === 'IS_SET') return !!text;
  if (text == null) return c.operator === 'NOT_EQUALS';
  const t = fold(text);
  switch (c.operator) {
    case 'EQUALS':
      return t === value;
    case 'NOT_EQUALS':
      return t !== value;
    case 'CONTAINS':
      return t.includes(value);
    case 'STARTS_WITH':
      return t.startsWith(value);
    case 'IN':
      return c.values.some((v) => fold(v) === t);
  }
  return false;
}

/**
 * Whether every condition holds on the page (none: every page), as the server's
 * `holds` in api/src/domain/triggers.rs. Pages viewed is the page's `pages`: 1 but on a
 * website with a first-party id (without, nothing is stored before the visitor uses the
 * chat, so each page load is a visit of its own). A field the widget does not know never
 * holds.
 */
export function holds(conditions: TriggerCondition[], p: PageFacts): boolean {
  return conditions.every((c) => {
    switch (c.field) {
      case 'PAGE_URL':
        return compare(c, p.url);
      case 'REFERRER':
        return compare(c, p.referrer || undefined);
      case 'TIME_ON_PAGE':
        return p.seconds >= +c.value!;
      case 'PAGES_VIEWED':
        return p.pages >= +c.value!;
      case 'RETURNING':
        return (c.operator === 'IS_TRUE') === p.returning;
    }
    return false;
  });
}
