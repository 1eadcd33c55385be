/** The panel's icons: inline SVG paths (no icon font or sprite to fetch). */
const icon = (d: string) => () => (
  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d={d} />
  </svg>
);

export const CloseIcon = icon('M6 6l12 12M18 6L6 18');
export const BackIcon = icon('M15 6l-6 6 6 6');
export const ListIcon = icon('M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01');
export const SendIcon = icon('M4 12l16-8-6 16-2-7-8-1z');
export const SmileIcon = icon('M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM8.5 14a4 4 0 0 0 7 0M9 9.5h.01M15 9.5h.01');
export const ClipIcon = icon('M20 11l-8 8a5 5 0 0 1-7-7l8-8a3.5 3.5 0 0 1 5 5l-8 8a2 2 0 0 1-3-3l7-7');
