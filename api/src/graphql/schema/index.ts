// Imports every type module (each registers itself on the builder) and builds the schema.
import { builder } from '../builder.ts';
import './scalars.ts';
import './errors.ts';
import './account.ts';
import './artifact.ts';
import './campaign.ts';
import './task.ts';
import './campaign-loop.ts';
import './run-result.ts';
import './worker.ts';
import './lease.ts';
import './credits.ts';
import './explore.ts';
import './signing.ts';
import './script.ts';
import './verification.ts';
import './reputation.ts';

export const schema = builder.toSchema();
