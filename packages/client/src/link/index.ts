export { type Acceptance, type AcceptLinkOptions, acceptLink } from './accept-link.ts';
export { type CreateLinkOptions, createLink, type Invitation } from './create-link.ts';
export { normalizeReplyCode } from './reply-code.ts';
