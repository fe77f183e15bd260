// SPDX-License-Identifier: MIT
// A small PNG reader for tests (8-bit RGBA, RGB or palette, non-interlaced), so
// heatmap pixels can be checked without trusting the encoder that made them.
import { crc32, inflateSync } from 'node:zlib';

export function decodePng(buf) {
	const sig = [137, 80, 78, 71, 13, 10, 26, 10];
	for (let i = 0; i < 8; i++) if (buf[i] !== sig[i]) throw new Error('not a PNG');
	let off = 8, width = 0, height = 0, depth = 0, ctype = 0, interlace = 0;
	const idat = [];
	let plte = null, trns = null;
	while (off < buf.length) {
		const len = buf.readUInt32BE(off);
		const type = buf.toString('latin1', off + 4, off + 8);
		const data = buf.subarray(off + 8, off + 8 + len);
		if (type === 'IHDR') {
			width = data.readUInt32BE(0); height = data.readUInt32BE(4);
			depth = data[8]; ctype = data[9]; interlace = data[12];
		} else if (type === 'IDAT') idat.push(data);
		else if (type === 'PLTE') plte = Buffer.from(data);
		else if (type === 'tRNS') trns = Buffer.from(data);
		else if (type === 'IEND') break;
		off += 12 + len;
	}
	if (depth !== 8 || (ctype !== 6 && ctype !== 2 && ctype !== 3) || interlace) throw new Error(`unsupported PNG ${depth}/${ctype}/${interlace}`);
	if (ctype === 3 && !plte) throw new Error('palette PNG without PLTE');
	const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : 1;
	const raw = inflateSync(Buffer.concat(idat));
	const stride = width * bpp;
	const out = Buffer.alloc(width * height * 4);
	let prev = Buffer.alloc(stride);
	for (let y = 0; y < height; y++) {
		const f = raw[y * (stride + 1)];
		const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
		for (let i = 0; i < stride; i++) {
			const a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
			let p;
			switch (f) {
			case 0: p = 0; break;
			case 1: p = a; break;
			case 2: p = b; break;
			case 3: p = (a + b) >> 1; break;
			case 4: { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
				p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
			default: throw new Error(`bad filter ${f}`);
			}
			line[i] = (line[i] + p) & 255;
		}
		for (let x = 0; x < width; x++) {
			if (ctype === 3) {
				const k = line[x];
				if (3 * k + 2 >= plte.length) throw new Error(`palette index ${k} out of range`);
				out[(y * width + x) * 4] = plte[3 * k];
				out[(y * width + x) * 4 + 1] = plte[3 * k + 1];
				out[(y * width + x) * 4 + 2] = plte[3 * k + 2];
				out[(y * width + x) * 4 + 3] = trns && k < trns.length ? trns[k] : 255;
				continue;
			}
			out[(y * width + x) * 4] = line[x * bpp];
			out[(y * width + x) * 4 + 1] = line[x * bpp + 1];
			out[(y * width + x) * 4 + 2] = line[x * bpp + 2];
			out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
		}
		prev = line;
	}
	return { width, height, data: out };
}

// Heat of a pixel of the classic palette: alpha first, then along
// blue -> cyan -> green -> yellow -> red (more red, less green and blue).
export function heatScore(d, i) {
	return d[i + 3] * 1024 + d[i] * 2 - d[i + 1] - d[i + 2];
}

// The hottest spot: centroid of the pixels with the top heat score, as
// {x, y, score} in PNG pixels (the alpha ramp saturates, so there is a
// plateau rather than one pixel).
export function hottestPixel(img) {
	let best = -Infinity, sx = 0, sy = 0, n = 0;
	for (let y = 0; y < img.height; y++)
		for (let x = 0; x < img.width; x++) {
			const s = heatScore(img.data, (y * img.width + x) * 4);
			if (s > best) { best = s; sx = x; sy = y; n = 1; } else if (s === best) { sx += x; sy += y; n++; }
		}
	return { x: sx / n, y: sy / n, score: best };
}

// The iTXt chunks of a PNG, with their CRCs checked.
export function pngText(buf) {
	const out = {};
	for (let off = 8; off < buf.length;) {
		const len = buf.readUInt32BE(off);
		const type = buf.toString('latin1', off + 4, off + 8);
		if (type === 'iTXt') {
			if (buf.readUInt32BE(off + 8 + len) !== crc32(buf.subarray(off + 4, off + 8 + len))) throw new Error('iTXt: bad CRC');
			const d = buf.subarray(off + 8, off + 8 + len);
			const k = d.indexOf(0);
			let p = d.indexOf(0, k + 3) + 1;
			p = d.indexOf(0, p) + 1;
			out[d.toString('latin1', 0, k)] = d.toString('utf8', p);
		}
		if (type === 'IEND') break;
		off += 12 + len;
	}
	return out;
}
