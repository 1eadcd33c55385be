/**
 * Reports' charts: bars (stacked when there are several series) and lines, drawn as SVG
 * at the container's own width so that their text stays readable on a phone. The
 * drawing is hidden from assistive technology; each chart carries its numbers as a
 * visually hidden table under the same caption instead. Rejected: a chart library (tens
 * of KB for four charts) and a `viewBox` scaled to fit (its labels shrink to 6 px at
 * 390 px wide).
 */
import { useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export interface Series {
  name: string;
  /** One per category; null: no value (a line breaks there). */
  values: (number | null)[];
}

interface ChartProps {
  title: string;
  /** What a category is, for the table's first column: `Day`, `Hour`, `Rating`. */
  categoryName: string;
  /** Short labels under the axis. */
  labels: string[];
  /** Full names in the table (the labels when absent). */
  names?: string[];
  series: Series[];
  /** A value as the axis and the table show it. */
  format?: (value: number) => string;
  /** Durations in seconds: gridlines at whole seconds, minutes and hours. */
  durations?: boolean;
  /** A sentence under the caption. */
  note?: ReactNode;
}

const HEIGHT = 180;
const PAD = { top: 10, right: 8, bottom: 24, left: 68 };
/** About how wide a character of an axis label is; labels are thinned to fit. */
const CHAR_PX = 7;
/** Steps between gridlines for durations: seconds, minutes, hours, days. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400];

/** The container's width, followed as it changes. */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/** A round step for about four gridlines up to `max`; whole steps for counts, clock steps for durations. */
function scale(max: number, whole: boolean, durations: boolean) {
  const rough = Math.max(max, whole ? 1 : Number.EPSILON) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  if (durations) step = TIME_STEPS.find((s) => s >= rough) ?? Math.ceil(rough / 86_400) * 86_400;
  else if (whole) step = Math.max(1, Math.round(step));
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(t);
  return { top, ticks };
}

function Frame({
  title,
  categoryName,
  labels,
  names,
  series,
  format = String,
  durations = false,
  note,
  children,
}: ChartProps & { children: (geometry: Geometry) => ReactNode }) {
  const id = useId();
  const { ref, width } = useWidth();
  const values = series.flatMap((s) => s.values.filter((v): v is number => v != null));
  const whole = values.every((v) => Number.isInteger(v));
  const { top, ticks } = scale(Math.max(0, ...values), whole, durations);
  const plot = { width: Math.max(0, width - PAD.left - PAD.right), height: HEIGHT - PAD.top - PAD.bottom };
  const band = labels.length ? plot.width / labels.length : 0;
  const geometry: Geometry = {
    band,
    x: (i) => PAD.left + band * i,
    y: (v) => PAD.top + plot.height - (v / top) * plot.height,
  };
  const widest = Math.max(1, ...labels.map((l) => l.length)) * CHAR_PX + 10;
  const every = Math.max(1, Math.ceil(widest / Math.max(band, 1)));
  return (
    <figure className="chart" aria-labelledby={`${id}-title`}>
      <figcaption>
        <h3 id={`${id}-title`}>{title}</h3>
        {note && <p className="muted">{note}</p>}
      </figcaption>
      {series.length > 1 && (
        <ul className="chart-legend" aria-hidden="true">
          {series.map((s, i) => (
            <li key={s.name}>
              <span className={`chart-key series-${i}`} />
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <div className="chart-canvas" ref={ref}>
        {width > 0 && (
          <svg width={width} height={HEIGHT} aria-hidden="true" focusable="false">
            {ticks.map((t) => (
              <g key={t} className="chart-grid">
                <line x1={PAD.left} x2={width - PAD.right} y1={geometry.y(t)} y2={geometry.y(t)} />
                <text x={PAD.left - 6} y={geometry.y(t)} dy="0.32em" textAnchor="end">
                  {format(t)}
                </text>
              </g>
            ))}
            {children(geometry)}
            {labels.map((l, i) =>
              i % every ? null : (
                <text key={i} className="chart-label" x={geometry.x(i) + band / 2} y={HEIGHT - 6} textAnchor="middle">
                  {l}
                </text>
              ),
            )}
          </svg>
        )}
      </div>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{categoryName}</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={i}>
              <th scope="row">{names?.[i] ?? l}</th>
              {series.map((s) => (
                <td key={s.name}>{s.values[i] == null ? '–' : format(s.values[i]!)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

interface Geometry {
  /** The width of a category. */
  band: number;
  /** A category's left edge. */
  x(index: number): number;
  /** A value's height. */
  y(value: number): number;
}

/** Bars, one per category; several series stack, the first at the bottom. */
export function BarChart(props: ChartProps) {
  const { series, labels, names, format = String } = props;
  return (
    <Frame {...props}>
      {({ band, x, y }) => {
        const w = Math.max(1, Math.min(band * 0.7, 48));
        return labels.map((l, i) => {
          let base = 0;
          return (
            <g key={i}>
              {series.map((s, k) => {
                const v = s.values[i] ?? 0;
                if (!v) return null;
                const bar = (
                  <rect
                    key={s.name}
                    className={`series-${k}`}
                    x={x(i) + (band - w) / 2}
                    y={y(base + v)}
                    width={w}
                    height={Math.max(0, y(base) - y(base + v))}
                  >
                    <title>{`${names?.[i] ?? l}: ${format(v)} ${s.name.toLowerCase()}`}</title>
                  </rect>
                );
                base += v;
                return bar;
              })}
            </g>
          );
        });
      }}
    </Frame>
  );
}

/** Lines through the categories' middles, broken where a value is missing. */
export function LineChart(props: ChartProps) {
  const { series, labels, names, format = String } = props;
  return (
    <Frame {...props}>
      {({ band, x, y }) =>
        series.map((s, k) => {
          const at = (i: number) => `${(x(i) + band / 2).toFixed(1)},${y(s.values[i]!).toFixed(1)}`;
          const d = s.values.map((v, i) => (v == null ? '' : `${s.values[i - 1] == null ? 'M' : 'L'}${at(i)}`)).join('');
          return (
            <g key={s.name} className={`chart-line series-${k}`}>
              {d && <path d={d} />}
              {s.values.map((v, i) =>
                v == null ? null : (
                  <circle key={i} cx={x(i) + band / 2} cy={y(v)} r={3}>
                    <title>{`${names?.[i] ?? labels[i]}: ${s.name} ${format(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })
      }
    </Frame>
  );
}
