/**
 * Every column that holds a value sealed by SecretBox. The master-key check reads one value of
 * each to recognise a database that predates the check row, and key rotation re-seals them all;
 * a new sealed column must be added here (test/boot/master-key.e2e-spec.ts seals one of each).
 */
export const SEALED_COLUMNS = [
  { table: 'Agent', column: 'sshKeyEncrypted', key: 'id' },
  { table: 'Certificate', column: 'keyEncrypted', key: 'id' },
  { table: 'AcmeAccount', column: 'keyEncrypted', key: 'id' },
  { table: 'AcmeAccount', column: 'eabHmacEncrypted', key: 'id' },
  { table: 'DnsProvider', column: 'tsigSecretEncrypted', key: 'id' },
  { table: 'FileSnapshot', column: 'filesSealed', key: 'hash' },
] as const;
