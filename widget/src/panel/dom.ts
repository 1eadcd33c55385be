/**
 * The panel's renderer: JSX (`h`, `Fragment`), `render`, and the hooks the panel uses
 * (`useState`, `useReducer`, `useEffect`, `useLayoutEffect`, `useRef`, `useMemo`), with
 * React's meaning. Hand-written for the size budget (issue 16: the open chat at most
 * 21,760 B gzipped): the same exports of Preact and its hooks, minified as the build does,
 * are 5,610 B gzipped, this file 1,610 B. Measured and not taken: fre (2,690 B; little
 * used, and it renders asynchronously, in time slices) and hono/jsx/dom (6,520 B); VanJS
 * (1 KB) would mean rewriting every component in its reactive style.
 *
 * What it does, and no more (add here what a new component needs, with a test in
 * `test/dom.test.ts`):
 * - function components only, and `Fragment`; a component may return an element, text,
 *   an array or nothing;
 * - children matched by `key` (and type) or, without a key, by position and type; a hole
 *   (`null`, `false`) keeps its place, so `{cond && <X />}` never shifts its siblings.
 *   Elements are reused and moved only when out of order, so the focus and the caret stay;
 * - props are attributes (`class`, `for`, `aria-*`; `false` and `null` remove one, except
 *   `aria-*` and `data-*`, which say "false"), except `on<Event>` (a listener for the
 *   event's name in lower case: `onFocusOut` listens to `focusout`) and `value` and
 *   `checked`, which are properties, set after the children and whenever the element's
 *   own differs (controlled inputs); `ref` takes a `useRef` object. No `style` object, no
 *   `dangerouslySetInnerHTML`;
 * - SVG elements inside `<svg>`;
 * - state changes re-render in a microtask, all of them at once, parents first; layout
 *   effects run once the DOM is updated, before `render` (or the re-render) returns,
 *   children's first; effects run in the next microtask (before the browser paints,
 *   unlike React); both run their cleanup before running again and on unmount.
 */

/** What a component or an element may have as a child. */
export type Child = VNode | string | number | boolean | null | undefined | Child[];
export type ComponentChildren = Child;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- props differ per component
export type ComponentType<P = any> = (props: P) => Child;
export type Key = string | number;
export interface Ref<T> {
  current: T | null;
}
export interface VNode {
  type: string | ComponentType;
  props: Record<string, unknown>;
  key?: Key | undefined;
}

/** A hook's slot: state (`v`, `s` its setter, `r` its reducer), deps (`d`), an effect (`f`, `c` its cleanup, `l` layout). */
interface Hook {
  v?: unknown;
  s?: (action: unknown) => void;
  r?: (state: unknown, action: unknown) => unknown;
  d?: unknown[] | undefined;
  f?: () => unknown;
  c?: unknown;
  l?: boolean;
  o?: Inst;
}

/**
 * A mounted piece of the tree: text (`t` '#'), an array ('['), an element (its tag) or a
 * component (its function).
 */
interface Inst {
  t: string | ComponentType;
  k: Key | undefined;
  /** What it last rendered: the text, the array or the vnode. */
  v?: Child;
  /** The text or element node. */
  d?: ChildNode;
  /** The children (a component's one: what it returned), with holes. */
  c?: (Inst | undefined)[];
  /** The parent, and the DOM node its nodes are in. */
  u: Inst | undefined;
  p: ParentNode;
  /** Depth: parents re-render first. */
  z: number;
  /** A component's hooks, and the effects its last render queued. */
  h?: Hook[];
  e?: Hook[];
  /** Waiting to re-render; unmounted. */
  x?: boolean;
  g?: boolean;
}

/** Where the next node goes in `p`: before `n` (`null`: at the end). */
interface Cursor {
  p: ParentNode;
  n: ChildNode | null;
}

const SVG = 'http://www.w3.org/2000/svg';

/** `<type {...props}>{children}</type>`, as the build's classic JSX writes it. */
export function h(type: string | ComponentType, props?: object | null, ...children: Child[]): VNode {
  const { key, ...p } = (props ?? {}) as Record<string, unknown>;
  if (children.length) p.children = children.length > 1 ? children : children[0];
  return { type, props: p, key: key as Key | undefined };
}

export const Fragment = (props: { children?: Child }): Child => props.children;

const typeOf = (v: Child) =>
  v == null || typeof v == 'boolean' ? undefined : typeof v != 'object' ? '#' : Array.isArray(v) ? '[' : v.type;

