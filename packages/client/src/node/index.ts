/** Node-only parts of webrtc-connect (never imported by the browser entry points). */
export { diskBytesStore } from './disk-bytes-store.ts';
