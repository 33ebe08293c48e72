/** Shown by the health route. */
export type LinkState = 'connected' | 'reconnecting' | 'closed';

/**
 * What the core sees of the link behind shared stores (Redis today): its state for health and
 * its losses and returns for the log, and nothing of the database behind it.
 */
export interface SharedLink {
  readonly state: LinkState;
  on(event: 'lost' | 'restored', listener: () => void): unknown;
}
