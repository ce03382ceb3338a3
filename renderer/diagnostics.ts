/**
 * What the renderer knows that a diagnostic bundle needs: long main-thread tasks, recent errors
 * and the last known device states. Collected cheaply from the start of the page.
 */
import type { RendererDiagnostics } from '../preload/contract/assistance';
import type { DeviceState } from '../preload/contract/common';

let longTasksOver200ms = 0;
const recentErrors: string[] = [];
const devices: { camera: DeviceState; microphone: DeviceState } = { camera: 'unknown', microphone: 'unknown' };

export function startDiagnostics(): void {
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.duration > 200) longTasksOver200ms += 1;
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // longtask timing is not available everywhere
  }
  const note = (msg: string) => {
    recentErrors.push(msg.slice(0, 300));
    if (recentErrors.length > 20) recentErrors.shift();
  };
  window.addEventListener('error', (e) => note(String(e.message)));
  window.addEventListener('unhandledrejection', (e) => note(String(e.reason instanceof Error ? e.reason.message : e.reason)));
}

export function noteDevices(camera: DeviceState, microphone: DeviceState): void {
  devices.camera = camera;
  devices.microphone = microphone;
}

export function rendererDiagnostics(): RendererDiagnostics {
  return {
    userAgent: navigator.userAgent.slice(0, 500),
    language: navigator.language.slice(0, 40),
    viewport: { width: Math.round(window.innerWidth), height: Math.round(window.innerHeight) },
    camera: devices.camera,
    microphone: devices.microphone,
    online: navigator.onLine,
    longTasksOver200ms,
    recentErrors: [...recentErrors],
  };
}

/** User Timing marks the e2e suite reads (`performance.getEntriesByName`). */
export function mark(name: string): void {
  try {
    performance.mark(`kiosk:${name}`);
  } catch {
    // ignore
  }
}

export function measureSince(name: string, startMark: string): void {
  try {
    if (performance.getEntriesByName(`kiosk:${startMark}`, 'mark').length > 0) {
      performance.measure(`kiosk:${name}`, `kiosk:${startMark}`);
    }
  } catch {
    // ignore
  }
}
