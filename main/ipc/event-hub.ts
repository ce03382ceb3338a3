import type { EventName, EventPayloadOf } from '../../preload/contract/channels';

type Listener = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;

/** Fans main-process events out to every connected transport. */
export class EventHub {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayloadOf<E>): void {
    for (const l of this.listeners) l(event, payload);
  }
}
