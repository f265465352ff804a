import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Prisma } from '../../generated/prisma/client.js';
import { AppError, ERROR_STATUS, ErrorCode } from './app-error.js';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Turns every failure into {statusCode, code, message, details?}; internals never leak. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(error);
    if (body.statusCode >= 500) this.logger.error(error);
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }

  private toBody(error: unknown): ErrorBody {
    if (error instanceof AppError) {
      return {
        statusCode: ERROR_STATUS[error.code],
        code: error.code,
        message: error.message,
        details: error.details,
      };
    }
    if (error instanceof Prisma.PrismaClientKnownRequestError) return this.fromPrisma(error);
    if (error instanceof HttpException && error.cause instanceof SyntaxError && error.getStatus() === 400) {
      // body-parser's own message names positions in the document; the client needs the gist.
      const details = [{ field: '(body)', message: 'is not valid JSON' }];
      return {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'The request body is not valid JSON',
        details,
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      const message =
        typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? '');
      const text = Array.isArray(message) ? message.join('; ') : String(message || error.message);
      return {
        statusCode: status,
        code: HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'HTTP_ERROR'),
        message: text,
        // Every 400 lists what to fix, even one raised by a framework pipe that names no field.
        ...(status === 400 ? { details: [{ field: '(request)', message: text }] } : {}),
      };
    }
    return { statusCode: 500, code: 'INTERNAL', message: 'Internal error; see the server log' };
  }

  /** Constraint violations that slipped past a service's own checks (races) still read well. */
  private fromPrisma(error: Prisma.PrismaClientKnownRequestError): ErrorBody {
    switch (error.code) {
      case 'P2002':
        return this.uniqueViolation(error);
      case 'P2025':
        return { statusCode: 404, code: 'NOT_FOUND', message: 'The record does not exist' };
      case 'P2003':
        return { statusCode: 409, code: 'IN_USE', message: 'The record is referenced by another one' };
      default:
        this.logger.error(error);
        return { statusCode: 500, code: 'INTERNAL', message: 'Database error; see the server log' };
    }
  }

  /** Two writers claimed the same value at once; the loser gets what a sequential one would. */
  private uniqueViolation(error: Prisma.PrismaClientKnownRequestError): ErrorBody {
    const meta = error.meta as
      | { modelName?: string; driverAdapterError?: { cause?: { constraint?: { index?: string } } } }
      | undefined;
    if (meta?.modelName === 'SiteHostname') {
      return {
        statusCode: 409,
        code: 'HOSTNAME_TAKEN',
        message: 'A hostname is already served by another site',
      };
    }
    // Constraint names follow Prisma's <Table>_<column>_key convention.
    const column = /^[A-Za-z]+_([A-Za-z]+)_key$/.exec(
      meta?.driverAdapterError?.cause?.constraint?.index ?? '',
    )?.[1];
    return {
      statusCode: 409,
      code: 'NAME_TAKEN',
      message: 'A unique value is already in use',
      ...(column ? { details: [{ field: column, message: 'is already used' }] } : {}),
    };
  }
}
