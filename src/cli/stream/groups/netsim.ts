/** `--netsim-*`: impair incoming packets (as mediastream does) with the seeded simulator. */
import { Option, type Command } from 'commander';
import type { NetworkSimulatorOptions } from '../../../net/netsim.js';
import { choiceArg, numberArg } from '../../errors.js';
import type { StreamOptionGroup } from '../option-group.js';

export const netsimGroup: StreamOptionGroup = {
  name: 'netsim',
  addOptions(cmd: Command): void {
    cmd
      .option('--netsim-loss <pct>', 'simulated packet loss, 0–100 %', numberArg(0, 100, true))
      .addOption(new Option('--netsim-lossrate <pct>', 'alias of --netsim-loss (mediastream spelling)').argParser(numberArg(0, 100, true)).hideHelp())
      .option('--netsim-burst <packets>', 'mean length of a loss burst (Gilbert model), 1–100 packets', numberArg(1, 100, true))
      .option('--netsim-latency <ms>', 'simulated one-way latency, 0–10000 ms', numberArg(0, 10000, true))
      .option('--netsim-jitter <ms>', 'simulated jitter (extra random delay), 0–5000 ms', numberArg(0, 5000, true))
      .option('--netsim-reorder <pct>', 'packets held back so later ones overtake them, 0–100 %', numberArg(0, 100, true))
      .option('--netsim-duplicate <pct>', 'packets duplicated, 0–100 %', numberArg(0, 100, true))
      .option('--netsim-bandwidth <bps>', 'bandwidth cap, bit/s (0 = none)', numberArg(0, 10_000_000_000))
      .option('--netsim-seed <n>', 'seed of the simulator (same seed, same impairments)', numberArg(0, Number.MAX_SAFE_INTEGER))
      .option('--netsim-direction <dir>', 'which packets are impaired: in (default, as mediastream), out, both', choiceArg(['in', 'out', 'both'] as const));
  },
  configure(opts, config, ctx): void {
    const loss = (opts.netsimLoss ?? opts.netsimLossrate) as number | undefined;
    const sim: NetworkSimulatorOptions = {};
    if (loss !== undefined) sim.lossPct = loss;
    if (opts.netsimBurst !== undefined) {
      if (loss === undefined) throw new Error('--netsim-burst needs --netsim-loss');
      sim.burstLoss = { meanBurstLength: opts.netsimBurst as number };
    }
    if (opts.netsimLatency !== undefined) sim.latencyMs = opts.netsimLatency as number;
    if (opts.netsimJitter !== undefined) sim.jitterMs = opts.netsimJitter as number;
    if (opts.netsimReorder !== undefined) sim.reorderPct = opts.netsimReorder as number;
    if (opts.netsimDuplicate !== undefined) sim.duplicatePct = opts.netsimDuplicate as number;
    if (opts.netsimBandwidth !== undefined && (opts.netsimBandwidth as number) > 0) sim.bandwidthBps = opts.netsimBandwidth as number;
    if (Object.keys(sim).length === 0) return;
    if (opts.netsimSeed !== undefined) sim.seed = opts.netsimSeed as number;
    const dir = (opts.netsimDirection as string | undefined) ?? 'in';
    config.netsim = {
      ...(dir === 'in' || dir === 'both' ? { incoming: { ...sim } } : {}),
      ...(dir === 'out' || dir === 'both' ? { outgoing: { ...sim, ...(sim.seed !== undefined ? { seed: sim.seed + 1 } : {}) } } : {}),
    };
    ctx.info(`network simulation (${dir}): ${JSON.stringify(sim)}`);
  },
};
