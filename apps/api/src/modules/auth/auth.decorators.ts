import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor, Permission, Principal } from './principal.js';

export const PUBLIC_KEY = 'portico:public';
export const PERMISSION_KEY = 'portico:permission';

/** No authentication at all (liveness, login, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The permission a handler needs; handlers without it need `read`. */
export const Requires = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);

export type AuthenticatedRequest = Request & { principal?: Principal; id?: string | number };

/** The authenticated caller with the request id, for services that audit what they do. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return { principal: req.principal!, requestId: req.id === undefined ? undefined : String(req.id) };
});
