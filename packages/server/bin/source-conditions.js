// A module resolution hook for a workspace checkout (bin/webrtc-connect.js registers it when
// there is no build): packages of this workspace resolve to their TypeScript sources, through
// the `@webrtc-connect/source` condition of their exports.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, {
    ...context,
    conditions: [...context.conditions, '@webrtc-connect/source'],
  });
}
