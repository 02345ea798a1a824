import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../server/config';
import { parseTrustedProxies, trustedProxies } from '../../server/http/trustedProxies';

function parsed(text: string | undefined, retiredHops?: string): { ranges: readonly string[]; problems: string[] } {
  const problems: string[] = [];
  return { ranges: parseTrustedProxies(text, retiredHops, problems), problems };
}

describe('trusted proxies', () => {
  describe('parseTrustedProxies', () => {
    it('takes address ranges and single addresses, as CIDR', () => {
      assert.deepEqual(parsed(' 10.0.0.0/8, 192.168.1.7 ,2001:DB8::/32,::1').ranges, ['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32', '::1/128']);
      assert.deepEqual(parsed(undefined), { ranges: [], problems: [] });
    });
    it('names each entry that is no address or range', () => {
      for (const bad of ['10.0.0.0/33', '10.1', 'proxy.internal', '10.0.0.0/', '2001:db8::/129', 'fe80::1%eth0', '0x0a000001', '10.0.0.0/8/1']) {
        assert.match(parsed(bad).problems[0] ?? '', /^TRUSTED_PROXIES: ".*" is not an address or an address range/, bad);
      }
    });
    it('refuses a range of every address, which would let any client name its own', () => {
      for (const all of ['0.0.0.0/0', '::/0']) assert.match(parsed(all).problems[0] ?? '', /^TRUSTED_PROXIES: ".*" trusts every address/, all);
    });
    it('refuses the retired TRUSTED_PROXY_HOPS, unless 0', () => {
      assert.match(parsed('10.0.0.0/8', '1').problems[0] ?? '', /^TRUSTED_PROXY_HOPS: replaced by TRUSTED_PROXIES/);
      assert.deepEqual(parsed(undefined, '0').problems, []);
    });
  });

  describe('trustedProxies', () => {
    const trusted = trustedProxies(['10.0.0.0/8', '127.0.0.1/32', '2001:db8::/32']);
    it('knows the addresses in its ranges, however they are written', () => {
      for (const address of ['10.1.2.3', '::ffff:10.1.2.3', '0000:0000:0000:0000:0000:ffff:7f00:0001', '10.0.0.9:5123', '2001:db8:5::1', '[2001:db8::1]:443', '2001:DB8::1']) {
        assert.equal(trusted(address), true, address);
      }
    });
    it('knows no other address, nor text that is none', () => {
      for (const address of ['11.0.0.1', '127.0.0.2', '::ffff:11.0.0.1', '2001:db9::1', '::1', 'unknown', '', '10.1']) assert.equal(trusted(address), false, address);
    });
  });

  describe('loadConfig', () => {
    it('hands the node the ranges, none by default', () => {
      assert.deepEqual(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8' }).http.trustedProxies, ['10.0.0.0/8']);
      assert.deepEqual(loadConfig({}).http.trustedProxies, []);
    });
    it('stops at start-up on a bad range or the retired setting', () => {
      for (const env of [{ TRUSTED_PROXIES: 'proxy.internal' }, { TRUSTED_PROXY_HOPS: '1' }]) assert.throws(() => loadConfig(env), ConfigError, JSON.stringify(env));
    });
  });
});
