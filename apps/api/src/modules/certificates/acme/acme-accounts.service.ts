import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error.js';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import { AuditService } from '../../audit/audit.service.js';
import { authorize } from '../../auth/authorize.js';
import type { Actor, Permission } from '../../auth/principal.js';
import { toAccountView } from '../certificate.view.js';
import type { CreateAcmeAccount } from '../dto/certificate.schema.js';
import { AcmeGateway, directoryUrlOf } from './acme.gateway.js';
import { AcmeAccountsRepository } from './acme-accounts.repository.js';

/** An account speaks for Portico at a CA (and holds a key): admins only, at every door. */
export const ACME_ACCOUNT_PERMISSION: Permission = 'admin';

/** One ACME account per directory URL; its key is made here, sealed, and never returned. */
@Injectable()
export class AcmeAccountsService {
  constructor(
    private readonly repo: AcmeAccountsRepository,
    private readonly secrets: SecretBox,
    private readonly gateway: AcmeGateway,
    private readonly audit: AuditService,
  ) {}

  async list() {
    return (await this.repo.list()).map(toAccountView);
  }

  async create(dto: CreateAcmeAccount, actor: Actor) {
    authorize(actor, ACME_ACCOUNT_PERMISSION, 'Creating ACME accounts');
    const directoryUrl = directoryUrlOf(dto.directory);
    if (await this.repo.byDirectory(directoryUrl)) {
      throw new AppError('NAME_TAKEN', `an ACME account for ${directoryUrl} exists already`, [
        { field: 'directory', message: 'already has an account' },
      ]);
    }
    const accountKeyPem = await this.gateway.createAccountKey();
    let accountUrl: string;
    try {
      accountUrl = await this.gateway.register(
        { directoryUrl, accountKeyPem, eab: dto.eab },
        dto.email ?? null,
      );
    } catch (error) {
      // CA_UNREACHABLE and OUTBOUND_DENIED say what went wrong already.
      if (error instanceof AppError) throw error;
      throw new AppError(
        'ACME_FAILED',
        `the CA at ${directoryUrl} refused the account: ${(error as Error).message}`,
      );
    }
    return this.repo.transaction(async (tx) => {
      const row = await this.repo.create(tx, {
        directoryUrl,
        email: dto.email ?? null,
        keyEncrypted: this.secrets.seal(accountKeyPem),
        accountUrl,
        eabKid: dto.eab?.kid ?? null,
        eabHmacEncrypted: dto.eab ? this.secrets.seal(dto.eab.hmacKey) : null,
      });
      const view = toAccountView(row);
      await this.audit.record(tx, actor, {
        action: 'acme-account.create',
        targetType: 'acme-account',
        targetId: row.id,
        after: view,
      });
      return view;
    });
  }
}
