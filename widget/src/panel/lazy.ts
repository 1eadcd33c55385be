/**
 * Parts loaded when needed rather than with the panel: the emoji picker, the rating
 * prompt, the conversation list, the transcript form, the attachments and the deletion's
 * confirmation on first use; the pre-chat and
 * offline forms only for the websites and moments that show them. Each brings its own
 * stylesheet (`sheet`) and, for the newer parts, its own text in every language, so
 * none of it weighs on opening the chat.
 */
import type { Host } from '../host.js';
import { h, useEffect, useReducer, type ComponentType } from './dom.js';

/** A component loaded on first render (or earlier, with `preload`). */
export type Lazy<P> = ComponentType<P> & {
  /** Starts loading now; resolves once the component can render at once (or failed to load: a later render tries again). */
  preload(): Promise<unknown>;
};

/** A component that renders nothing until `load` has brought the real one, then it. */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): Lazy<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<unknown> | undefined;
  const preload = () =>
    (loading ??= load().then(
      (c) => (loaded = c),
      () => (loading = undefined),
    ));
  const Component = (props: P) => {
    const [, bump] = useReducer((n: number) => n + 1, 0);
    useEffect(() => {
      if (!loaded) void preload().then(() => bump(0));
    }, []);
    return loaded ? h(loaded, props) : null;
  };
  return Object.assign(Component, { preload });
}

let lent: Host;

/**
 * What the loader lends, for the parts loaded later: `sheet` adds their stylesheets to
 * the widget's shadow root (set when the panel mounts).
 */
export function sheetsGoTo(host: Host): void {
  lent = host;
}

/** What the loader lends (once the panel is mounted). */
export const host = (): Host => lent;

/** Adds a lazily loaded part's stylesheet (called once, when its module is evaluated). */
export function sheet(css: string): void {
  lent.style(css);
}
