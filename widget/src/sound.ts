/**
 * The new-message sound: a short sine tone made with Web Audio, so there is no audio
 * file to fetch. Silent until the visitor has interacted with the page (browsers refuse
 * sound before that anyway), and at most once every 1.5 s.
 */
let context: AudioContext | undefined;
let last = 0;

export function ding(): void {
  const now = Date.now();
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  if (now - last < 1_500 || activation?.hasBeenActive === false || typeof AudioContext === 'undefined') return;
  last = now;
  try {
    context ??= new AudioContext();
    void context.resume().catch(() => {});
    const t = context.currentTime;
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = 988; // B5: bright, short, not alarming
    gain.gain.setValueAtTime(0.15, t);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
    tone.connect(gain).connect(context.destination);
    tone.start(t);
    tone.stop(t + 0.35);
  } catch {
    // No audio device, or the browser said no: the badge still counts.
  }
}
