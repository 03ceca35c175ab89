import { describe, expect, it } from '@jest/globals';
import { formatDuration, formatSpeed, formatTransfer, TransferMeter } from './transfer-meter.js';

const MIB = 1024 * 1024;

/** A clock the test moves by hand. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('progress formatting', () => {
  it.each([
    [0, '0 s'],
    [0.2, '1 s'],
    [45, '45 s'],
    [59.5, '1 min 00 s'],
    [60, '1 min 00 s'],
    [125, '2 min 05 s'],
    [3599, '59 min 59 s'],
    [3600, '1 h 00 min'],
    [3720, '1 h 02 min'],
  ])('formats %p seconds as %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('formats speeds in binary units per second', () => {
    expect(formatSpeed(512)).toBe('512 B/s');
    expect(formatSpeed(8 * MIB)).toBe('8.00 MiB/s');
    expect(formatSpeed(123.4 * MIB)).toBe('123.4 MiB/s');
  });

  it('formats a transfer line with percent, speed and time left', () => {
    expect(formatTransfer(12 * MIB, 48 * MIB, 8 * MIB, 4.5)).toBe('12.0 MiB of 48.0 MiB (25%), 8.00 MiB/s, 5 s left');
    expect(formatTransfer(0, 48 * MIB, 0, undefined)).toBe('0 B of 48.0 MiB (0%), 0 B/s, estimating time left');
  });
});

describe('TransferMeter', () => {
  it('measures speed and time left from the bytes sent', () => {
    const time = clock();
    const meter = new TransferMeter(40 * MIB, 0, time.now);
    expect(meter.speed()).toBe(0);
    expect(meter.secondsLeft()).toBeUndefined();
    time.advance(1000);
    meter.add(4 * MIB);
    time.advance(1000);
    meter.add(4 * MIB);
    expect(meter.speed()).toBe(4 * MIB);
    expect(meter.secondsLeft()).toBe(8);
    expect(meter.line()).toBe('8.00 MiB of 40.0 MiB (20%), 4.00 MiB/s, 8 s left');
  });

  it('follows the recent speed rather than the average since the start', () => {
    const time = clock();
    const meter = new TransferMeter(100 * MIB, 0, time.now);
    for (let second = 0; second < 10; second++) {
      time.advance(1000);
      meter.add(10 * MIB);
    }
    // The connection slows to 1 MiB/s: within the five-second window the speed follows.
    for (let second = 0; second < 6; second++) {
      time.advance(1000);
      meter.add(MIB);
    }
    expect(meter.speed()).toBeLessThan(2 * MIB);
    expect(meter.speed()).toBeGreaterThan(0.5 * MIB);
  });

  it('counts parts stored before a resume towards the percentage, not the speed', () => {
    const time = clock();
    const meter = new TransferMeter(30 * MIB, 20 * MIB, time.now);
    expect(meter.done).toBe(20 * MIB);
    time.advance(2000);
    meter.add(2 * MIB);
    expect(meter.done).toBe(22 * MIB);
    expect(meter.speed()).toBe(MIB);
    expect(meter.secondsLeft()).toBe(8);
  });

  it('takes back the bytes of a failed attempt', () => {
    const time = clock();
    const meter = new TransferMeter(10 * MIB, 0, time.now);
    meter.add(3 * MIB);
    meter.add(-3 * MIB);
    expect(meter.done).toBe(0);
    expect(meter.sentThisRun).toBe(0);
  });
});
