/** CSS files are bundled as minified text, injected into the shadow root. */
declare module '*.css' {
  const css: string;
  export default css;
}

/** The SDK's socket module, as `scripts/build.mjs` resolves it for `src/live.ts`. */
declare module 'chinwag:socket';
