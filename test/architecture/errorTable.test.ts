import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../../domain/errors';

const PROTOCOL = fs.readFileSync(path.resolve(__dirname, '../../../PROTOCOL.md'), 'utf8');

/** The error table's rows: `| \`CODE\` | status | meaning |`. */
const documented = new Map([...PROTOCOL.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));

describe('PROTOCOL.md error table', () => {
  it('lists every error code with the HTTP status it leaves with, and no other code', () => {
    for (const code of Object.values(ErrorCode)) assert.equal(documented.get(code), HTTP_STATUS_BY_CODE[code], `PROTOCOL.md's row for ${code}`);
    assert.deepEqual([...documented.keys()].filter((code) => !(code in ErrorCode)), []);
  });
});
