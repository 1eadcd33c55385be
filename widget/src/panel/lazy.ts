/**
 * Parts loaded when needed rather than with the panel: the emoji picker, the rating
 * prompt, the conversation list and the transcript form on first use; the pre-chat and
 * offline forms only for the websites and moments that show them. Each brings its own
 * stylesheet (`sheet`) and, for the newer parts, its own text in every language, so
 * none of it weighs on opening the chat. preact/compat's `lazy` and `Suspense` would
 * cost more than the parts they save.
 */
import { h, type ComponentType } from 'preact';
import { useEffect, useReducer } from 'preact/hooks';

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

let addSheet: (css: string) => void = () => {};

/** Where `sheet` adds stylesheets: the widget's shadow root (set when the panel mounts). */
export function sheetsGoTo(add: (css: string) => void): void {
  addSheet = add;
}

/** Adds a lazily loaded part's stylesheet (called once, when its module is evaluated). */
export function sheet(css: string): void {
  addSheet(css);
}
