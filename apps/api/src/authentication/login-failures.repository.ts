import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LoginFailureEntity, type LoginFailureReason } from './login-failure.entity.js';

export interface NewLoginFailure {
  email: string;
  clientAddress: string;
  userId: string | null;
  tenantId: string | null;
  reason: LoginFailureReason;
}

/** The only place that queries `login_failures`. */
@Injectable()
export class LoginFailuresRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(failure: NewLoginFailure): Promise<void> {
    await this.dataSource.getRepository(LoginFailureEntity).insert({ ...failure, occurredAt: new Date() });
  }

  /** Deletes the failures older than `retentionSeconds`; answers how many went. */
  async pruneOlderThan(retentionSeconds: number): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(LoginFailureEntity)
      .where(`occurred_at < now() - make_interval(secs => :retentionSeconds)`, { retentionSeconds })
      .execute();
    return result.affected ?? 0;
  }
}
