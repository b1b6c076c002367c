// haoka capture page: JPEG encoding off the main thread (frontend/src/capture/encoder.rs).
// The page transfers the decoded ImageBitmap once; each "encode" draws it at the asked size
// (only when the size changes) on an OffscreenCanvas and answers the JPEG Blob. The quality
// search itself stays in Rust on the page: this script only moves pixels.
'use strict';
let bitmap = null;
let canvas = null;

function release() {
  if (bitmap) bitmap.close();
  bitmap = null;
  if (canvas) { canvas.width = 0; canvas.height = 0; }
  canvas = null;
}

self.onmessage = async (event) => {
  const m = event.data || {};
  try {
    if (m.op === 'hello') {
      const ok = typeof OffscreenCanvas === 'function' && 'convertToBlob' in OffscreenCanvas.prototype;
      self.postMessage({ op: 'hello', ok });
    } else if (m.op === 'encode') {
      if (m.bitmap) { release(); bitmap = m.bitmap; }
      if (!bitmap) throw new Error('no picture');
      if (!canvas || canvas.width !== m.width || canvas.height !== m.height) {
        canvas = new OffscreenCanvas(m.width, m.height);
        canvas.getContext('2d').drawImage(bitmap, 0, 0, m.width, m.height);
      }
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: m.quality });
      self.postMessage({ op: 'encode', blob });
    } else if (m.op === 'release') {
      release();
      self.postMessage({ op: 'release' });
    }
  } catch (e) {
    self.postMessage({ op: 'error', message: String(e) });
  }
};
