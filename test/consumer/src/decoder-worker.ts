// esbuild does not follow `new URL('./decoder-worker.js', import.meta.url)`: the worker is built
// as its own entry point, named decoder-worker.js beside the app's bundle, where that URL
// points.
import 'webrtc-connect/sound/decoder-worker';
