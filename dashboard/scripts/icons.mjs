// Draws the app icons (public/icon-192.png, icon-512.png) from the same shapes as
// public/icon.svg, with no image library: a PNG is a zlib stream of RGBA rows.
// Run once after changing the icon (`node scripts/icons.mjs`); the PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const ACCENT = [0x4f, 0x46, 0xe5];
const WHITE = [255, 255, 255];

/** The icon on a 64x64 canvas: what colour is at (x, y), or null for transparent. */
function at(x, y, maskable) {
  const inRect = (x0, y0, x1, y1, r) => {
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= x0 && x <= x1 && y >= y0 && y <= y1;
  };
  if (!maskable && !inRect(0, 0, 64, 64, 14)) return null;
  // A maskable icon keeps its drawing inside the central 80% safe zone.
  const s = maskable ? 0.8 : 1;
  const u = 32 + (x - 32) / s;
  const v = 32 + (y - 32) / s;
  for (const cx of [24, 32, 40]) if ((u - cx) ** 2 + (v - 30) ** 2 <= 9) return ACCENT;
  const inBubble = (() => {
    const cx = Math.min(Math.max(u, 16), 48);
    const cy = Math.min(Math.max(v, 22), 38);
    if (u >= 12 && u <= 52 && v >= 18 && v <= 42 && (u - cx) ** 2 + (v - cy) ** 2 <= 16) return true;
    // The tail: a triangle (19,42) (28,42) (19,49).
    return v >= 42 && v <= 49 && u >= 19 && u <= 28 - ((v - 42) * 9) / 7;
  })();
  return inBubble ? WHITE : ACCENT;
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, maskable) {
  const rows = [];
  const SS = 4; // supersampling for smooth edges
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < SS; sy++)
        for (let sx = 0; sx < SS; sx++) {
          const c = at(((x + (sx + 0.5) / SS) * 64) / size, ((y + (sy + 0.5) / SS) * 64) / size, maskable);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      const o = 1 + x * 4;
      if (a) row.set([r / a, g / a, b / a, (255 * a) / (SS * SS)], o);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = new URL('../public/', import.meta.url);
writeFileSync(new URL('icon-192.png', out), png(192, false));
writeFileSync(new URL('icon-512.png', out), png(512, false));
writeFileSync(new URL('icon-maskable-512.png', out), png(512, true));
console.log('icons written');
