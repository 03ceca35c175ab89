import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { UploadSessionEntity } from './upload-session.entity.js';

/** How long a finalize may hold a session before another request may take it over. */
const FINALIZE_LEASE_SECONDS = 15 * 60;

@Injectable()
export class UploadRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  create(values: Partial<UploadSessionEntity>): Promise<UploadSessionEntity> {
    const repository = this.dataSource.getRepository(UploadSessionEntity);
    return repository.save(repository.create(values));
  }

  find(id: string): Promise<UploadSessionEntity | null> {
    return this.dataSource.getRepository(UploadSessionEntity).findOneBy({ id });
  }

  /**
   * Takes the session for a finalize: only an initiated, unexpired session (or one whose previous
   * finalize lease ran out) is returned; concurrent finalizes of one session get null.
   */
  async claimForFinalize(id: string): Promise<UploadSessionEntity | null> {
    const rows: unknown = await this.dataSource.query(
      `UPDATE upload_sessions
          SET state = 'finalizing', lease_until = now() + make_interval(secs => $2), updated_at = now()
        WHERE id = $1 AND expires_at > now()
          AND (state = 'initiated' OR (state = 'finalizing' AND lease_until < now()))
        RETURNING id`,
      [id, FINALIZE_LEASE_SECONDS],
    );
    const [updated] = (rows as [{ id: string }[], number])[0];
    return updated ? this.find(id) : null;
  }

  async update(
    id: string,
    values: Partial<UploadSessionEntity>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.getRepository(UploadSessionEntity).update({ id }, { ...values, updatedAt: new Date() });
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
