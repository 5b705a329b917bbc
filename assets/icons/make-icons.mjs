// Draw the service's own icons (a white bar chart on a blue square) into assets/images/.
//
// GOV.UK Frontend's favicon and touch icons show the crown, which a service not on GOV.UK
// must not use. These replace them under the same file names, so govuk-frontend-jinja's
// template.html (headIcons block) and GOV.UK Frontend's manifest.json find them unchanged.
// Run by hand after changing the design: `node assets/icons/make-icons.mjs`. The output is
// committed; scripts/build-assets.sh only copies it. No dependencies beyond Node itself.

import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'images')
const BACKGROUND = [0x1d, 0x70, 0xb8] // $govuk-brand-colour, the template's theme-color
const FOREGROUND = [0xff, 0xff, 0xff]

// Bars in a unit square, kept inside the central circle of radius 0.4 that maskable icons keep.
const BARS = [
  { x: 0.22, y: 0.52, w: 0.14, h: 0.22 },
  { x: 0.43, y: 0.38, w: 0.14, h: 0.36 },
  { x: 0.64, y: 0.24, w: 0.14, h: 0.5 }
]

const inBar = (u, v) => BARS.some((b) => u >= b.x && u < b.x + b.w && v >= b.y && v < b.y + b.h)

function render (size) {
  const SUB = 4 // 4x4 supersampling for smooth edges at small sizes
  const rgba = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          if (inBar((px + (sx + 0.5) / SUB) / size, (py + (sy + 0.5) / SUB) / size)) hits++
        }
      }
      const a = hits / (SUB * SUB)
      const i = (py * size + px) * 4
      for (let c = 0; c < 3; c++) {
        rgba[i + c] = Math.round(BACKGROUND[c] * (1 - a) + FOREGROUND[c] * a)
      }
      rgba[i + 3] = 255
    }
  }
  return rgba
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk (type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

function png (size) {
  const rgba = render(size)
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

// An .ico holding PNG images (supported by every current browser).
function ico (sizes) {
  const images = sizes.map(png)
  const header = Buffer.alloc(6)
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(images.length, 4)
  let offset = 6 + 16 * images.length
  const entries = images.map((img, n) => {
    const e = Buffer.alloc(16)
    e[0] = sizes[n] % 256
    e[1] = sizes[n] % 256
    e.writeUInt16LE(1, 4) // colour planes
    e.writeUInt16LE(32, 6) // bits per pixel
    e.writeUInt32LE(img.length, 8)
    e.writeUInt32LE(offset, 12)
    offset += img.length
    return e
  })
  return Buffer.concat([header, ...entries, ...images])
}

const barRects = (fill) => BARS.map((b) =>
  `<rect x="${b.x * 32}" y="${b.y * 32}" width="${b.w * 32}" height="${b.h * 32}"${fill}/>`
).join('')

const hex = (rgb) => '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('')

const favicon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  `<path fill="${hex(BACKGROUND)}" d="M0 0h32v32H0z"/>` + barRects(` fill="${hex(FOREGROUND)}"`) + '</svg>\n'

// Safari pinned-tab mask: one colour, the shape is what is drawn.
const mask = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' + barRects('') + '</svg>\n'

mkdirSync(OUT, { recursive: true })
writeFileSync(join(OUT, 'favicon.svg'), favicon)
writeFileSync(join(OUT, 'govuk-icon-mask.svg'), mask)
writeFileSync(join(OUT, 'favicon.ico'), ico([16, 32, 48]))
for (const size of [180, 192, 512]) writeFileSync(join(OUT, `govuk-icon-${size}.png`), png(size))
console.log(`icons written to ${OUT}`)
