/** CSS files are bundled as minified text, injected into the shadow root. */
declare module '*.css' {
  const css: string;
  export default css;
}
