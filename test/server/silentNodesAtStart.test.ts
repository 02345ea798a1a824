import assert from 'node:assert/strict';
import { forgetSilentNodes } from '../../server/cluster/silentNodesAtStart';

describe('the silent nodes a node forgets as it starts', () => {
  it('counts no more the nodes nobody listens for, sweeps them after, and reports a sweep that failed', async () => {
    const excluded: string[] = [];
    const swept: string[] = [];
    const failed: Array<[string, string]> = [];
    let finishSweeps: () => void = () => {};
    const sweepsMayEnd = new Promise<void>((resolve) => (finishSweeps = resolve));
    const forgotten = await forgetSilentNodes({
      counted: async () => ['dead', 'alive', 'gone'],
      listeners: async (ids) => ids.map((id) => (id === 'alive' ? 1 : 0)),
      exclude: async (id) => void excluded.push(id),
      sweep: async (id) => {
        swept.push(id);
        await sweepsMayEnd; // a sweep waits for the lease to lapse: the start does not wait for it
        if (id === 'gone') throw new Error('Redis went away');
        return true;
      },
      onSweepFailed: (id, error) => failed.push([id, (error as Error).message]),
    });
    assert.deepEqual(forgotten, ['dead', 'gone']);
    assert.deepEqual(excluded, ['dead', 'gone']);
    assert.deepEqual(swept, ['dead', 'gone']);
    assert.deepEqual(failed, []);
    finishSweeps();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(failed, [['gone', 'Redis went away']]);
  });
});
