// Reports' calendar and formats (src/reports/range.ts), without a browser: midnights in a
// time zone across daylight saving changes, the presets at a year's turn, the periods a
// chart spans (weeks from Monday, months across a new year) and durations as words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { transformWithEsbuild } from 'vite';

// range.ts imports nothing: compiled, it is a plain module.
const source = readFileSync(new URL('../src/reports/range.ts', import.meta.url), 'utf8');
const { code } = await transformWithEsbuild(source, 'range.ts');
const { zonedStart, todayIn, rangeOf, periodsOf, groupingsFor, duration } = await import(
  `data:text/javascript,${encodeURIComponent(code)}`
);

test('a day starts at its own midnight in the zone, on either side of a clock change', () => {
  assert.equal(zonedStart('2026-12-07', 'Europe/Oslo').toISOString(), '2026-12-06T23:00:00.000Z');
  assert.equal(zonedStart('2026-07-01', 'Europe/Oslo').toISOString(), '2026-06-30T22:00:00.000Z');
  // Oslo springs forward at 02:00 on 29 March 2026, New York on 8 March and back on 1 November.
  assert.equal(zonedStart('2026-03-29', 'Europe/Oslo').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(zonedStart('2026-03-30', 'Europe/Oslo').toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(zonedStart('2026-03-08', 'America/New_York').toISOString(), '2026-03-08T05:00:00.000Z');
  assert.equal(zonedStart('2026-11-02', 'America/New_York').toISOString(), '2026-11-02T05:00:00.000Z');
  assert.equal(zonedStart('2026-05-01', 'UTC').toISOString(), '2026-05-01T00:00:00.000Z');
  assert.equal(zonedStart('2026-05-01', 'Asia/Kolkata').toISOString(), '2026-04-30T18:30:00.000Z');
});

test('today is the zone’s date, not the machine’s', () => {
  const at = Date.parse('2026-12-06T23:30:00Z');
  assert.equal(todayIn('Europe/Oslo', at), '2026-12-07');
  assert.equal(todayIn('America/New_York', at), '2026-12-06');
});

test('the presets, in the organization’s calendar', () => {
  const now = Date.parse('2026-01-15T12:00:00Z');
  const days = (preset, custom = {}) => {
    const r = rangeOf(preset, { from: null, to: null, ...custom }, 'Europe/Oslo', now);
    return r.error ?? `${r.first}..${r.last} (${r.days}) ${r.from} ${r.to}`;
  };
  assert.equal(days('today'), '2026-01-15..2026-01-15 (1) 2026-01-14T23:00:00.000Z 2026-01-15T23:00:00.000Z');
  assert.equal(days('7d'), '2026-01-09..2026-01-15 (7) 2026-01-08T23:00:00.000Z 2026-01-15T23:00:00.000Z');
  assert.equal(days('30d').slice(0, 27), '2025-12-17..2026-01-15 (30)');
  assert.equal(days('month').slice(0, 27), '2026-01-01..2026-01-15 (15)');
  assert.equal(days('12m').slice(0, 28), '2025-02-01..2026-01-15 (349)');
  assert.equal(days('custom', { from: '2026-01-01', to: '2026-01-02' }).slice(0, 26), '2026-01-01..2026-01-02 (2)');
  assert.match(days('custom', { from: '2026-01-03', to: '2026-01-02' }), /ends before it starts/);
  assert.match(days('custom', { from: '2026-01-03', to: null }), /Choose both dates/);
  assert.match(days('custom', { from: '2026-02-30', to: '2026-03-02' }), /Choose both dates/);
  assert.match(days('custom', { from: '2025-01-01', to: '2026-02-05' }), /at most 400 days/);
});

test('hours are offered up to two days; longer ranges start by day, week, then month', () => {
  assert.deepEqual(groupingsFor(1), { options: ['HOUR', 'DAY', 'WEEK', 'MONTH'], preferred: 'HOUR' });
  assert.deepEqual(groupingsFor(2), { options: ['HOUR', 'DAY', 'WEEK', 'MONTH'], preferred: 'DAY' });
  assert.deepEqual(groupingsFor(30), { options: ['DAY', 'WEEK', 'MONTH'], preferred: 'DAY' });
  assert.equal(groupingsFor(120).preferred, 'WEEK');
  assert.equal(groupingsFor(349).preferred, 'MONTH');
});

test('a chart’s periods, in the server’s keys', () => {
  const range = { first: '2026-12-30', last: '2027-01-02' };
  assert.deepEqual(periodsOf(range, 'DAY'), ['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  // 30 December 2026 is a Wednesday: its week starts on Monday the 28th.
  assert.deepEqual(periodsOf(range, 'WEEK'), ['2026-12-28']);
  assert.deepEqual(periodsOf({ first: '2026-11-30', last: '2026-12-13' }, 'WEEK'), ['2026-11-30', '2026-12-07']);
  assert.deepEqual(periodsOf(range, 'MONTH'), ['2026-12', '2027-01']);
  assert.deepEqual(periodsOf({ first: '2026-01-31', last: '2026-03-01' }, 'MONTH'), ['2026-01', '2026-02', '2026-03']);
  const hours = periodsOf({ first: '2026-12-06', last: '2026-12-07' }, 'HOUR');
  assert.equal(hours.length, 48);
  assert.deepEqual(
    [hours[0], hours[23], hours[24], hours[47]],
    ['2026-12-06T00:00', '2026-12-06T23:00', '2026-12-07T00:00', '2026-12-07T23:00'],
  );
});

test('durations read as people say them', () => {
  assert.deepEqual([null, 0, 0.007, 1, 42.4, 59.6, 72, 180, 3599, 3600, 11_100, 86_399, 86_400, 187_200].map(duration), [
    '–',
    '0 s',
    'under 1 s',
    '1 s',
    '42 s',
    '1 min',
    '1 min 12 s',
    '3 min',
    '59 min 59 s',
    '1 h',
    '3 h 5 min',
    '1 d',
    '1 d',
    '2 d 4 h',
  ]);
});
