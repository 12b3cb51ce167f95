// The demo's own tables keyed by the library's values (no browser needed): every error code it
// has a hint for is one the library returns (or an OAuth error a server sends), and it has a
// sentence for every reason a session can end with; the guest chat has a hint for every code a
// GuestTokenSource rejects with. A renamed code or reason in the crate
// changes tests/shared/constants.json (tests/constants.rs sees to that) and then fails here,
// rather than leaving the demo silently without its hint.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CONSTANTS } from './harness.mjs';
import { HINTS, SESSION_ENDED } from '../../www/plain/demo.js';
import { GUEST_HINTS } from '../../www/plain/guest-chat.js';

/** The authorization error codes of RFC 6749 §4.1.2.1, which arrive as `oauthError`. */
const OAUTH_AUTHORIZATION_ERRORS = [
  'invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type',
  'invalid_scope', 'server_error', 'temporarily_unavailable',
];

test('the demo\'s hints are keyed by codes the library returns or OAuth errors', () => {
  const unknown = Object.keys(HINTS).filter((key) => !CONSTANTS.errorCodes.includes(key)
    && !OAUTH_AUTHORIZATION_ERRORS.includes(key));
  assert.deepEqual(unknown, [], 'hints for codes nothing returns');
  assert.ok(Object.keys(HINTS).some((key) => CONSTANTS.errorCodes.includes(key)), 'at least one library code has a hint');
  // Every id_token_* code shares one hint (showError matches the prefix).
  assert.ok(CONSTANTS.errorCodes.filter((code) => code.startsWith('id_token_')).length > 1, 'the id_token_ codes exist');
});

test('the demo has a sentence for every reason a session ends with (sessionExpired)', () => {
  assert.deepEqual(Object.keys(SESSION_ENDED).sort(), [...CONSTANTS.sessionExpiredReasons].sort());
  for (const [reason, sentence] of Object.entries(SESSION_ENDED)) {
    assert.ok(typeof sentence === 'string' && sentence.length > 0, `a sentence for ${reason}`);
  }
});

test('the guest chat has a plain-words hint for each code a GuestTokenSource rejects with', () => {
  const unknown = Object.keys(GUEST_HINTS).filter((key) => !CONSTANTS.errorCodes.includes(key));
  assert.deepEqual(unknown, [], 'hints for codes nothing returns');
  for (const code of ['guest_token_failed', 'guest_token_invalid', 'rate_limited', 'network_error']) {
    assert.ok(typeof GUEST_HINTS[code] === 'string' && GUEST_HINTS[code].length > 0, `a hint for ${code}`);
  }
});
