import assert from 'node:assert/strict';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { nodeLog } from '../../loadtest/harness/nodeLog';

/** A node as the report reads it: only its log. */
const nodeWithLog = (lines: readonly string[]) => ({ output: () => lines.join('\n') }) as unknown as NodeHandle;

describe('the bench report of what the nodes logged', () => {
  it('counts fences, and the stalls a node came through with its lease, with the longest', () => {
    nodeLog.track(
      nodeWithLog([
        JSON.stringify({ level: 40, stalledForMs: 3120, msg: 'the event loop was stalled; its lease was kept meanwhile' }),
        JSON.stringify({ level: 50, silentForMs: 2600, msg: 'cut off from Redis: fencing this node (its clients go elsewhere)' }),
      ]),
    );
    nodeLog.track(
      nodeWithLog([
        JSON.stringify({ level: 40, stalledForMs: 6469, msg: 'the event loop was stalled; its lease was kept meanwhile' }),
        JSON.stringify({ level: 40, msg: 'redis connection closed; reconnecting with backoff' }),
      ]),
    );
    assert.deepEqual(nodeLog.report(), { node_fences: 1, node_stalls: 2, node_longest_stall_ms: 6469 });
  });
});
