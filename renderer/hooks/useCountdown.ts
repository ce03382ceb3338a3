import { useEffect, useRef, useState } from 'react';

/**
 * Milliseconds left of a server-given remaining time, counted down locally while `running`.
 * A new `remainingMs` or `key` re-bases it (the server is the source of truth); pausing keeps
 * the value where it stopped.
 */
export function useCountdown(remainingMs: number, running: boolean, key: string): number {
  const base = useRef({ at: performance.now(), left: remainingMs });
  const [left, setLeft] = useState(remainingMs);
  useEffect(() => {
    base.current = { at: performance.now(), left: remainingMs };
    setLeft(remainingMs);
  }, [remainingMs, key]);
  useEffect(() => {
    if (!running) return;
    base.current = { at: performance.now(), left: base.current.left };
    const tick = () => {
      const now = performance.now();
      const value = Math.max(0, base.current.left - (now - base.current.at));
      setLeft(value);
    };
    const id = setInterval(tick, 250);
    return () => {
      clearInterval(id);
      const now = performance.now();
      base.current = { at: now, left: Math.max(0, base.current.left - (now - base.current.at)) };
    };
  }, [running, key]);
  return left;
}
