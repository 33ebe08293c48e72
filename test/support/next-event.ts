// The next event of a kind from anything with the client's `on(type, listener) → off` shape
// (a messenger, a session): one helper instead of a copy in each test file.

type Listen<Events> = <K extends keyof Events>(
  type: K,
  listener: (event: Events[K]) => void,
) => () => void;

/** Resolves with the first `type` event that satisfies `accept`, and stops listening. */
export function nextEvent<Events, K extends keyof Events>(
  source: { on: Listen<Events> },
  type: K,
  accept: (event: Events[K]) => boolean = () => true,
): Promise<Events[K]> {
  return new Promise((resolve) => {
    const off = source.on(type, (event) => {
      if (!accept(event)) return;
      off();
      resolve(event);
    });
  });
}
