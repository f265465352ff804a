import { z } from 'zod';

/** The desired state's revision: it moves by one with every saved change. */
export const revisionView = z.strictObject({ revision: z.int() }).meta({ id: 'Revision' });
