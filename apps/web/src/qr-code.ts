import { create } from 'qrcode';

const SVG = 'http://www.w3.org/2000/svg';
/** The quiet zone the QR standard asks for around the symbol, in modules. */
const QUIET_ZONE = 4;

/**
 * The link as a QR code, drawn as one SVG path (sharp at any size, no canvas).
 *
 * Error correction L: the code is shown on a screen, not printed and scuffed, and L keeps the
 * symbol smallest (a mailbox link fits version 4, 33×33 modules), which phones read from
 * further away. The qrcode package picks the densest mix of modes for the text; a link's
 * base64url fragment is mixed-case, so most of it goes in byte mode whatever we ask.
 */
export function qrCode(text: string, label: string): SVGSVGElement {
  const { modules } = create(text, { errorCorrectionLevel: 'L' });
  const size = modules.size;
  let path = '';
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) {
      if (modules.get(row, column)) path += `M${column} ${row}h1v1h-1z`;
    }
  }
  const extent = size + 2 * QUIET_ZONE;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `${-QUIET_ZONE} ${-QUIET_ZONE} ${extent} ${extent}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.dataset.modules = String(size);
  const background = document.createElementNS(SVG, 'rect');
  for (const [name, value] of Object.entries({
    x: `${-QUIET_ZONE}`,
    y: `${-QUIET_ZONE}`,
    width: `${extent}`,
    height: `${extent}`,
    fill: '#fff',
  })) {
    background.setAttribute(name, value);
  }
  const symbol = document.createElementNS(SVG, 'path');
  symbol.setAttribute('d', path);
  symbol.setAttribute('fill', '#000');
  svg.append(background, symbol);
  return svg;
}
