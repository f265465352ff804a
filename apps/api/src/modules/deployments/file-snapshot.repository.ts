import { Injectable } from '@nestjs/common';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import type { RenderedFile } from '../render/fleet-state.js';
import { agentHash, renderedFile } from '../render/rendered-file.js';

interface StoredFile {
  path: string;
  mode: number;
  content: string;
}

/**
 * Complete file sets, content-addressed by agentHash and sealed because they can hold TLS keys.
 * A deployment renders once at creation and every instance deploys exactly those bytes; rollback
 * and drift read what a target deployed from here.
 */
@Injectable()
export class FileSnapshotRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: SecretBox,
  ) {}

  async save(tx: Tx, files: readonly RenderedFile[]): Promise<string> {
    const hash = agentHash(files);
    if (await tx.fileSnapshot.findUnique({ where: { hash }, select: { hash: true } })) return hash;
    const stored: StoredFile[] = files.map(({ path, mode, content }) => ({ path, mode, content }));
    await tx.fileSnapshot.createMany({
      data: [{ hash, filesSealed: this.secrets.seal(JSON.stringify(stored)), fileCount: files.length }],
      skipDuplicates: true, // the same tree saved by a concurrent deployment
    });
    return hash;
  }

  async load(hash: string): Promise<RenderedFile[]> {
    const row = await this.prisma.fileSnapshot.findUnique({ where: { hash } });
    if (!row) throw new Error(`file snapshot ${hash} is missing`);
    const stored = JSON.parse(this.secrets.open(row.filesSealed)) as StoredFile[];
    return stored.map((f) => renderedFile(f.path, f.mode, f.content));
  }
}
