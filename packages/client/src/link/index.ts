export type {
  ResumableSession,
  ResumableSessionEvents,
  ResumeState,
} from '../resume/resumable-types.ts';
export type { ResumeCounters, ResumeSide } from '../resume/resume-seal.ts';
export {
  makeResumable,
  type ResumeOptions,
  type ResumeTicket,
  resumeSession,
} from '../resume/resume-session.ts';
export { type Acceptance, type AcceptLinkOptions, acceptLink } from './accept-link.ts';
export { type CreateLinkOptions, createLink, type Invitation } from './create-link.ts';
export type { LinkProgress } from './link-progress.ts';
export { normalizeReplyCode } from './reply-code.ts';
