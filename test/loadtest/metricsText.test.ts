import assert from 'node:assert/strict';
import { sampleValue } from '../../loadtest/harness/metricsText';

const TEXT = [
  '# HELP kismet_rooms Actors alive on this node.',
  '# TYPE kismet_rooms gauge',
  'kismet_rooms{kind="chat",node="n1"} 7',
  'kismet_rooms{kind="session",node="n1"} 1234',
  'kismet_connections_total 99',
  'kismet_connections{node="n1"} 42',
  'kismet_process_nodejs_heap_size_used_bytes 1048576',
].join('\n');

describe('reading a node\'s /metrics text in the benchmarks', () => {
  it('reads a sample by its name, with or without labels', () => {
    assert.equal(sampleValue(TEXT, 'kismet_process_nodejs_heap_size_used_bytes'), 1_048_576);
    assert.equal(sampleValue(TEXT, 'kismet_connections'), 42, 'a longer name that starts the same is another metric');
  });

  it('picks the sample with the label asked for', () => {
    assert.equal(sampleValue(TEXT, 'kismet_rooms', 'kind="session"'), 1234);
    assert.equal(sampleValue(TEXT, 'kismet_rooms', 'kind="chat"'), 7);
  });

  it('reads 0 where there is no such sample', () => {
    assert.equal(sampleValue(TEXT, 'kismet_rooms', 'kind="lobby"'), 0);
    assert.equal(sampleValue(TEXT, 'kismet_missing'), 0);
  });
});
