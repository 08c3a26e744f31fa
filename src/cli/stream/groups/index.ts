/** The option groups of `mediaweave stream`, in help order. A feature adds one line here. */
import type { StreamOptionGroup } from '../option-group.js';
import { coreGroup } from './core.js';
import { netsimGroup } from './netsim.js';
import { srtpGroup } from './srtp.js';

export const streamOptionGroups: StreamOptionGroup[] = [coreGroup, netsimGroup, srtpGroup];
