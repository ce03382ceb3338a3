/** Plays a short, gentle test tone through the default output; resolves whether it could play. */
export const TONE_MS = 1500;

export async function playTone(ms = TONE_MS, hz = 523.25): Promise<boolean> {
  let ctx: AudioContext;
  try {
    ctx = new AudioContext();
  } catch {
    return false;
  }
  try {
    if (ctx.state === 'suspended') await ctx.resume();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = hz;
    const t = ctx.currentTime;
    // Fade in and out: no click, and not startling in headphones.
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(0.25, t + 0.08);
    gain.gain.setValueAtTime(0.25, t + ms / 1000 - 0.15);
    gain.gain.linearRampToValueAtTime(0, t + ms / 1000);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + ms / 1000);
    await new Promise<void>((resolve) => {
      osc.onended = () => resolve();
      setTimeout(resolve, ms + 500);
    });
    return ctx.state === 'running';
  } catch {
    return false;
  } finally {
    void ctx.close().catch(() => undefined);
  }
}
