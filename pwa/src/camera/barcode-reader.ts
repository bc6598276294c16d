// Part of the lazily loaded camera chunk: nothing on the first-load path may import this file.
import type { BarcodeFormat } from 'barcode-detector/ponyfill';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

/** Loyalty-card barcodes and QR codes, as the Barcode Detection API names them. */
const FORMATS: BarcodeFormat[] = ['code_128', 'ean_13', 'ean_8', 'upc_a', 'qr_code', 'code_39', 'itf'];

export interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

interface DetectorClass {
  new (options: { formats: BarcodeFormat[] }): Detector;
  getSupportedFormats(): Promise<readonly string[]>;
}

export type DetectorKind = 'native' | 'polyfill';

/**
 * The browser's own BarcodeDetector when it reads every format we need, else the ZXing WebAssembly one.
 * The store has no internet: the .wasm comes from the appliance (bundled by Vite), never from the package's CDN default.
 */
export async function createDetector(): Promise<{ detector: Detector; kind: DetectorKind }> {
  const native = (window as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (native) {
    const supported = await native.getSupportedFormats().catch((): readonly string[] => []);
    if (FORMATS.every((f) => supported.includes(f))) return { detector: new native({ formats: FORMATS }), kind: 'native' };
  }
  const { BarcodeDetector, prepareZXingModule } = await import('barcode-detector/ponyfill');
  prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) } });
  return { detector: new BarcodeDetector({ formats: FORMATS }), kind: 'polyfill' };
}
