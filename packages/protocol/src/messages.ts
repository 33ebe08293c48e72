/**
 * Request and response bodies of the mailbox API. Sealed blobs travel as unpadded base64url
 * strings; times as ISO 8601 strings.
 */

export const MAILBOX_PATHS = {
  offers: '/api/offers',
  offer: (id: string) => `/api/offers/${id}`,
  offerReply: (id: string) => `/api/offers/${id}/reply`,
  replies: '/api/replies',
  reply: (code: string) => `/api/replies/${code}`,
  resumeBoxes: '/api/resume-boxes',
  resumeSide: (id: string, to: 'a' | 'b') => `/api/resume-boxes/${id}/${to}`,
  health: '/api/health',
  iceServers: '/api/ice-servers',
} as const;

/**
 * `POST /api/offers`: with `sealed`, stores the offer; `{}` reserves an id whose blob the owner
 * uploads later with `PUT /api/offers/:id`, so A can show the link while it still gathers.
 */
export interface PostOfferRequest {
  sealed?: string;
}

/** `PUT /api/offers/:id` with the owner token: a reserved offer's sealed blob, once (204). */
export interface PutOfferRequest {
  sealed: string;
}

/**
 * 201 to `POST /api/offers`. Only the owner token lets A upload a reserved offer, wait for and
 * read the reply by id, and withdraw the offer (`DELETE /api/offers/:id`, 204; afterwards the
 * id answers 410 ERR_OFFER_WITHDRAWN).
 */
export interface PostOfferResponse {
  id: string;
  ownerToken: string;
  expiresAt: string;
}

/**
 * 200 to `GET /api/offers/:id?wait=`; for a reserved offer, once uploaded (204 with no body when
 * the wait ends first).
 */
export interface GetOfferResponse {
  sealed: string;
  expiresAt: string;
}

/** `POST /api/replies`; without `offerId` the reply stands alone, reachable by its code only. */
export interface PostReplyRequest {
  sealed: string;
  offerId?: string;
}

/** 201 to `POST /api/replies` */
export interface PostReplyResponse {
  code: string;
  expiresAt: string;
}

/** 200 to `GET /api/offers/:id/reply` (204 with no body when the wait ends first). */
export interface OwnReplyResponse {
  sealed: string;
  code: string;
}

/** 200 to `GET /api/replies/:code` */
export interface GetReplyResponse {
  sealed: string;
  offerId?: string;
}

/** A STUN or TURN server, as RTCPeerConnection's `iceServers` takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * 200 to `GET /api/ice-servers`: the STUN and TURN servers this deployment's peers should use.
 * `expiresAt` comes with TURN credentials the server made for this request (TURN REST API): ask
 * again for a connection made later.
 */
export interface IceServersResponse {
  iceServers: IceServer[];
  expiresAt?: string;
}

/** 200 to `GET /api/health` */
export interface HealthResponse {
  status: 'ok';
  store: string;
  uptimeSeconds: number;
  offers: number;
  replies: number;
  /** Long-polls waiting right now, for a reply or for a reserved offer's upload. */
  waiting: number;
  /**
   * With a shared store (Redis): its link. While it is down the route answers 503
   * ERR_STORE_UNAVAILABLE instead, so load balancers send traffic to other instances.
   */
  link?: 'connected' | 'reconnecting';
}

/**
 * `POST /api/resume-boxes`: makes the box a link's two sides resume through, under an id both
 * derive from the link secret. It lives as long as a link (the server's offer lifetime).
 */
export interface CreateResumeBoxRequest {
  id: string;
}

/** 201 to `POST /api/resume-boxes` */
export interface CreateResumeBoxResponse {
  expiresAt: string;
}

/** `POST /api/resume-boxes/:id/:to`: one sealed resume signal for side `to` (204). */
export interface PostResumeSignalRequest {
  sealed: string;
}

/**
 * 200 to `GET /api/resume-boxes/:id/:to?wait=&after=`: the signals waiting for side `to` whose
 * sequence numbers are above `after`, oldest first (204 when the wait ends first). `after` is
 * the highest number the side has processed: the box drops the signals up to it (they are
 * acknowledged) and keeps the rest until a later wait acknowledges them, so a response that
 * never arrives loses nothing. A wait without `after` takes every signal (the box drops them as
 * it answers), as before the numbers.
 */
export interface TakeResumeSignalsResponse {
  sealed: string[];
  /**
   * Each signal's number in its side (from 1, rising by one a post), in the order of `sealed`.
   * A server from before the numbers sends none (and takes every signal, whatever `after`).
   */
  seqs?: number[];
  expiresAt: string;
}
