import assert from 'node:assert/strict';
import { clientAddress, rateLimitAddress } from '../../server/http/clientAddress';

describe('clientAddress', () => {
  it('takes the address the outermost trusted proxy appended, else the socket’s', () => {
    assert.equal(clientAddress('10.0.0.1', 'forged, 203.0.113.7', 1), '203.0.113.7');
    assert.equal(clientAddress('10.0.0.1', '203.0.113.7, 10.0.0.2', 2), '203.0.113.7');
    assert.equal(clientAddress('10.0.0.1', 'forged', 0), '10.0.0.1');
    assert.equal(clientAddress('10.0.0.1', undefined, 1), '10.0.0.1');
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
