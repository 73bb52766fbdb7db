// Names the connection failures that waiting will not cure (credentials refused, TLS handshake
// failed), so the startup log says what is wrong instead of "not reachable". Texts never quote
// the command or options: ioredis records `HELLO 3 AUTH <user> <password>` on the error.

const TLS_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** A one-line, secret-free reason for an authentication or TLS failure; undefined for others. */
export function startupFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // A Cluster client reports the last node's error inside its own.
  const inner = (error as { lastNodeError?: unknown }).lastNodeError;
  if (inner !== undefined) return startupFailure(inner) ?? undefined;
  const word = error.message.split(' ', 1)[0];
  if (error.name === 'ReplyError') {
    if (word === 'WRONGPASS')
      return 'authentication failed: Redis refused the username/password pair (WRONGPASS); check the password and username of the connection';
    if (word === 'NOAUTH')
      return 'authentication required: Redis asks for a password and none was accepted (NOAUTH); set the password (and username) of the connection';
    if (word === 'NOPERM')
      return `the Redis user lacks a permission the cache needs (${firstSentence(error.message)})`;
    return undefined;
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (
    TLS_CERTIFICATE_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    (error as { library?: string }).library === 'SSL routines' ||
    error.message.includes('secure TLS connection')
  )
    return `TLS connection failed: ${firstSentence(error.message)}${code ? ` (${code})` : ''}; check the tls options (CA, server name) and that the port speaks TLS`;
  return undefined;
}

/** The first line of an error message, at most 200 characters: one log line, never a dump. */
export function firstSentence(message: string): string {
  return message.split('\n', 1)[0].slice(0, 200);
}
