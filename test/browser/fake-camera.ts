import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { prepareZXingModule, writeBarcode } from 'zxing-wasm/writer';

/*
 * A camera for headless Chromium: a Y4M video (text header, then 'FRAME\n' + the Y, U and V planes of 4:2:0
 * frames) of a Code 128 barcode on white, which Chromium's fake capture device plays in a loop.
 */

const WRITER_WASM = fileURLToPath(new URL('../../node_modules/zxing-wasm/dist/writer/zxing_writer.wasm', import.meta.url));
const WIDTH = 640;
const HEIGHT = 480;
/** Pixels per module (narrowest bar): a card held 20 cm from a tablet's camera. */
const MODULE_PX = 4;
const BAR_HEIGHT = 200;

/** Writes a Y4M file showing `text` as a Code 128 barcode in the middle of a white frame. */
export async function writeBarcodeVideo(path: string, text: string): Promise<void> {
  // Outside the browser the module cannot fetch its .wasm: hand it the bytes.
  prepareZXingModule({ overrides: { wasmBinary: readFileSync(WRITER_WASM).buffer as ArrayBuffer } });
  const written = await writeBarcode(text, { format: 'Code128' });
  if (written.error) throw new Error(`barcode for ${text}: ${written.error}`);
  // One row of the symbol is enough for a linear code: 0 is a bar, 255 a space, one pixel per module.
  const row = written.symbol.data.subarray(0, written.symbol.width);
  const luma = new Uint8Array(WIDTH * HEIGHT).fill(235);
  const left = Math.floor((WIDTH - row.length * MODULE_PX) / 2);
  const top = Math.floor((HEIGHT - BAR_HEIGHT) / 2);
  if (left < 20) throw new Error(`${text} is too long for a ${WIDTH}px frame`);
  for (let y = top; y < top + BAR_HEIGHT; y++)
    for (let m = 0; m < row.length; m++) luma.fill(row[m] === 0 ? 16 : 235, y * WIDTH + left + m * MODULE_PX, y * WIDTH + left + (m + 1) * MODULE_PX);
  const chroma = new Uint8Array((WIDTH / 2) * (HEIGHT / 2)).fill(128);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  writeFileSync(path, Buffer.concat([header, frame, frame, frame]));
}

/** Headless Chromium whose only camera plays `videoPath`, with camera prompts answered yes. */
export function launchChromiumWithCamera(videoPath: string): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${videoPath}`,
      '--use-fake-ui-for-media-stream',
    ],
  });
}
