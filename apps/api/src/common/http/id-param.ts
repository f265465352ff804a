import { Param, ParseUUIDPipe } from '@nestjs/common';
import { AppError } from '../errors/app-error.js';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => AppError.invalid('id', 'must be a UUID') });

/** The `:id` route parameter: anything but a UUID is a 400 naming the field, like a body error. */
export const IdParam = () => Param('id', uuid);
