import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';

/**
 * Names this API process among its peers: in health-check membership and on events it sends
 * over Redis. New on every start, so a restarted instance never inherits a dead one's lease.
 */
@Injectable()
export class InstanceIdentity {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
