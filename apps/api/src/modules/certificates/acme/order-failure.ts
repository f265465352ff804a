/**
 * An order's failure with the problem document to store: the CA's RFC 7807 body, or Portico's
 * own (`urn:portico:acme:*`) for what it found before or around the CA.
 */
export class OrderFailure extends Error {
  constructor(
    message: string,
    readonly problem: Record<string, unknown>,
  ) {
    super(message);
  }
}
