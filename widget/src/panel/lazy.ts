/**
 * Components loaded on first use (the emoji picker, the rating prompt, the conversation
 * list): they are not needed when the chat opens, so they stay out of its budget.
 * preact/compat's `lazy` and `Suspense` would cost more than the parts they save.
 */
import { h, type ComponentType } from 'preact';
import { useEffect, useReducer } from 'preact/hooks';

/** A component that renders nothing until `load` has brought the real one, then it. */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<unknown> | undefined;
  return (props: P) => {
    const [, bump] = useReducer((n: number) => n + 1, 0);
    useEffect(() => {
      if (!loaded)
        void (loading ??= load().then((c) => (loaded = c))).then(
          () => bump(0),
          () => (loading = undefined),
        );
    }, []);
    return loaded ? h(loaded, props) : null;
  };
}
