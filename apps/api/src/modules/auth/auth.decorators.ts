import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Actor, Permission, Principal } from './principal.js';

export const PUBLIC_KEY = 'portico:public';
export const PERMISSION_KEY = 'portico:permission';

/** Published on every operation of the OpenAPI document, so clients (and tests) know the rule. */
export const PERMISSION_EXTENSION = 'x-required-permission';

/** No authentication at all (liveness, login, docs). */
export const Public = () =>
  applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension(PERMISSION_EXTENSION, 'none'));

/** What a handler without @Requires (on it or its controller) needs; the OpenAPI document says so too. */
export const DEFAULT_PERMISSION: Permission = 'read';

/** The permission a handler needs; handlers without it need DEFAULT_PERMISSION. */
export const Requires = (permission: Permission) =>
  applyDecorators(SetMetadata(PERMISSION_KEY, permission), ApiExtension(PERMISSION_EXTENSION, permission));

export type AuthenticatedRequest = Request & { principal?: Principal; id?: string | number };

/** The authenticated caller with the request id, for services that audit what they do. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return { principal: req.principal!, requestId: req.id === undefined ? undefined : String(req.id) };
});
