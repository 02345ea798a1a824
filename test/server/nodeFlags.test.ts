import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NODE_FLAGS, nodeFlags } from '../../server/nodeFlags';

const ROOT = path.resolve(__dirname, '../../..');

describe('the Node and V8 flags of a node', () => {
  it('npm start runs the server with every one of them', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts['start'], ['node', ...NODE_FLAGS, 'dist/server/main.js'].join(' '));
  });

  it('KISMET_NODE_FLAGS replaces them for an experiment, an empty one with none', () => {
    assert.deepEqual(nodeFlags({}), [...NODE_FLAGS]);
    assert.deepEqual(nodeFlags({ KISMET_NODE_FLAGS: '--single-threaded-gc  --v8-pool-size=1' }), ['--single-threaded-gc', '--v8-pool-size=1']);
    assert.deepEqual(nodeFlags({ KISMET_NODE_FLAGS: '' }), []);
  });
});
