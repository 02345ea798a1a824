import assert from 'node:assert/strict';
import { clientAddress, rateLimitAddress } from '../../server/http/clientAddress';
import { NO_TRUSTED_PROXIES, trustedProxies } from '../../server/http/trustedProxies';

describe('clientAddress', () => {
  const proxies = trustedProxies(['10.0.0.0/8', '2001:db8:ffff::/48']);

  describe('from a peer that is no trusted proxy', () => {
    it('takes the socket’s address, whatever X-Forwarded-For says', () => {
      assert.equal(clientAddress('198.51.100.9', '203.0.113.7', proxies), '198.51.100.9');
      assert.equal(clientAddress('0000:0000:0000:0000:0000:ffff:c633:6409', '10.0.0.2, 203.0.113.7', proxies), '0000:0000:0000:0000:0000:ffff:c633:6409');
      assert.equal(clientAddress('2001:db8:1::9', '203.0.113.7', proxies), '2001:db8:1::9');
    });
    it('believes no header at all without TRUSTED_PROXIES', () => {
      assert.equal(clientAddress('10.0.0.1', 'forged', NO_TRUSTED_PROXIES), '10.0.0.1');
      assert.equal(clientAddress('10.0.0.1', '203.0.113.7', trustedProxies([])), '10.0.0.1');
    });
  });

  describe('from a trusted proxy', () => {
    it('takes the address the proxy appended, not what the client wrote before it', () => {
      assert.equal(clientAddress('10.0.0.1', 'forged, 203.0.113.7', proxies), '203.0.113.7');
      // As the node's socket reports an IPv4 peer.
      assert.equal(clientAddress('0000:0000:0000:0000:0000:ffff:0a00:0001', 'forged, 203.0.113.7', proxies), '203.0.113.7');
      assert.equal(clientAddress('2001:db8:ffff::1', '2001:db8:7::1', proxies), '2001:db8:7::1');
    });
    it('walks past each trusted proxy from the right to the first address that is none', () => {
      assert.equal(clientAddress('10.0.0.1', '203.0.113.7, 10.0.0.2', proxies), '203.0.113.7');
      assert.equal(clientAddress('10.0.0.1', '10.9.9.9, 203.0.113.7, 10.0.0.3:4431, [2001:db8:ffff::2]:443', proxies), '203.0.113.7', 'a forged trusted address left of the client proves nothing');
    });
    it('takes the leftmost entry when every one is a trusted proxy, and the peer itself when there is none', () => {
      assert.equal(clientAddress('10.0.0.1', '10.0.0.5, 10.0.0.2', proxies), '10.0.0.5');
      assert.equal(clientAddress('10.0.0.1', undefined, proxies), '10.0.0.1');
      assert.equal(clientAddress('10.0.0.1', ' , ', proxies), '10.0.0.1');
    });
    it('counts what is no address as the client (a proxy’s `unknown`)', () => {
      assert.equal(clientAddress('10.0.0.1', 'unknown', proxies), 'unknown');
    });
  });
});

describe('rateLimitAddress', () => {
  describe('IPv6', () => {
    it('counts an address as its /64, however it is written', () => {
      for (const written of ['2001:db8::1', '2001:db8:0:0:1::1', '2001:0db8:0000:0000:ffff:ffff:ffff:ffff', '2001:DB8::abcd:1', '2001:db8::1.2.3.4', '[2001:db8::7]:443']) {
        assert.equal(rateLimitAddress(written), '2001:db8::/64', written);
      }
    });
    it('tells apart addresses in other /64s', () => {
      assert.equal(rateLimitAddress('2001:db8:0:1::1'), '2001:db8:0:1::/64');
      assert.equal(rateLimitAddress('2001:db8:1::1'), '2001:db8:1::/64');
      assert.equal(rateLimitAddress('2600:1f18:abcd:12::9'), '2600:1f18:abcd:12::/64');
    });
    it('counts loopback and the unspecified address as theirs', () => {
      assert.equal(rateLimitAddress('::1'), '::/64');
      assert.equal(rateLimitAddress('0000:0000:0000:0000:0000:0000:0000:0001'), '::/64', 'as the server’s socket reports it');
      assert.equal(rateLimitAddress('::'), '::/64');
    });
    it('drops a zone id', () => {
      assert.equal(rateLimitAddress('fe80::1%eth0'), 'fe80::/64');
      assert.equal(rateLimitAddress('fe80::2%25en0'), 'fe80::/64');
    });
  });

  describe('IPv4', () => {
    it('counts an IPv4 address alone, also IPv4-mapped as the server’s socket reports IPv4 peers', () => {
      assert.equal(rateLimitAddress('203.0.113.7'), '203.0.113.7');
      assert.equal(rateLimitAddress('203.0.113.7:51234'), '203.0.113.7');
      assert.equal(rateLimitAddress('::ffff:203.0.113.7'), '203.0.113.7');
      assert.equal(rateLimitAddress('::FFFF:cb00:7107'), '203.0.113.7');
      assert.equal(rateLimitAddress('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1');
      assert.equal(rateLimitAddress('::ffff:203.0.113.8'), '203.0.113.8', 'two IPv4 addresses are two');
    });
  });

  it('counts text that is no address as itself', () => {
    for (const text of ['unknown', '', '2001:db8::1::2', '999.1.1.1', '2001:db8::g']) assert.equal(rateLimitAddress(text), text, text);
  });
});
