import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The web app's directory when it exists (a server without a built app serves the API alone). */
export function webAppRoot(webRoot: string | undefined): string | undefined {
  if (webRoot === undefined) return undefined;
  const root = resolve(webRoot);
  return statSync(root, { throwIfNoEntry: false })?.isDirectory() ? root : undefined;
}

/** Serves the built web app from `root`, so one process serves the app and its mailbox. */
export async function webAppRoutes(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: true, index: 'index.html' });
}

/**
 * A single-page app: a page path the server has no file for (a reload on a client-side route)
 * gets index.html. API paths and non-page requests keep their JSON 404.
 */
export function servesAppPage(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !request.url.startsWith('/api/') &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

export function sendAppPage(reply: FastifyReply): FastifyReply {
  return reply.type('text/html; charset=utf-8').sendFile('index.html');
}
