import { describe, expect, it } from 'vitest';
import { heapToLaunch, type LaunchInput } from '../../cli/launch.js';

const GiB = 2 ** 30;
const base: LaunchInput = {
  args: ['scan', 'estate/'],
  env: {},
  execArgv: [],
  totalMemBytes: 24 * GiB,
  heapLimitBytes: 4144 * 2 ** 20,
};

describe('heap for the commands that derive', () => {
  it('relaunches import, collect, analyze and scan with 40 % of memory, at most 8 GiB', () => {
    for (const cmd of ['import', 'collect', 'analyze', 'scan']) {
      expect(heapToLaunch({ ...base, args: [cmd] })).toBe(8192);
    }
    expect(heapToLaunch({ ...base, totalMemBytes: 16 * GiB })).toBe(6144);
    expect(heapToLaunch({ ...base, totalMemBytes: 8 * GiB, heapLimitBytes: 2 * GiB })).toBe(3072);
  });

  it('leaves the other commands, help, and a heap the user chose alone', () => {
    for (const args of [['serve'], ['demo'], ['paths', '--from', 'x'], [], ['scan', '--help']]) {
      expect(heapToLaunch({ ...base, args })).toBeNull();
    }
    expect(heapToLaunch({ ...base, env: { NODE_OPTIONS: '--max-old-space-size=2048' } })).toBeNull();
    expect(heapToLaunch({ ...base, execArgv: ['--max-old-space-size=3000'] })).toBeNull();
    expect(heapToLaunch({ ...base, env: { PERMGRAPH_HEAP_LAUNCHED: '8192' } })).toBeNull();
  });

  it('does not relaunch when it would add less than a GiB', () => {
    expect(heapToLaunch({ ...base, totalMemBytes: 12 * GiB })).toBeNull(); // 4 GiB wanted, 4 GiB there
    expect(heapToLaunch({ ...base, totalMemBytes: 4 * GiB, heapLimitBytes: 2 * GiB })).toBeNull();
  });
});
