import type { PrismaService } from '../../database/prisma.service.js';
import { KEY_CHECK_TEXT } from './master-key.js';
import type { SecretBox } from './secret-box.js';
import { SecretsRepository } from './secrets.repository.js';

/**
 * Re-seals every sealed value and the check value under `next`, in one transaction: a rotation
 * that fails half-way leaves every secret under the old key.
 */
export async function rotateMasterKey(
  prisma: PrismaService,
  current: SecretBox,
  next: SecretBox,
): Promise<{ resealed: Record<string, number> }> {
  const resealed = await new SecretsRepository(prisma).resealAll(
    (sealed) => next.seal(current.open(sealed)),
    {
      keyId: next.keyId,
      sealed: next.seal(KEY_CHECK_TEXT),
    },
  );
  return { resealed };
}
