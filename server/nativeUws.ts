/**
 * The uWebSockets.js package in use silently swaps in a slow emulation when its
 * native binary cannot load. A Kismet node must never run on that: this says
 * whether the native binary is what `require('uWebSockets.js')` gave.
 */
export function assertNativeUws(): void {
  if (['1', 'true'].includes(String(process.env['UWS_USE_FALLBACK']).toLowerCase())) {
    throw new Error('UWS_USE_FALLBACK is set: Kismet needs the native uWebSockets.js binary');
  }
  require('uWebSockets.js');
  const native = Object.keys(require.cache).some((file) => /uws_[a-z0-9]+_[a-z0-9]+_\d+\.node$/.test(file));
  if (!native) {
    throw new Error(
      `the native uWebSockets.js binary did not load on Node ${process.version} (ABI ${process.versions.modules}); use Node 20 (see .nvmrc)`,
    );
  }
}