/** Puts `node` at the cursor (where it is already, or moved there), and the cursor after it. */
function put(at: Cursor, node: ChildNode) {
  if (at.n == node) at.n = node.nextSibling;
  else at.p.insertBefore(node, at.n);
}

/** Updates `old` (or mounts anew) to render `v` at the cursor; returns what is mounted (nothing for a hole). */
function diff(at: Cursor, old: Inst | undefined, v: Child, u: Inst | undefined): Inst | undefined {
  const t = typeOf(v);
  const key = (v as VNode | undefined)?.key;
  if (old && (old.t !== t || old.k !== key)) old = void unmount(old, at);
  if (!t) return;
  const i: Inst = old ?? { t, k: key, u, p: at.p, z: u ? u.z + 1 : 0 };
  const before = i.v as VNode | undefined;
  i.v = v;
  if (t == '#') {
    if (!i.d) i.d = document.createTextNode(v as string);
    else if (before !== v) (i.d as Text).data = v as string;
    put(at, i.d);
  } else if (t == '[') i.c = children(at, i, v as Child[]);
  else if (typeof t == 'function') run(i, at);
  else {
    const { props } = v as VNode;
    const old = before?.props ?? {};
    if (!i.d)
      i.d = t == 'svg' || (at.p as Element).namespaceURI == SVG ? document.createElementNS(SVG, t) : document.createElement(t);
    const d = i.d as Element & Record<string, unknown>;
    for (const name in old) if (!(name in props)) set(d, name, null);
    for (const name in props) if (props[name] !== old[name]) set(d, name, props[name]);
    const kids = props.children;
    i.c = children({ p: d, n: d.firstChild }, i, Array.isArray(kids) ? kids : [kids as Child]);
    for (const name of ['value', 'checked']) if (name in props && d[name] !== props[name]) d[name] = props[name];
    if (props.ref !== old.ref) {
      if (old.ref) (old.ref as Ref<Element>).current = null;
      if (props.ref) (props.ref as Ref<Element>).current = d;
    }
    put(at, d);
  }
  return i;
}

/** Matches the children `vs` with `u`'s (by key, or by place), unmounts the rest, and renders them in order. */
function children(at: Cursor, u: Inst, vs: Child[]): (Inst | undefined)[] {
  const old = [...(u.c ?? [])];
  const matched = vs.map((v, j) => {
    const t = typeOf(v);
    const key = (v as VNode | undefined)?.key;
    const m = key == null ? (old[j]?.k == null && old[j]?.t === t ? j : -1) : old.findIndex((o) => o?.k === key && o.t === t);
    const o = old[m];
    old[m] = undefined;
    return o;
  });
  for (const o of old) if (o) unmount(o, at);
  return vs.map((v, j) => diff(at, matched[j], v, u));
}

/** One property: a listener, an attribute, or nothing here (`value`, `checked`: set after the children). */
function set(d: Element & { _l?: Record<string, unknown> }, name: string, v: unknown) {
  if (name[0] == 'o' && name[1] == 'n') {
    const listeners = (d._l ??= {});
    const type = name.slice(2).toLowerCase();
    if (!v) d.removeEventListener(type, proxy);
    else if (!listeners[type]) d.addEventListener(type, proxy);
    listeners[type] = v;
  } else if (name == 'children' || name == 'ref' || name == 'value' || name == 'checked') return;
  else if (v == null || (v === false && name[4] != '-')) d.removeAttribute(name);
  else d.setAttribute(name, v as string);
}

/** The one listener of every element and event: calls the element's handler of the moment. */
function proxy(this: { _l: Record<string, (e: Event) => void> }, e: Event) {
  this._l[e.type]!(e);
}

/** Unmounts `i` and what it holds: cleanups, refs, and its nodes out of the DOM (moving the cursor past them). */
function unmount(i: Inst, at?: Cursor) {
  i.g = true;
  i.h?.forEach((hook) => typeof hook.c == 'function' && hook.c());
  const ref = (i.v as VNode | undefined)?.props?.ref as Ref<Node> | undefined;
  if (ref) ref.current = null;
  i.c?.forEach((c) => c && unmount(c, i.d ? undefined : at));
  if (at && i.d) {
    if (at.n == i.d) at.n = i.d.nextSibling;
    i.d.remove();
  }
}

let current: Inst | undefined;
let index = 0;
const layoutEffects: Hook[] = [];
const effects: Hook[] = [];
const dirty = new Set<Inst>();
let queued = false;

