/**
 * A list of fixed-height rows that renders only what is on screen (plus a margin), so a
 * queue of thousands scrolls as smoothly as one of ten. `onEndReached` asks for the next
 * page when the end comes near. Rows carry `aria-setsize` / `aria-posinset`, so screen
 * readers announce the true length although most rows are not in the DOM.
 */
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

const OVERSCAN = 6;

export function VirtualList<T>({
  items,
  rowHeight,
  renderRow,
  getKey,
  onEndReached,
  label,
  scrollToIndex,
  footer,
}: {
  items: readonly T[];
  rowHeight: number;
  renderRow(item: T, index: number): ReactNode;
  getKey(item: T): string;
  onEndReached?(): void;
  label: string;
  /** Keep this row in view (keyboard navigation). */
  scrollToIndex?: number;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el || scrollToIndex == null || scrollToIndex < 0) return;
    const top = scrollToIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [scrollToIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);

  useEffect(() => {
    if (onEndReached && last >= items.length - OVERSCAN) onEndReached();
  }, [last, items.length, onEndReached]);

  return (
    <div className="vlist" ref={ref} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <ul role="list" aria-label={label} style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <li
            key={getKey(item)}
            aria-setsize={items.length}
            aria-posinset={first + i + 1}
            style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}
          >
            {renderRow(item, first + i)}
          </li>
        ))}
      </ul>
      {footer}
    </div>
  );
}
