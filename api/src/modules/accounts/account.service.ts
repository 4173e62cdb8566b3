// Accounts and their API tokens: bootstrap admin, admin-created accounts, token resolution.
// An account's name and role are public (they sign campaigns and the leaderboard); its balance is
// shown only to itself and admins (LedgerService.visibleBalance).
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Account, type Role, ROLES } from '../../db/entities/account.entity.ts';
import { ApiToken } from '../../db/entities/api-token.entity.ts';
import { Worker } from '../../db/entities/worker.entity.ts';
import { type Db, firstRow, sql } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';
import { LedgerService } from '../ledger/ledger.service.ts';
import { parseInput, UUID_PATTERN } from '../validation.ts';
import { generateToken, hashToken } from './tokens.ts';
import { requireRole, requireViewer, type Viewer } from './viewer.ts';

const createAccountInput = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  role: z.enum(ROLES),
});

export interface IssuedToken {
  account: Account;
  token: string;
}

export class AccountService {
  private readonly em: Db;
  private readonly env: Env;

  constructor(em: Db, env: Env) {
    this.em = em;
    this.env = env;
  }

  async find(_viewer: Viewer | null, accountId: string): Promise<Account | null> {
    if (!UUID_PATTERN.test(accountId)) return null;
    return this.em.findOne(Account, { id: accountId });
  }

  async get(viewer: Viewer | null, accountId: string): Promise<Account> {
    const account = await this.find(viewer, accountId);
    if (!account) throw new NotFoundError('account', `account ${accountId} not found`);
    return account;
  }

  /** The caller's own account (null when anonymous). */
  me(viewer: Viewer | null): Promise<Account | null> {
    return viewer ? this.em.findOne(Account, { id: viewer.accountId }) : Promise.resolve(null);
  }

  /** The caller's own account, fresh (a balance subscription re-reads it per event). */
  own(viewer: Viewer | null): Promise<Account> {
    return this.em.findOneOrFail(Account, { id: requireViewer(viewer).accountId });
  }

  /** Resolves a presented token to its caller, or null when it is unknown or revoked. */
  async viewerForToken(token: string): Promise<Viewer | null> {
    const row = await firstRow<{
      token_id: string;
      account_id: string;
      name: string;
      role: Role;
      worker_id: string | null;
      worker_simulated: boolean | null;
    }>(
      this.em,
      sql`select t.id as token_id, a.id as account_id, a.name, a.role, t.worker_id, w.simulated as worker_simulated
          from api_token t join account a on a.id = t.account_id left join worker w on w.id = t.worker_id
          where t.token_hash = ${hashToken(token)} and t.revoked_at is null`,
    );
    if (!row) return null;
    return {
      tokenId: row.token_id,
      accountId: row.account_id,
      name: row.name,
      role: row.role,
      workerId: row.worker_id,
      workerSimulated: row.worker_simulated ?? false,
    };
  }

  async issueToken(accountId: string, label: string, workerId: string | null = null, token = generateToken()): Promise<string> {
    this.em.create(ApiToken, {
      account: this.em.getReference(Account, accountId),
      worker: workerId ? this.em.getReference(Worker, workerId) : null,
      tokenHash: hashToken(token),
      label,
    });
    await this.em.flush();
    return token;
  }

  /** Creates an account with a starting grant and its first token; the token is shown only now. */
  async create(name: string, role: Role, grant: number): Promise<IssuedToken> {
    return this.em.transactional(async (em) => {
      const accounts = new AccountService(em, this.env);
      const account = em.create(Account, { name, role });
      await em.flush();
      await new LedgerService(em).grant(account.id, grant, `welcome grant for a new ${role}`);
      const token = await accounts.issueToken(account.id, 'initial token');
      return { account, token };
    });
  }

  async createByAdmin(viewer: Viewer | null, input: unknown): Promise<IssuedToken> {
    requireRole(viewer, 'admin');
    const { name, role } = parseInput(createAccountInput, input);
    const grant = role === 'researcher' ? this.env.XEENET_RESEARCHER_GRANT : role === 'admin' ? this.env.XEENET_ADMIN_GRANT : 0;
    return this.create(name, role, grant);
  }

  /**
   * First start: create an admin so a newcomer can sign in at once. Returns the token when one
   * was created (to be shown), null when an admin already existed.
   */
  async ensureAdmin(): Promise<string | null> {
    const configured = this.env.XEENET_ADMIN_TOKEN ?? null;
    const existing = await firstRow<{ id: string }>(this.em, sql`select id from account where role = 'admin' order by created_at limit 1`);
    if (existing) {
      if (configured && !(await this.viewerForToken(configured))) {
        await this.issueToken(existing.id, 'configured admin token', null, configured);
      }
      return null;
    }
    return this.em.transactional(async (em) => {
      const accounts = new AccountService(em, this.env);
      const admin = em.create(Account, { name: 'admin', role: 'admin' });
      await em.flush();
      await new LedgerService(em).grant(admin.id, this.env.XEENET_ADMIN_GRANT, 'welcome grant for the first admin');
      return accounts.issueToken(admin.id, 'bootstrap admin token', null, configured ?? generateToken());
    });
  }
}
