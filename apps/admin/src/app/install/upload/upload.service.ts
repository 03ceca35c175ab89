import { inject, Injectable } from '@angular/core';
import { FileHasher } from './file-hasher.service';
import { UploadController } from './upload-controller';
import { HttpUploadTransport } from './upload-transport';

/** Creates upload controllers wired to the API, S3 and the hashing worker. */
@Injectable({ providedIn: 'root' })
export class UploadService {
  readonly transport = inject(HttpUploadTransport);
  private readonly hasher = inject(FileHasher);

  create(): UploadController {
    return new UploadController(this.transport, {
      hash: (file, onProgress, signal) => this.hasher.hash(file, onProgress, signal),
    });
  }
}
