/**
 * Who an audit record names. Audit sits below auth (auth records logins through it), so it
 * declares the little it reads instead of importing auth's `Actor`, which fits this shape.
 */
export interface AuditActor {
  principal: {
    /** `session`, `token`, or `system` for work Portico does on its own. */
    kind: string;
    userId: string;
    email: string;
    tokenId?: string;
  };
  requestId?: string;
}
