import { defineEntity, p } from '@mikro-orm/core';

export const ROLES = ['researcher', 'worker', 'admin', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

const AccountSchema = defineEntity({
  name: 'Account',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    name: p.string().length(200),
    role: p.enum([...ROLES]),
    /** Excluded from leasing (strikes); an admin reinstates. */
    excludedAt: p.datetime().nullable(),
    excludedReason: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Account extends AccountSchema.class {}
AccountSchema.setClass(Account);