/** Renders the component `i` at the cursor; its effects are queued after its children's. */
function run(i: Inst, at: Cursor) {
  i.x = false;
  i.h ??= [];
  i.e = [];
  current = i;
  index = 0;
  const out = (i.t as ComponentType)((i.v as VNode).props);
  current = undefined;
  i.c = [diff(at, i.c?.[0], out, i)];
  for (const hook of i.e) (hook.l ? layoutEffects : effects).push(hook);
}

/** Runs the queued effects whose component is still mounted: the cleanup of the last run first. */
function runEffects(queue: Hook[]) {
  for (const hook of queue.splice(0)) {
    if (hook.o!.g) continue;
    if (typeof hook.c == 'function') hook.c();
    hook.c = hook.f!();
  }
}

/** The first DOM node of `i`, if it has any. */
const first = (i: Inst | undefined): ChildNode | undefined =>
  i && (i.d ?? i.c?.reduce<ChildNode | undefined>((n, c) => n ?? first(c), undefined));

/** The DOM node after all of `i`'s, in its DOM parent (`null`: the end). */
function after(i: Inst): ChildNode | null {
  for (let u = i.u; u; i = u, u = u.u) {
    const siblings = u.c!;
    for (let j = siblings.indexOf(i) + 1; j < siblings.length; j++) {
      const n = first(siblings[j]);
      if (n) return n;
    }
    if (u.d) break;
  }
  return null;
}

function schedule() {
  if (!queued) queueMicrotask(flush);
  queued = true;
}

/** The microtask: effects, then the components whose state changed, parents first; again until nothing is left. */
function flush() {
  queued = false;
  while (effects.length || dirty.size) {
    runEffects(effects);
    const waiting = [...dirty].sort((a, b) => a.z - b.z);
    dirty.clear();
    for (const i of waiting) {
      if (!i.x || i.g) continue;
      run(i, { p: i.p, n: first(i) ?? after(i) });
      runEffects(layoutEffects);
    }
  }
}

/** Renders `v` into `parent` (or updates what the last `render` there put). */
export function render(v: Child, parent: Element & { _r?: Inst }): void {
  parent._r = diff({ p: parent, n: parent.firstChild }, parent._r, v, undefined);
  runEffects(layoutEffects);
  schedule();
}

/** The calling component's next hook. */
const hook = (): Hook => (current!.h![index++] ??= { o: current });

const changed = (hook: Hook, deps: unknown[] | undefined) => !deps || !hook.d || deps.some((d, j) => d !== hook.d![j]);

/** A state hook: `init` gives the first state; `reducer` (the one of the latest render) the next ones. */
function state<S, A>(reducer: (state: S, action: A) => S, init: () => S): [S, (action: A) => void] {
  const h = hook();
  h.r = reducer as Hook['r'];
  if (!h.s) {
    const i = current!;
    h.v = init();
    h.s = (action) => {
      const next = h.r!(h.v, action);
      if (next === h.v || i.g) return;
      h.v = next;
      i.x = true;
      dirty.add(i);
      schedule();
    };
  }
  return [h.v as S, h.s];
}

export const useReducer = <S, A>(reducer: (state: S, action: A) => S, initial: S): [S, (action: A) => void] =>
  state(reducer, () => initial);

export const useState = <S>(initial: S | (() => S)): [S, (next: S | ((previous: S) => S)) => void] =>
  state<S, S | ((previous: S) => S)>(
    (s, next) => (typeof next == 'function' ? (next as (previous: S) => S)(s) : next),
    () => (typeof initial == 'function' ? (initial as () => S)() : initial),
  );

export function useMemo<T>(make: () => T, deps: unknown[]): T {
  const h = hook();
  if (changed(h, deps)) {
    h.v = make();
    h.d = deps;
  }
  return h.v as T;
}

export const useRef = <T>(initial: T | null): Ref<T> => (hook().v ??= { current: initial }) as Ref<T>;

function effect(layout: boolean, run: () => unknown, deps?: unknown[]) {
  const h = hook();
  if (!changed(h, deps)) return;
  h.f = run;
  h.d = deps;
  h.l = layout;
  current!.e!.push(h);
}

export const useEffect = (run: () => unknown, deps?: unknown[]): void => effect(false, run, deps);
export const useLayoutEffect = (run: () => unknown, deps?: unknown[]): void => effect(true, run, deps);
