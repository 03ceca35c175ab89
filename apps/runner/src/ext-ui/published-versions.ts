import { Logger } from '@nestjs/common';
import type { ContentHash } from '@extplat/contracts';
import { CommonErrors, DomainError } from '@extplat/server-core';
import { PublishedVersionsRepository } from './published-versions.repository.js';

export interface PublishedVersionsOptions {
  positiveTtlMs: number;
  negativeTtlMs: number;
  /** Bound on remembered answers: unknown hashes are free to request, so the memory must not grow with them. */
  maxEntries: number;
  now: () => number;
}

const DEFAULTS: PublishedVersionsOptions = {
  positiveTtlMs: 5000,
  negativeTtlMs: 1000,
  maxEntries: 10_000,
  now: () => Date.now(),
};

interface Answer {
  published: Promise<boolean>;
  expiresAt: number;
}

/**
 * Whether a version may be served, remembered briefly so static files do not cost a query each: a yes
 * for 5 s, a no for 1 s. A yank therefore stops ext-ui serving within 5 s (browsers that already cached a
 * file keep it; yanking is about new installs, not about revoking what was delivered). Concurrent
 * questions about one version share one query.
 */
export class PublishedVersions {
  private readonly logger = new Logger('ExtUi');
  private readonly answers = new Map<string, Answer>();
  private readonly options: PublishedVersionsOptions;

  constructor(
    private readonly repository: PublishedVersionsRepository,
    options: Partial<PublishedVersionsOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  isPublished(extensionId: string, contentHash: ContentHash): Promise<boolean> {
    const key = `${extensionId} ${contentHash}`;
    const now = this.options.now();
    const known = this.answers.get(key);
    if (known && known.expiresAt > now) return known.published;
    const answer: Answer = {
      // Until the query answers, concurrent callers share it.
      expiresAt: Number.POSITIVE_INFINITY,
      published: this.repository.isPublished(extensionId, contentHash).then(
        (published) => {
          answer.expiresAt = this.options.now() + (published ? this.options.positiveTtlMs : this.options.negativeTtlMs);
          return published;
        },
        (error: unknown) => {
          if (this.answers.get(key) === answer) this.answers.delete(key);
          this.logger.warn({ msg: 'Published-version lookup failed', error: String(error) });
          throw new DomainError(
            CommonErrors.SERVICE_UNAVAILABLE,
            'The registry database is not reachable; try again shortly',
          );
        },
      ),
    };
    this.answers.delete(key);
    this.answers.set(key, answer);
    this.trim();
    return answer.published;
  }

  /** Drops expired answers, then the oldest, once the bound is passed. */
  private trim(): void {
    if (this.answers.size <= this.options.maxEntries) return;
    const now = this.options.now();
    for (const [key, answer] of this.answers) {
      if (answer.expiresAt <= now) this.answers.delete(key);
    }
    for (const key of this.answers.keys()) {
      if (this.answers.size <= this.options.maxEntries) break;
      this.answers.delete(key);
    }
  }
}
