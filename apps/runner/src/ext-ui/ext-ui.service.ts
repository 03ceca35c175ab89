import { Inject, Injectable } from '@nestjs/common';
import { CommonErrors, DomainError } from '@extplat/server-core';
import { BundleCache, type OpenedFile } from '../cache/bundle-cache.js';
import { resolveUiPath } from '../cache/ui-path.js';
import { parseExtUiUrl } from './ext-ui-url.js';
import { PublishedVersions } from './published-versions.js';

function notFound(): DomainError {
  return new DomainError(CommonErrors.NOT_FOUND, 'No such extension UI file');
}

/** Decides what an ext-ui URL serves: only files of the UI folder of a published version. */
@Injectable()
export class ExtUiService {
  constructor(
    @Inject(PublishedVersions) private readonly published: PublishedVersions,
    @Inject(BundleCache) private readonly cache: BundleCache,
  ) {}

  /**
   * Opens the file `rawUrl` names. NOT_FOUND alike for a malformed or unsafe URL, a version that is not
   * published under that extension (unknown, yanked, another extension's hash) and a path outside the UI;
   * the cache's own errors (bundle missing in the store, unusable bundle, store down) pass through.
   */
  async open(rawUrl: string): Promise<OpenedFile> {
    const request = parseExtUiUrl(rawUrl);
    if (!request) throw notFound();
    if (!(await this.published.isPublished(request.extensionId, request.contentHash))) throw notFound();
    const file = await this.cache.openFile(request.contentHash, (bundle) => resolveUiPath(bundle, request.path));
    if (!file) throw notFound();
    return file;
  }
}
