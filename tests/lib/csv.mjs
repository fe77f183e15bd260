// SPDX-License-Identifier: MIT
// A strict CSV reader for the tests of the dashboard's exports.

// RFC 4180, strictly: CRLF after every record, quotes only around whole fields.
export function parseCsv(text) {
	const rows = [];
	let row = [], field = '', quoted = false, wasQuoted = false;
	for (let i = 0; i < text.length;) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; } else if (c === '"') { quoted = false; i++; } else { field += c; i++; }
			continue;
		}
		if (c === '"') {
			if (field !== '' || wasQuoted) throw new Error(`a quote inside an unquoted field at ${i}`);
			quoted = wasQuoted = true; i++;
		} else if (c === ',') { row.push(field); field = ''; wasQuoted = false; i++; } else if (c === '\r' && text[i + 1] === '\n') {
			row.push(field); rows.push(row); row = []; field = ''; wasQuoted = false; i += 2;
		} else if (c === '\r' || c === '\n') throw new Error(`a bare line break at ${i}`);
		else { if (wasQuoted) throw new Error(`text after a closing quote at ${i}`); field += c; i++; }
	}
	if (quoted) throw new Error('an unterminated quote');
	if (field !== '' || row.length) throw new Error('the last record has no CRLF');
	return rows;
}
