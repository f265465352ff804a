import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../database/prisma.service.js';

/** A checked upload, ready to store: the key already sealed. */
export interface UploadedCertificate {
  domains: string[];
  chainPem: string;
  keyEncrypted: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** Certificate rows: listing, uploads, revocation. Orders have their own repository. */
@Injectable()
export class CertificatesRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  async page(q: { limit: number; offset: number }) {
    const items = await this.prisma.certificate.findMany({
      orderBy: { createdAt: 'desc' },
      take: q.limit,
      skip: q.offset,
    });
    return { items, total: await this.prisma.certificate.count() };
  }

  find(id: string) {
    return this.prisma.certificate.findUnique({ where: { id } });
  }

  /** With the ACME account that issued it (revocation signs with that account). */
  withAccount(id: string) {
    return this.prisma.certificate.findUnique({ where: { id }, include: { account: true } });
  }

  /** The site an upload is for, with its hostnames to check the certificate against. */
  siteWithHostnames(tx: Tx, siteId: string) {
    return tx.site.findUnique({ where: { id: siteId }, include: { hostnames: true } });
  }

  createUploaded(tx: Tx, cert: UploadedCertificate) {
    return tx.certificate.create({ data: { source: 'uploaded', status: 'valid', ...cert } });
  }

  markRevoked(tx: Tx, id: string) {
    return tx.certificate.update({
      where: { id },
      data: { status: 'revoked', revokedAt: new Date(), renewAfter: null },
    });
  }

  /** ACME sites serving the certificate. */
  acmeSitesUsing(certificateId: string) {
    return this.prisma.site.findMany({ where: { certificateId, tlsMode: 'acme' }, select: { id: true } });
  }
}
