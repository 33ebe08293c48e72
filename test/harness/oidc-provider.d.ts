// The little of panva's `oidc-provider` (which ships no types) that the tests use.
declare module 'oidc-provider' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';

  export interface Configuration {
    clients?: Record<string, unknown>[];
    jwks?: { keys: Record<string, unknown>[] };
    features?: Record<string, { enabled: boolean; [option: string]: unknown }>;
    findAccount?: (
      context: unknown,
      id: string,
    ) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> }>;
    issueRefreshToken?: () => Promise<boolean> | boolean;
    clientBasedCORS?: () => boolean;
    ttl?: Record<string, number>;
    pkce?: { required: () => boolean };
    scopes?: string[];
    adapter?: (model: string) => unknown;
    claims?: Record<string, string[]>;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    listen(port: number, host: string, callback: () => void): Server;
    /** Its request handler, for a server (or router) of one's own. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    proxy: boolean;
    /** A Koa middleware of its app, around its own routes. */
    use(
      middleware: (
        context: { body: unknown; type: string },
        next: () => Promise<void>,
      ) => Promise<void>,
    ): void;
    static errors: { InvalidTarget: new (description?: string) => Error };
  }
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** Its in-memory store as a factory, which several providers can share. */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
