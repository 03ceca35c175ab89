import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { createOutput } from './output.js';

function streams(tty: boolean): { stdout: PassThrough; stderr: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let written = '';
  stderr.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { stdout: new PassThrough(), stderr, text: () => written };
}

describe('progress output', () => {
  it('rewrites one line in place on a terminal', () => {
    const io = streams(true);
    const progress = createOutput(false, io).progress('upload');
    progress.update('1 MiB of 4 MiB (25%)');
    progress.update('2 MiB of 4 MiB (50%)'); // within 100 ms of the last redraw: skipped
    progress.done('4 MiB sent');
    expect(io.text()).toBe('\r\x1b[2Kupload: 1 MiB of 4 MiB (25%)\r\x1b[2Kupload: 4 MiB sent\n');
  });

  it('prints plain lines off a terminal, at most once per interval', () => {
    const io = streams(false);
    const every = createOutput(false, io, 0).progress('upload');
    every.update('a');
    every.update('b');
    expect(io.text()).toBe('upload: a\nupload: b\n');
    const quiet = streams(false);
    const slow = createOutput(false, quiet).progress('upload');
    slow.update('too soon');
    slow.done('done');
    expect(quiet.text()).toBe('upload: done\n');
  });

  it('prints no progress with --json', () => {
    const io = streams(true);
    const progress = createOutput(true, io).progress('upload');
    progress.update('x');
    progress.done('y');
    expect(io.text()).toBe('');
  });
});
