export { type Acceptance, type AcceptLinkOptions, acceptLink } from './accept-link.ts';
export { type CreateLinkOptions, createLink, type Invitation } from './create-link.ts';
export type { LinkProgress } from './link-progress.ts';
export { normalizeReplyCode } from './reply-code.ts';
