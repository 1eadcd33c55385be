/**
 * A trigger's page conditions as the widget checks them (`src/trigger-conditions.ts`),
 * case by case against the server's semantics (`holds` in api/src/domain/triggers.rs and
 * its tests, `compare_text` in api/src/domain/rules.rs). Pure: no browser, no server.
 */
import { describe, expect, it } from 'vitest';
import { holds, type PageFacts, type TriggerCondition } from '../src/trigger-conditions.js';

const c = (field: string, operator: string, value: string | null = null, values: string[] = []): TriggerCondition => ({
  field,
  operator,
  value,
  values,
});
const page = (url: string, more: Partial<PageFacts> = {}): PageFacts => ({
  url,
  referrer: '',
  seconds: 0,
  pages: 1,
  returning: false,
  ...more,
});

describe('trigger conditions', () => {
  it('hold on the right page once its time has come (the server’s own example)', () => {
    const pricing = [c('PAGE_URL', 'CONTAINS', '/Pricing'), c('TIME_ON_PAGE', 'AT_LEAST', '20')];
    expect(holds(pricing, page('https://shop.example/pricing?x=1'))).toBe(false);
    expect(holds(pricing, page('https://shop.example/pricing?x=1', { seconds: 20 }))).toBe(true);
    expect(holds(pricing, page('https://shop.example/about', { seconds: 25 }))).toBe(false);
    const fromGoogle = [c('REFERRER', 'CONTAINS', 'google.')];
    expect(holds(fromGoogle, page('https://shop.example/'))).toBe(false);
    expect(holds(fromGoogle, page('https://shop.example/', { referrer: 'https://www.google.com/' }))).toBe(true);
    expect(holds([c('RETURNING', 'IS_TRUE')], page('https://shop.example/'))).toBe(false);
    expect(holds([], page('https://shop.example/')), 'no condition: every page').toBe(true);
  });

  it('compare text as the server does: case ignored, an absent referrer equal to nothing', () => {
    const url = 'https://Shop.example/Cart';
    const on = (cond: TriggerCondition, facts = page(url)) => holds([cond], facts);
    expect(on(c('PAGE_URL', 'EQUALS', 'https://shop.example/cart'))).toBe(true);
    expect(on(c('PAGE_URL', 'EQUALS', 'https://shop.example/'))).toBe(false);
    expect(on(c('PAGE_URL', 'NOT_EQUALS', 'https://shop.example/cart'))).toBe(false);
    expect(on(c('PAGE_URL', 'NOT_EQUALS', 'https://shop.example/'))).toBe(true);
    expect(on(c('PAGE_URL', 'STARTS_WITH', 'HTTPS://SHOP'))).toBe(true);
    expect(on(c('PAGE_URL', 'STARTS_WITH', 'shop'))).toBe(false);
    expect(on(c('PAGE_URL', 'IN', null, ['https://shop.example/', 'https://SHOP.example/cart']))).toBe(true);
    expect(on(c('PAGE_URL', 'IN', null, ['https://shop.example/']))).toBe(false);
    expect(on(c('PAGE_URL', 'IS_SET'))).toBe(true);
    // No referrer ('' in the browser) is absent: not equal to anything, and nothing else.
    for (const op of ['EQUALS', 'CONTAINS', 'STARTS_WITH', 'IS_SET']) expect(on(c('REFERRER', op, 'x'))).toBe(false);
    expect(on(c('REFERRER', 'IN', null, ['x', '']))).toBe(false);
    expect(on(c('REFERRER', 'NOT_EQUALS', 'https://www.google.com/'))).toBe(true);
    expect(on(c('REFERRER', 'IS_SET'), page(url, { referrer: 'https://a.example/' }))).toBe(true);
    // An operator that does not apply to text never holds.
    expect(on(c('PAGE_URL', 'AT_LEAST', '1'))).toBe(false);
  });

  it('count seconds and pages, and tell returning visitors', () => {
    const url = 'https://shop.example/';
    expect(holds([c('TIME_ON_PAGE', 'AT_LEAST', '0')], page(url))).toBe(true);
    expect(holds([c('TIME_ON_PAGE', 'AT_LEAST', '2')], page(url, { seconds: 1.9 }))).toBe(false);
    expect(holds([c('TIME_ON_PAGE', 'AT_LEAST', '2')], page(url, { seconds: 2 }))).toBe(true);
    // Without a first-party id, every page load is its own visit: one page viewed.
    expect(holds([c('PAGES_VIEWED', 'AT_LEAST', '1')], page(url))).toBe(true);
    expect(holds([c('PAGES_VIEWED', 'AT_LEAST', '2')], page(url, { seconds: 999 }))).toBe(false);
    // With a first-party id, the visit's pages.
    expect(holds([c('PAGES_VIEWED', 'AT_LEAST', '2')], page(url, { pages: 2 }))).toBe(true);
    expect(holds([c('PAGES_VIEWED', 'AT_LEAST', '3')], page(url, { pages: 2 }))).toBe(false);
    expect(holds([c('RETURNING', 'IS_TRUE')], page(url, { returning: true }))).toBe(true);
    expect(holds([c('RETURNING', 'IS_FALSE')], page(url, { returning: true }))).toBe(false);
    expect(holds([c('RETURNING', 'IS_FALSE')], page(url))).toBe(true);
  });

  it('need every condition, and never hold on a field the widget does not know', () => {
    const url = 'https://shop.example/pricing';
    expect(holds([c('PAGE_URL', 'CONTAINS', 'pricing'), c('RETURNING', 'IS_TRUE')], page(url))).toBe(false);
    // The server decides these and leaves them out; one that came anyway does not fire.
    expect(holds([c('BUSINESS_HOURS', 'IS_TRUE')], page(url))).toBe(false);
    expect(holds([c('SOMETHING_NEW', 'EQUALS', 'x')], page(url))).toBe(false);
  });
});
